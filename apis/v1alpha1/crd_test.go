package v1alpha1_test

import (
	"strings"
	"testing"

	"github.com/homeplane/homeplane/internal/xrdtest"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// crdValidator validates new objects against a generated CRD as the API
// server does on create.
func crdValidator(t *testing.T, path string) func(obj map[string]any) field.ErrorList {
	v := xrdtest.LoadCRD(t, path)
	return func(obj map[string]any) field.ErrorList { return v.ValidateObject(obj, nil) }
}

func config(kind string, creds string) map[string]any {
	var obj map[string]any
	y := `
apiVersion: homeplane.dev/v1alpha1
kind: ` + kind + `
metadata: {name: cfg}
spec:
  type: rfc7591
  rfc7591: {issuerURL: "https://idp.tenant.example/"}
  credentials: ` + creds
	if err := yaml.Unmarshal([]byte(y), &obj); err != nil {
		panic(err)
	}
	return obj
}

// A namespaced ProviderConfig only takes credentials from a Secret; the
// admin's ClusterProviderConfig keeps every source.
func TestProviderConfigCredentialSources(t *testing.T) {
	pc := crdValidator(t, "../../package/provider/crds/homeplane.dev_providerconfigs.yaml")
	cpc := crdValidator(t, "../../package/provider/crds/homeplane.dev_clusterproviderconfigs.yaml")
	for _, tc := range []struct {
		name, creds string
		// pcErr is a substring of the namespaced kind's error; "" means valid.
		pcErr string
	}{
		{"Secret", `{source: Secret, secretRef: {namespace: tenant-a, name: cred, key: token}}`, ""},
		{"default source is Secret", `{secretRef: {namespace: tenant-a, name: cred, key: token}}`, ""},
		{"Secret without secretRef", `{source: Secret}`, "needs credentials.secretRef"},
		{"Filesystem (the provider's service-account token)", `{source: Filesystem, fs: {path: /var/run/secrets/kubernetes.io/serviceaccount/token}}`, "may only use credentials.source"},
		{"Environment", `{source: Environment, env: {name: HOME}}`, "may only use credentials.source"},
		{"None", `{source: None}`, "may only use credentials.source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := pc(config("ProviderConfig", tc.creds))
			switch {
			case tc.pcErr == "" && len(errs) > 0:
				t.Errorf("ProviderConfig refused: %v", errs.ToAggregate())
			case tc.pcErr != "" && (len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tc.pcErr)):
				t.Errorf("ProviderConfig: want an error containing %q, got %v", tc.pcErr, errs.ToAggregate())
			}
			if tc.name == "Secret without secretRef" {
				return // the cluster kind leaves that to the provider (errNeedSecret)
			}
			if errs := cpc(config("ClusterProviderConfig", tc.creds)); len(errs) > 0 {
				t.Errorf("ClusterProviderConfig refused: %v", errs.ToAggregate())
			}
		})
	}
}

// RecordSet names and zones take one text per wire name: zone-file escapes
// ("\095" is "_", "\042" is "*") and other characters are refused by the
// API server, as ParseSet refuses them again in the provider.
func TestRecordSetNamePattern(t *testing.T) {
	rs := crdValidator(t, "../../package/provider/crds/dns.homeplane.dev_recordsets.yaml")
	obj := func(zone, name string) map[string]any {
		return map[string]any{
			"apiVersion": "dns.homeplane.dev/v1alpha1", "kind": "RecordSet",
			"metadata": map[string]any{"name": "rs", "namespace": "apps"},
			"spec": map[string]any{"forProvider": map[string]any{
				"zone": zone, "name": name, "type": "A", "records": []any{"192.0.2.1"},
			}},
		}
	}
	for _, name := range []string{"www", "@", "*", "*.apps", "_dmarc", "_imaps._tcp.mail", "bücher", "WWW.Shop", "www.example.org.", "xn--bcher-kva"} {
		if errs := rs(obj("example.org", name)); len(errs) > 0 {
			t.Errorf("name %q refused: %v", name, errs.ToAggregate())
		}
	}
	for _, name := range []string{`\095homeplane-a.www`, `\042.apps`, `\*.apps`, `b\195\188cher`, `a\.b`, "a b", "a/b", "a@b", "a.*.b", "*a", "**", "a*", "@.www", "a:b", `a"b`} {
		if errs := rs(obj("example.org", name)); len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), "forProvider.name") {
			t.Errorf("name %q: want a pattern error on spec.forProvider.name, got %v", name, errs.ToAggregate())
		}
	}
	for _, zone := range []string{`ex\097mple.org`, "*.example.org", "@", "example org"} {
		if errs := rs(obj(zone, "www")); len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), "forProvider.zone") {
			t.Errorf("zone %q: want a pattern error on spec.forProvider.zone, got %v", zone, errs.ToAggregate())
		}
	}
	for _, zone := range []string{"example.org", "example.org.", "bücher.example"} {
		if errs := rs(obj(zone, "www")); len(errs) > 0 {
			t.Errorf("zone %q refused: %v", zone, errs.ToAggregate())
		}
	}
}
