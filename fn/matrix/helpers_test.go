package matrix

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

// Test fixtures: claim chat in namespace chat.
const (
	claim     = "chat"
	namespace = "chat"
)

// chat is the claim of the tests.
var chat = composetest.Claim{Kind: v1alpha1.GroupVersion.WithKind("XMatrixServer"), Namespace: namespace, Name: claim}

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
	return composetest.Request(t, chat, params, composetest.Observed(observed), composetest.Rand(fill(7)))
}

func cmpOpts() []cmp.Option { return composetest.CmpOpts() }

var errorString = composetest.ErrorString

// resolveParams defaults, validates and resolves the parameters of claim c in
// namespace chat as the app contract does.
func resolveParams(c string, in v1alpha1.MatrixServerParameters) (*params, error) {
	req := &compose.Request{ClaimName: c, Namespace: namespace}
	return NewComposer().app().Params(req, &v1alpha1.XMatrixServer{Spec: v1alpha1.XMatrixServerSpec{Parameters: *in.DeepCopy()}})
}
