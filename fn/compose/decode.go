package compose

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Decode decodes the observed composite into a typed object, e.g. a
// *v1alpha1.XPostgreSQL. A field of the wrong type or a value its type
// refuses (a malformed quantity) is a FieldError naming it. Fields the type
// does not know (Crossplane's own spec fields) are ignored.
func (r *Request) Decode(into any) error {
	content := r.Composite.UnstructuredContent()
	err := DecodeObject(content, into)
	var fe *FieldError
	if errors.As(err, &fe) && fe.Path == pathRoot {
		// encoding/json does not say which field's own UnmarshalJSON failed.
		if path, ferr := locate(reflect.TypeOf(into), content, ""); ferr != nil {
			return InvalidField(path, "is not valid: %v", ferr)
		}
	}
	return err
}

// pathRoot names the whole object when the failing field is unknown.
const pathRoot = "(root)"

// locate finds the first value in v that its field's own JSON decoder
// (a json.Unmarshaler such as resource.Quantity) refuses, walking the Go type
// t alongside it, and returns the value's field path.
func locate(t reflect.Type, v any, path string) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		b, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(b, reflect.New(t).Interface())
		}
		if err != nil {
			return path, err
		}
		return "", nil
	}
	switch t.Kind() { //nolint:exhaustive // Only containers hold fields; other kinds decode themselves.
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return "", nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" && f.Anonymous {
				if p, err := locate(f.Type, m, path); err != nil {
					return p, err
				}
				continue
			}
			if sub, ok := m[name]; ok && name != "-" {
				if p, err := locate(f.Type, sub, join(path, name)); err != nil {
					return p, err
				}
			}
		}
	case reflect.Map:
		m, _ := v.(map[string]any)
		for _, k := range sortedKeys(m) {
			if p, err := locate(t.Elem(), m[k], fmt.Sprintf("%s[%s]", path, k)); err != nil {
				return p, err
			}
		}
	case reflect.Slice, reflect.Array:
		l, _ := v.([]any)
		for i, e := range l {
			if p, err := locate(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return p, err
			}
		}
	}
	return "", nil
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DecodeObject decodes unstructured content into a typed object.
func DecodeObject(content map[string]any, into any) error {
	b, err := json.Marshal(content)
	if err != nil {
		return fmt.Errorf("cannot marshal object: %w", err)
	}
	return decodeJSON(b, into)
}

func decodeJSON(b []byte, into any) error {
	err := json.Unmarshal(b, into)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := jsonPath(te.Field)
		if path == "" {
			path = pathRoot
		}
		return InvalidField(path, "cannot be a %s, must be %s", te.Value, jsonKind(te.Type.Kind().String()))
	}
	if err != nil {
		return InvalidField(pathRoot, "cannot be decoded: %v", err)
	}
	return nil
}

// jsonKind names a Go kind the way a YAML author thinks of it.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	default:
		return "a " + k
	}
}

// ObservedInto decodes the observed composed resource name into a typed
// object. It returns false when no such resource is observed.
func (r *Request) ObservedInto(name string, into runtime.Object) (bool, error) {
	oc, ok := r.Observed[resourceName(name)]
	if !ok || oc.Resource == nil {
		return false, nil
	}
	// Decoded once per request and type: several steps read the same object.
	key := decodedKey{name: name, typ: reflect.TypeOf(into)}
	if d, ok := r.decoded[key]; ok {
		reflect.ValueOf(into).Elem().Set(reflect.ValueOf(d.DeepCopyObject()).Elem())
		return true, nil
	}
	if err := DecodeObject(oc.Resource.UnstructuredContent(), into); err != nil {
		return true, fmt.Errorf("cannot decode observed resource %q: %w", name, err)
	}
	if r.decoded == nil {
		r.decoded = map[decodedKey]runtime.Object{}
	}
	r.decoded[key] = into.DeepCopyObject()
	return true, nil
}

type decodedKey struct {
	name string
	typ  reflect.Type
}

// RequiredInto decodes the first resource Crossplane fetched for requirement
// name into a typed object. It returns false when none was found (yet).
func (r *Request) RequiredInto(name string, into runtime.Object) (bool, error) {
	rs := r.Required[name]
	if len(rs) == 0 || rs[0].Resource == nil {
		return false, nil
	}
	// Every requirement of a composer is in the claim's namespace; an object
	// from elsewhere is never read, whoever returned it.
	if ns := rs[0].Resource.GetNamespace(); ns != r.Namespace {
		return true, fmt.Errorf("required resource %q is in namespace %q, not the claim's %q", name, ns, r.Namespace)
	}
	if err := DecodeObject(rs[0].Resource.UnstructuredContent(), into); err != nil {
		return true, fmt.Errorf("cannot decode required resource %q: %w", name, err)
	}
	return true, nil
}

// RequiredResolved reports whether Crossplane has looked requirement name up:
// then RequiredInto's false means that no such object exists, rather than
// that it was not fetched yet.
func (r *Request) RequiredResolved(name string) bool {
	_, ok := r.Required[name]
	return ok
}

// Unstructured returns an empty unstructured object of the given kind, for
// kinds whose Go types Homeplane does not import.
func Unstructured(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(gvk)
	return u
}

// jsonPath drops the names of embedded Go structs from encoding/json's field
// path (spec.parameters.Wiring.route is spec.parameters.route): JSON names of
// the API types start in lower case, Go type names in upper case.
func jsonPath(p string) string {
	parts := strings.Split(p, ".")
	out := parts[:0]
	for _, s := range parts {
		if s != "" && (s[0] < 'A' || s[0] > 'Z') {
			out = append(out, s)
		}
	}
	return strings.Join(out, ".")
}
