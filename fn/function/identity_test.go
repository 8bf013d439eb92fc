package function

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation"
)

// TestIdentitiesPerClaim is a property test over (namespace, claim name)
// pairs, random ones and the tricky ones (dashes that move between the two,
// maximum lengths), in both flavours (a claim's labels, a namespaced
// composite's own namespace and name): for every kind, every identity a claim gets in a system
// shared by all tenants (the OIDC client ID at the identity provider) is
// distinct between different pairs, and every composed object's name and
// labels fit the limits of its kind; a claim whose names cannot fit is a
// Fatal naming the claim, never an object the API server would reject.
func TestIdentitiesPerClaim(t *testing.T) {
	pairs := [][2]string{
		{"a-b", "chat"}, {"a", "b-chat"}, {"a-b-c", "d"}, {"a", "b-c-d"},
		{strings.Repeat("n", 63), "c"}, {"n", strings.Repeat("c", 56)},
		{strings.Repeat("x", 63), strings.Repeat("y", 63)},
		{"x", "y-z"}, {"x-y", "z"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		pairs = append(pairs, [2]string{label(rng, 63), label(rng, 56)})
	}
	// Both flavours of a (namespace, name) pair are the same tenant object
	// moved from a claim to a namespaced composite (README): they may share
	// a client ID, different pairs may not.
	clientIDs := map[string][2]string{}
	f := New(logging.NewNopLogger(), WithRand(seed()))
	for _, kind := range examples() {
		for _, p := range pairs {
			ns, claim := p[0], p[1]
			req := exampleRequest(t, kind)
			xr := exampleXR(t, kind).AsMap()
			meta := xr["metadata"].(map[string]any)
			if isNamespaced(kind) {
				meta["name"], meta["namespace"] = claim, ns
			} else {
				meta["labels"] = map[string]any{"crossplane.io/claim-name": claim, "crossplane.io/claim-namespace": ns}
			}
			if strings.HasPrefix(kind, "matrixserver") {
				// With SSO: the client ID is an identity at a shared IdP.
				params := xr["spec"].(map[string]any)["parameters"].(map[string]any)
				params["implementation"] = "tuwunel"
				params["sso"] = map[string]any{"providerConfigRef": map[string]any{"name": "idp"}}
			}
			st, err := structpb.NewStruct(xr)
			if err != nil {
				t.Fatal(err)
			}
			req.Observed.Composite = &fnv1.Resource{Resource: st}
			rsp, err := f.RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if hasFatal(rsp) {
				if msg := fatalMessage(rsp); !strings.Contains(msg, "claim") && !strings.Contains(msg, "metadata") {
					t.Errorf("%s %s/%s: Fatal that does not name the claim's name: %s", kind, ns, claim, msg)
				}
				continue
			}
			for name, r := range rsp.GetDesired().GetResources() {
				m := r.GetResource().AsMap()
				checkNames(t, fmt.Sprintf("%s %s/%s %s", kind, ns, claim, name), m)
				if m["kind"] == "OIDCClient" {
					id := m["spec"].(map[string]any)["forProvider"].(map[string]any)["clientID"].(string)
					if other, ok := clientIDs[id]; ok && other != p {
						t.Errorf("OIDC client ID %q is shared by %s/%s and %s/%s", id, other[0], other[1], ns, claim)
					}
					clientIDs[id] = p
				}
			}
		}
	}
	if len(clientIDs) == 0 {
		t.Fatal("no OIDC client was composed: the property was not exercised")
	}
}

// checkNames fails when an object's name or labels do not fit its kind.
func checkNames(t *testing.T, what string, m map[string]any) {
	t.Helper()
	meta := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	check := validation.IsDNS1123Subdomain
	if m["kind"] == "Service" {
		check = validation.IsDNS1035Label
	}
	if msgs := check(name); len(msgs) > 0 {
		t.Errorf("%s: name %q: %v", what, name, msgs)
	}
	labels, _ := meta["labels"].(map[string]any)
	for k, v := range labels {
		if msgs := validation.IsValidLabelValue(fmt.Sprint(v)); len(msgs) > 0 {
			t.Errorf("%s: label %s=%q: %v", what, k, v, msgs)
		}
	}
}

// label returns a random DNS-1123 label of 1 to maxLen characters, dashes
// included.
func label(rng *rand.Rand, maxLen int) string {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	n := 1 + rng.IntN(maxLen)
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
		if i > 0 && i < n-1 && rng.IntN(4) == 0 {
			b[i] = '-'
		}
	}
	b[0] = alnum[rng.IntN(26)]
	return string(b)
}

func fatalMessage(rsp *fnv1.RunFunctionResponse) string {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return r.GetMessage()
		}
	}
	return ""
}
