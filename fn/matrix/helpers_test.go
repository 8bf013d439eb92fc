package matrix

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Test fixtures: claim chat in namespace chat.
const (
	claim     = "chat"
	namespace = "chat"
)

// xr returns an XMatrixServer composite with the given parameters.
func xr(params map[string]any) *composite.Unstructured {
	c := composite.New()
	c.Object = map[string]any{
		"apiVersion": "matrix.homeplane.dev/v1alpha1",
		"kind":       "XMatrixServer",
		"metadata": map[string]any{
			"name":   "chat-x7k2p",
			"labels": map[string]any{compose.LabelClaimName: claim, compose.LabelClaimNamespace: namespace},
		},
		"spec": map[string]any{"parameters": params},
	}
	return c
}

// fill is the byte every test "random" value is made of.
func fill(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 1024)) }

// generated is the registration token generated from fill(b).
func generated(b byte) []byte {
	return []byte(base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{b}, tokenBytes)))
}

// request returns a request for params, with objects observed under their
// composition resource names.
func request(t testing.TB, params map[string]any, observed map[string]runtime.Object) *compose.Request {
	t.Helper()
	req := &compose.Request{
		Composite: xr(params),
		ClaimName: claim,
		Namespace: namespace,
		Observed:  map[resource.Name]resource.ObservedComposed{},
		Required:  map[string][]resource.Required{},
		Rand:      fill(7),
	}
	for n, o := range observed {
		cd, err := composed.From(o)
		if err != nil {
			t.Fatalf("composed.From(%s): %v", n, err)
		}
		req.Observed[resource.Name(n)] = resource.ObservedComposed{Resource: cd}
	}
	return req
}

// cmpOpts compare quantities by value and errors by message.
func cmpOpts() []cmp.Option {
	return []cmp.Option{
		cmp.Comparer(func(a, b apiresource.Quantity) bool { return a.Cmp(b) == 0 }),
		cmpopts.EquateEmpty(),
		// Crossplane keeps conditions by type: their order carries nothing.
		cmpopts.SortSlices(func(a, b compose.Condition) bool { return a.Type < b.Type }),
	}
}

func errorString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// resolveParams defaults, validates and resolves the parameters of claim c in
// namespace chat as the app contract does.
func resolveParams(c string, in v1alpha1.MatrixServerParameters) (*params, error) {
	req := &compose.Request{ClaimName: c, Namespace: namespace}
	return NewComposer().app().Params(req, &v1alpha1.XMatrixServer{Spec: v1alpha1.XMatrixServerSpec{Parameters: *in.DeepCopy()}})
}
