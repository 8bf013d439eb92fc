package compose

import (
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Decode decodes the observed composite into a typed object, e.g. a
// *v1alpha1.XPostgreSQL. A field of the wrong type is a FieldError naming it.
// Fields the type does not know (Crossplane's own spec fields) are ignored.
func (r *Request) Decode(into any) error {
	return DecodeObject(r.Composite.UnstructuredContent(), into)
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
		path := te.Field
		if path == "" {
			path = "(root)"
		}
		return InvalidField(path, "cannot be a %s, must be %s", te.Value, jsonKind(te.Type.Kind().String()))
	}
	if err != nil {
		return InvalidField("(root)", "cannot be decoded: %v", err)
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
	if err := DecodeObject(oc.Resource.UnstructuredContent(), into); err != nil {
		return true, fmt.Errorf("cannot decode observed resource %q: %w", name, err)
	}
	return true, nil
}

// RequiredInto decodes the first resource Crossplane fetched for requirement
// name into a typed object. It returns false when none was found (yet).
func (r *Request) RequiredInto(name string, into runtime.Object) (bool, error) {
	rs := r.Required[name]
	if len(rs) == 0 || rs[0].Resource == nil {
		return false, nil
	}
	if err := DecodeObject(rs[0].Resource.UnstructuredContent(), into); err != nil {
		return true, fmt.Errorf("cannot decode required resource %q: %w", name, err)
	}
	return true, nil
}

// Unstructured returns an empty unstructured object of the given kind, for
// kinds whose Go types Homeplane does not import.
func Unstructured(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(gvk)
	return u
}
