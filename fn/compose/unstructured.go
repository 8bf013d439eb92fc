package compose

import (
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// ToUnstructured converts a typed object into what Crossplane applies for it
// with server-side apply, where every field sent is an opinion the function
// then owns. It keeps what the composer set and drops what only Go's zero
// values put there:
//   - runtime.DefaultUnstructuredConverter already drops omitempty fields
//     that are false, 0, "" or nil (encoding/json's rule), unlike
//     function-sdk-go's composed.From, whose JSON v2 marshalling writes them
//     (minReadySeconds: 0, stdin: false, hostPort: 0);
//   - this also drops nulls (metadata.creationTimestamp) and the empty
//     objects of non-pointer structs (resources: {}, strategy: {}), whose
//     zero value cannot be told from "not set";
//   - it keeps an empty object behind a pointer (emptyDir: {}), which is a
//     choice.
//
// status is left out: it is the controllers', never desired state.
func ToUnstructured(o runtime.Object) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T: %w", o, err)
	}
	delete(m, "status")
	prune(reflect.ValueOf(o), m)
	return m, nil
}

// prune walks the typed value v and its converted form m together and
// removes from m the nulls and the empty objects of non-pointer structs.
func prune(v reflect.Value, m any) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		obj, ok := m.(map[string]any)
		if !ok {
			return // a type with its own encoding (Quantity, IntOrString, Time)
		}
		pruneStruct(v, obj)
	case reflect.Slice, reflect.Array:
		items, ok := m.([]any)
		if !ok || len(items) != v.Len() {
			return
		}
		for i := range items {
			prune(v.Index(i), items[i])
		}
	case reflect.Map:
		obj, ok := m.(map[string]any)
		if !ok {
			return
		}
		for _, k := range v.MapKeys() {
			if k.Kind() == reflect.String {
				prune(v.MapIndex(k), obj[k.String()])
			}
		}
	default: // scalars: nothing below them
	}
}

func pruneStruct(v reflect.Value, obj map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if (f.Anonymous && name == "") || strings.Contains(opts, "inline") {
			prune(v.Field(i), obj)
			continue
		}
		if name == "" {
			name = f.Name
		}
		val, ok := obj[name]
		if !ok {
			continue
		}
		if val == nil {
			delete(obj, name)
			continue
		}
		prune(v.Field(i), val)
		if child, isMap := val.(map[string]any); isMap && len(child) == 0 && f.Type.Kind() == reflect.Struct {
			delete(obj, name)
		}
	}
}
