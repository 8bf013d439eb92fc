package v1alpha1_test

import (
	"strings"
	"testing"

	"github.com/homeplane/homeplane/internal/xrdtest"

	"sigs.k8s.io/yaml"
)

func client(authentik string) map[string]any {
	var obj map[string]any
	y := `
apiVersion: oidc.homeplane.dev/v1alpha1
kind: OIDCClient
metadata: {name: web, namespace: tenant-a}
spec:
  forProvider:
    redirectURIs: ["https://web/cb"]
` + authentik
	if err := yaml.Unmarshal([]byte(y), &obj); err != nil {
		panic(err)
	}
	return obj
}

// The authentik slug names the application, and so the issuer and which
// application the provider changes: it cannot change once set, nor be set,
// dropped or emptied later.
func TestAuthentikSlugImmutable(t *testing.T) {
	v := xrdtest.LoadCRD(t, "../../../package/provider/crds/oidc.homeplane.dev_oidcclients.yaml").ValidateObject
	const (
		none  = ""
		empty = "    authentik: {}\n"
		shop  = "    authentik: {slug: shop}\n"
		other = "    authentik: {slug: other}\n"
	)
	for _, tc := range []struct {
		name, old, new string
		ok             bool
	}{
		{"unchanged", shop, shop, true},
		{"still default", none, empty, true},
		{"changed", shop, other, false},
		{"set later", none, shop, false},
		{"dropped", shop, none, false},
		{"dropped with its block kept", shop, empty, false},
	} {
		errs := v(client(tc.new), client(tc.old))
		if got := len(errs) == 0; got != tc.ok || (!tc.ok && !strings.Contains(errs.ToAggregate().Error(), "authentik.slug is immutable")) {
			t.Errorf("%s: %v", tc.name, errs)
		}
	}
}
