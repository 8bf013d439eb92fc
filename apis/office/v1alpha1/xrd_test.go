package v1alpha1_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/internal/xrdtest"
)

// xrdFile is the generated XRD: these tests check its OpenAPI schema, defaults
// and CEL rules as the API server applies them.
const xrdFile = "../../../package/configuration/xrds/xcollabora.yaml"

func loadXRD(t *testing.T) *xrdtest.Validator { return xrdtest.Load(t, xrdFile) }

func params(kv ...any) map[string]any {
	p := map[string]any{"host": "office.example.org", "wopiHosts": []any{"https://cloud.example.org"}}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func ingress(controller string) map[string]any {
	return map[string]any{"ingress": map[string]any{"className": "x", "controller": controller}}
}

func dns(target string) map[string]any {
	return map[string]any{"providerConfigRef": map[string]any{"name": "bind"}, "zone": "example.org", "target": target}
}

func TestXRDValidation(t *testing.T) {
	x := loadXRD(t)
	const scaling = "replicas > 1 needs every request for a document routed to the same replica"
	cases := map[string]struct {
		params map[string]any
		// wantErr is a substring of the errors; empty means valid.
		wantErr string
	}{
		"Minimal":              {params: params()},
		"NoHost":               {params: map[string]any{"wopiHosts": []any{"https://cloud.example.org"}}, wantErr: "spec.parameters.host"},
		"HostURL":              {params: params("host", "https://office.example.org"), wantErr: "spec.parameters.host"},
		"NoWOPIHosts":          {params: params("wopiHosts", []any{}), wantErr: "spec.parameters.wopiHosts"},
		"WOPIHostHTTP":         {params: params("wopiHosts", []any{"http://cloud.example.org"}), wantErr: "spec.parameters.wopiHosts[0]"},
		"WOPIHostPortPath":     {params: params("wopiHosts", []any{"https://cloud.example.org:8443/nextcloud"})},
		"WOPIHostDuplicate":    {params: params("wopiHosts", []any{"https://a.example.org", "https://a.example.org"}), wantErr: "Duplicate value"},
		"ReplicasZero":         {params: params("replicas", int64(0)), wantErr: "spec.parameters.replicas"},
		"ReplicasNginx":        {params: params("replicas", int64(3))},
		"ReplicasHAProxy":      {params: params("replicas", int64(3), "route", ingress("haproxy"))},
		"ReplicasTraefik":      {params: params("replicas", int64(2), "route", ingress("traefik")), wantErr: scaling},
		"ReplicasOther":        {params: params("replicas", int64(2), "route", ingress("other")), wantErr: scaling},
		"ReplicasGateway":      {params: params("replicas", int64(2), "route", map[string]any{"gateway": map[string]any{"name": "g"}}), wantErr: scaling},
		"OneReplicaTraefik":    {params: params("route", ingress("traefik"))},
		"OneReplicaGateway":    {params: params("route", map[string]any{"gateway": map[string]any{"name": "g"}})},
		"Dictionaries":         {params: params("dictionaries", []any{"de_DE", "en", "sr-Latn"})},
		"DictionarySlash":      {params: params("dictionaries", []any{"en/US"}), wantErr: "spec.parameters.dictionaries[0]"},
		"Resources":            {params: params("resources", map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "1Gi"}, "limits": map[string]any{"cpu": int64(2)}})},
		"ResourcesMalformed":   {params: params("resources", map[string]any{"requests": map[string]any{"cpu": "lots"}}), wantErr: "spec.parameters.resources.requests.cpu"},
		"ImageEmpty":           {params: params("image", ""), wantErr: "spec.parameters.image"},
		"AdminConsolePublic":   {params: params("adminConsole", map[string]any{"public": true})},
		"AdminConsoleNotABool": {params: params("adminConsole", map[string]any{"public": "yes"}), wantErr: "spec.parameters.adminConsole.public"},
		"DNS":                  {params: params("dns", dns("192.0.2.10"))},
		"DNSNoTarget":          {params: params("dns", dns("")), wantErr: "spec.parameters.dns.target"},
		"DNSNoProviderConfig":  {params: params("dns", map[string]any{"zone": "example.org", "target": "lb.example.net"}), wantErr: "spec.parameters.dns.providerConfigRef"},
		"NetworkAllowFromPods": {params: params("network", map[string]any{"ingressNamespace": "traefik", "allowFromPods": map[string]any{"app.kubernetes.io/name": "nextcloud"}})},
		"NetworkDisabled":      {params: params("network", map[string]any{"policies": "Disabled"})},
		"NetworkPoliciesOff":   {params: params("network", map[string]any{"policies": "Off"}), wantErr: "spec.parameters.network.policies"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := x.Validate(tc.params, nil).ToAggregate()
			switch {
			case tc.wantErr == "" && got != nil:
				t.Errorf("want valid, got: %v", got)
			case tc.wantErr != "" && got == nil:
				t.Errorf("want an error containing %q, got none", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(got.Error(), tc.wantErr):
				t.Errorf("want an error containing %q, got: %v", tc.wantErr, got)
			}
		})
	}
}

// TestXRDDefaults checks that the API server's defaults are the ones the
// composer assumes (fn/collabora applies the same when they are missing).
func TestXRDDefaults(t *testing.T) {
	x := loadXRD(t)
	got := x.Default(params())
	want := map[string]any{
		"host":         "office.example.org",
		"wopiHosts":    []any{"https://cloud.example.org"},
		"replicas":     int64(1),
		"adminConsole": map[string]any{"public": false},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "1800m", "memory": "2Gi"},
			"limits":   map[string]any{"memory": "2Gi"},
		},
		"image": v1alpha1.DefaultImage,
		"route": map[string]any{"ingress": map[string]any{"className": "nginx", "controller": "nginx"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults: -want, +got:\n%s", diff)
	}

	// A network block gets the defaults fn/collabora assumes without one
	// (common.Network.PoliciesEnabled and Namespace); a dns block its
	// provider config kind.
	p := x.Default(params("network", map[string]any{}, "dns", dns("192.0.2.10")))
	if diff := cmp.Diff(map[string]any{"policies": "Enabled", "ingressNamespace": "ingress-nginx"}, p["network"]); diff != "" {
		t.Errorf("network defaults: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"name": "bind", "kind": "ClusterProviderConfig"}, p["dns"].(map[string]any)["providerConfigRef"]); diff != "" {
		t.Errorf("dns defaults: -want, +got:\n%s", diff)
	}
}
