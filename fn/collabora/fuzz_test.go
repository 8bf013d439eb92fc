package collabora

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

// FuzzCompose feeds arbitrary parameters to the composer (with a fixed key
// generator, so that it runs fast), for a claim's composite and for a
// namespaced composite: it must never panic, must compose the Deployment
// whenever it does not fail, every object in the claim's namespace, and must
// never put a secret into an error.
func FuzzCompose(f *testing.F) {
	for _, s := range []string{
		minimal,
		typical,
		`{}`,
		`null`,
		`{"host": "office.example.org", "wopiHosts": ["https://a.example.org", "https://b.example.org:8443/x"], "replicas": 2, "route": {"gateway": {"name": "g"}}}`,
		`{"host": "office.example.org", "wopiHosts": ["https://a.example.org"], "resources": {"requests": {"cpu": "3"}, "limits": {"cpu": "1"}}}`,
		`{"host": "office.example.org", "wopiHosts": ["https://a.example.org"], "adminConsole": {"public": true}, "dictionaries": ["de", "en_US"]}`,
		`{"host": "office.example.org", "wopiHosts": ["https://a.example.org"], "dns": {"providerConfigRef": {"name": "bind"}, "zone": "example.org", "target": "lb.example.net"}, "network": {"allowFromPods": {"app": "nextcloud"}}, "route": {"gateway": {"name": "g"}, "tls": {"issuer": "le"}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, parameters string) {
		var v any
		if json.Unmarshal([]byte(parameters), &v) != nil {
			t.Skip("not JSON")
		}
		for _, namespaced := range []bool{false, true} {
			req := request(t, parameters)
			if namespaced {
				composetest.Namespaced(v1alpha1.NamespacedGroupVersionKind)(t, req)
			}
			res, err := NewComposer(WithProofKeyGenerator(fixedKey)).Compose(context.Background(), req)
			if err != nil {
				for _, s := range []string{testPassword, testProofKey} {
					if strings.Contains(err.Error(), s) {
						t.Fatalf("error contains a secret: %v", err)
					}
				}
				continue
			}
			if _, ok := res.Resources[ResourceDeployment]; !ok {
				t.Fatalf("composed without a Deployment: %v", res.Resources)
			}
			for n, d := range res.Resources {
				m, err := apimeta.Accessor(d.Object)
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				if m.GetNamespace() != req.Namespace {
					t.Fatalf("namespaced %v: %s composed in namespace %q, not %q", namespaced, n, m.GetNamespace(), req.Namespace)
				}
			}
		}
	})
}
