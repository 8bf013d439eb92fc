//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Scenario 1: the packages a user installs are healthy, the claim kinds are
// offered, and the provider has a working config.
func TestInstall(t *testing.T) {
	ctx := context.Background()
	for _, p := range []struct{ kind, name string }{
		{"Function", functionName}, {"Provider", providerName}, {"Configuration", configuration},
	} {
		if err := waitPackageHealthy(ctx, env.c, p.kind, p.name); err != nil {
			t.Error(err)
		}
	}

	for _, xrd := range configurationXRDs {
		if err := waitXRDOffered(ctx, env.c, xrd); err != nil {
			t.Error(err)
		}
	}

	// The claim CRDs exist as the API server serves them.
	crds := &apiextensionsv1.CustomResourceDefinitionList{}
	if err := env.c.List(ctx, crds); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range crds.Items {
		have[c.Name] = true
	}
	for _, want := range []string{
		"postgresqls.database.homeplane.dev", "matrixservers.matrix.homeplane.dev", "collaboras.office.homeplane.dev",
		"recordsets.dns.homeplane.dev", "oidcclients.oidc.homeplane.dev",
	} {
		if !have[want] {
			t.Errorf("CRD %s missing", want)
		}
	}

	// The provider accepted its config: a ProviderConfig is in use only once
	// a managed resource uses it, so check that it exists and is not
	// rejected.
	pc := &unstructured.Unstructured{}
	pc.SetAPIVersion("homeplane.dev/v1alpha1")
	pc.SetKind("ClusterProviderConfig")
	if err := env.c.Get(ctx, client.ObjectKey{Name: "bind"}, pc); err != nil {
		t.Fatal(err)
	}
	if c := condition(pc, "Ready"); strings.EqualFold(c.Status, "False") {
		t.Errorf("ClusterProviderConfig bind not ready: %s", c.Message)
	}
}
