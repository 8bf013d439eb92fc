package v1alpha1_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// updateValidator runs the CEL rules of the generated OIDCClient CRD on an
// update, as the API server does.
func updateValidator(t *testing.T) func(obj, old map[string]any) field.ErrorList {
	t.Helper()
	b, err := os.ReadFile("../../../package/provider/crds/oidc.homeplane.dev_oidcclients.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crd := &extv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(b, crd); err != nil {
		t.Fatal(err)
	}
	in := &apiextensions.JSONSchemaProps{}
	if err := extv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, in, nil); err != nil {
		t.Fatal(err)
	}
	s, err := schema.NewStructural(in)
	if err != nil {
		t.Fatal(err)
	}
	cv := cel.NewValidator(s, true, celconfig.PerCallLimit)
	return func(obj, old map[string]any) field.ErrorList {
		errs, _ := cv.Validate(context.Background(), nil, s, obj, old, celconfig.RuntimeCELCostBudget)
		return errs
	}
}

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
	v := updateValidator(t)
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
