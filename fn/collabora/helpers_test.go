package collabora

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// testProofKey stands in for a generated RSA key: the composer only stores
// and mounts it.
const testProofKey = "-----BEGIN RSA PRIVATE KEY-----\ntest\n-----END RSA PRIVATE KEY-----\n"

// testPassword is what 24 bytes of 7s (seed) encode to.
const testPassword = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH"

func seed() io.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 1<<10)) }

func fixedKey(io.Reader) ([]byte, error) { return []byte(testProofKey), nil }

func failingKey(io.Reader) ([]byte, error) { return nil, errors.New("no entropy") }

// xr returns an XCollabora of claim office/office with the given parameters
// (JSON).
func xr(t testing.TB, parameters string) *composite.Unstructured {
	t.Helper()
	x := composite.New()
	doc := `{
		"apiVersion": "office.homeplane.dev/v1alpha1",
		"kind": "XCollabora",
		"metadata": {"name": "office-m3n9t", "labels": {"crossplane.io/claim-name": "office", "crossplane.io/claim-namespace": "office"}},
		"spec": {"parameters": ` + parameters + `}
	}`
	if err := json.Unmarshal([]byte(doc), &x.Unstructured.Object); err != nil {
		t.Fatalf("bad test XR: %v", err)
	}
	return x
}

func request(t testing.TB, parameters string, observed ...runtime.Object) *compose.Request {
	t.Helper()
	return &compose.Request{
		Composite: xr(t, parameters),
		ClaimName: "office",
		Namespace: "office",
		Observed:  observe(t, observed...),
		Rand:      seed(),
	}
}

// observe turns typed objects, each wrapped by as, into observed composed
// resources.
func observe(t testing.TB, objs ...runtime.Object) map[resource.Name]resource.ObservedComposed {
	t.Helper()
	out := map[resource.Name]resource.ObservedComposed{}
	for _, o := range objs {
		no, ok := o.(named)
		if !ok {
			t.Fatalf("observe: %T is not named", o)
		}
		// Not composed.From: it drops what the API server sets, such as the
		// generation.
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(no.Object)
		if err != nil {
			t.Fatalf("observe: %v", err)
		}
		cd := composed.New()
		cd.SetUnstructuredContent(m)
		out[resource.Name(no.name)] = resource.ObservedComposed{Resource: cd}
	}
	return out
}

// named is an observed object with its composition resource name.
type named struct {
	runtime.Object
	name string
}

func as(name string, o runtime.Object) runtime.Object { return named{Object: o, name: name} }

// cmpOpts compare results: quantities by value, nil and empty alike,
// conditions in any order (Crossplane keeps them by type).
var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b apiresource.Quantity) bool { return a.Cmp(b) == 0 }),
	cmpopts.EquateEmpty(),
	cmpopts.SortSlices(func(a, b compose.Condition) bool { return a.Type < b.Type }),
}

func errorString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// resolveParams defaults, validates and resolves parameters of claim
// office/office as the app contract does.
func resolveParams(in v1alpha1.CollaboraParameters) (params, error) {
	req := &compose.Request{ClaimName: "office", Namespace: "office"}
	return NewComposer().app().Params(req, &v1alpha1.XCollabora{Spec: v1alpha1.XCollaboraSpec{Parameters: *in.DeepCopy()}})
}

// officeNames are the object names of claim office.
var officeNames = names{base: "office-collabora", admin: "office-collabora-admin", proofKey: "office-collabora-proof-key", blocked: "office-collabora-blocked"}
