package collabora

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

// testProofKey stands in for a generated RSA key: the composer only stores
// and mounts it.
const testProofKey = "-----BEGIN RSA PRIVATE KEY-----\ntest\n-----END RSA PRIVATE KEY-----\n"

// testPassword is what 24 bytes of 7s (seed) encode to.
const testPassword = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH"

func seed() io.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 1<<10)) }

func fixedKey(io.Reader) ([]byte, error) { return []byte(testProofKey), nil }

func failingKey(io.Reader) ([]byte, error) { return nil, errors.New("no entropy") }

// office is the claim of the tests: office/office.
var office = composetest.Claim{Kind: v1alpha1.GroupVersion.WithKind("XCollabora"), Namespace: "office", Name: "office"}

// request returns the request of claim office with the given parameters
// (JSON) and observed objects, each wrapped by as.
func request(t testing.TB, parameters string, observed ...runtime.Object) *compose.Request {
	t.Helper()
	objs := map[string]runtime.Object{}
	for _, o := range observed {
		no, ok := o.(named)
		if !ok {
			t.Fatalf("request: %T is not named", o)
		}
		objs[no.name] = no.Object
	}
	return composetest.Request(t, office, parameters, composetest.Observed(objs), composetest.Rand(seed()))
}

// named is an observed object with its composition resource name.
type named struct {
	runtime.Object
	name string
}

func as(name string, o runtime.Object) runtime.Object { return named{Object: o, name: name} }

var cmpOpts = composetest.CmpOpts()

var errorString = composetest.ErrorString

// resolveParams defaults, validates and resolves parameters of claim
// office/office as the app contract does.
func resolveParams(in v1alpha1.CollaboraParameters) (params, error) {
	req := &compose.Request{ClaimName: "office", Namespace: "office"}
	return NewComposer().app().Params(req, &v1alpha1.XCollabora{Spec: v1alpha1.XCollaboraSpec{Parameters: *in.DeepCopy()}})
}

// officeNames are the object names of claim office.
var officeNames = names{base: "office-collabora", admin: "office-collabora-admin", proofKey: "office-collabora-proof-key", any: "office-collabora-any"}

// sysAdminNotRequested is the SysAdmin condition of a claim that does not
// ask for mounted jails.
var sysAdminNotRequested = compose.Condition{Type: "SysAdmin", Status: "False", Reason: "NotRequested",
	Message: "Jails are copied, without SYS_ADMIN: the pods meet the Pod Security baseline level"}

// withSysAdmin adds the SysAdmin condition to a wanted result that does not
// state one.
func withSysAdmin(r *compose.Result) *compose.Result {
	for _, c := range r.Conditions {
		if c.Type == "SysAdmin" {
			return r
		}
	}
	r.Conditions = append(r.Conditions, sysAdminNotRequested)
	return r
}
