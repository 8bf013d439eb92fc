package v1alpha1_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/internal/xrdtest"
)

// validate decodes params as the function does, defaults and validates them.
func validate(b []byte) (field.ErrorList, error) {
	x := &v1alpha1.XCollabora{}
	if err := json.Unmarshal(b, &x.Spec.Parameters); err != nil {
		return nil, err
	}
	x.Default()
	return x.Validate(), nil
}

func network(n map[string]any) []any { return []any{"network", n} }

func dnsRef(ref map[string]any) []any {
	return []any{"dns", map[string]any{"providerConfigRef": ref, "zone": "example.org", "target": "192.0.2.1"}}
}

// TestXRDAndValidateAgree runs each input through the generated XRD (as the
// API server would) and through Default and Validate: both accept or both
// reject, and Validate names the exact fields.
func TestXRDAndValidateAgree(t *testing.T) {
	v := loadXRD(t)
	p := params
	many := map[string]any{}
	for i := range 17 {
		many[fmt.Sprintf("l%d", i)] = "x"
	}
	v.Agree(t, map[string]xrdtest.Case{
		"Minimal":         {Params: p()},
		"NoHost":          {Params: map[string]any{"wopiHosts": []any{"https://cloud.example.org"}}, Paths: []string{"spec.parameters.host"}},
		"HostURL":         {Params: p("host", "https://office.example.org"), Paths: []string{"spec.parameters.host"}},
		"HostUpper":       {Params: p("host", "Office.example.org"), Paths: []string{"spec.parameters.host"}},
		"NoWOPIHosts":     {Params: map[string]any{"host": "office.example.org"}, Paths: []string{"spec.parameters.wopiHosts"}},
		"WOPIHTTP":        {Params: p("wopiHosts", []any{"http://cloud.example.org"}), Paths: []string{"spec.parameters.wopiHosts[0]"}},
		"WOPIPath":        {Params: p("wopiHosts", []any{"https://cloud.example.org/nextcloud"})},
		"WOPITwice":       {Params: p("wopiHosts", []any{"https://a.example.org", "https://a.example.org"}), Paths: []string{"spec.parameters.wopiHosts[1]"}},
		"WOPIIPv6":        {Params: p("wopiHosts", []any{"https://[fd00::1]"}), Paths: []string{"spec.parameters.wopiHosts[0]"}},
		"Replicas20":      {Params: p("replicas", int64(20))},
		"Replicas21":      {Params: p("replicas", int64(21)), Paths: []string{"spec.parameters.replicas"}},
		"ReplicasNeg":     {Params: p("replicas", int64(-1)), Paths: []string{"spec.parameters.replicas"}},
		"ReplicasHAProxy": {Params: p("replicas", int64(2), "route", ingress("haproxy"))},
		"ReplicasTraefik": {Params: p("replicas", int64(2), "route", ingress("traefik")), Paths: []string{"spec.parameters.route.ingress.controller"}},
		"ReplicasGateway": {Params: p("replicas", int64(2), "route", map[string]any{"gateway": map[string]any{"name": "public"}}),
			Paths: []string{"spec.parameters.route.gateway"}},
		"ReplicasTLSOnly": {Params: p("replicas", int64(2), "route", map[string]any{"tls": map[string]any{"issuer": "le"}}),
			Paths: []string{"spec.parameters.route.ingress"}},
		"RouteBoth": {Params: p("route", map[string]any{"ingress": map[string]any{}, "gateway": map[string]any{"name": "g"}}),
			Paths: []string{"spec.parameters.route.gateway"}},
		"IssuerKind":     {Params: p("route", map[string]any{"tls": map[string]any{"issuer": "le", "issuerKind": "Vault"}}), Paths: []string{"spec.parameters.route.tls.issuerKind"}},
		"Dictionary":     {Params: p("dictionaries", []any{"de_DE", "en"})},
		"DictionaryBad":  {Params: p("dictionaries", []any{"en/US"}), Paths: []string{"spec.parameters.dictionaries[0]"}},
		"DictionaryDup":  {Params: p("dictionaries", []any{"en", "en"}), Paths: []string{"spec.parameters.dictionaries[1]"}},
		"ImageSpace":     {Params: p("image", "collabora/code latest"), Paths: []string{"spec.parameters.image"}},
		"ResourcesNeg":   {Params: p("resources", map[string]any{"limits": map[string]any{"memory": "-1Gi"}}), Paths: []string{"spec.parameters.resources.limits.memory"}},
		"ResourcesOver":  {Params: p("resources", map[string]any{"requests": map[string]any{"cpu": "2"}, "limits": map[string]any{"cpu": "1"}}), Paths: []string{"spec.parameters.resources.requests.cpu"}},
		"ResourcesInt":   {Params: p("resources", map[string]any{"requests": map[string]any{"cpu": int64(1)}})},
		"DNSOK":          {Params: p(dnsRef(map[string]any{"name": "bind", "kind": "ProviderConfig"})...)},
		"DNSKind":        {Params: p(dnsRef(map[string]any{"name": "bind", "kind": "Secret"})...), Paths: []string{"spec.parameters.dns.providerConfigRef.kind"}},
		"NetworkOK":      {Params: p(network(map[string]any{"ingressNamespace": "traefik", "allowFromPods": map[string]any{"app.kubernetes.io/name": "nextcloud"}})...)},
		"NetworkNS":      {Params: p(network(map[string]any{"ingressNamespace": "Ingress_NGINX"})...), Paths: []string{"spec.parameters.network.ingressNamespace"}},
		"NetworkNSDot":   {Params: p(network(map[string]any{"ingressNamespace": "ingress.nginx"})...), Paths: []string{"spec.parameters.network.ingressNamespace"}},
		"NetworkNSLong":  {Params: p(network(map[string]any{"ingressNamespace": strings.Repeat("n", 64)})...), Paths: []string{"spec.parameters.network.ingressNamespace"}},
		"NetworkPolicy":  {Params: p(network(map[string]any{"policies": "off"})...), Paths: []string{"spec.parameters.network.policies"}},
		"NetworkKey":     {Params: p(network(map[string]any{"allowFromPods": map[string]any{"-app": "x"}})...), Paths: []string{"spec.parameters.network.allowFromPods[-app]"}},
		"NetworkPrefix":  {Params: p(network(map[string]any{"allowFromPods": map[string]any{"Example.com/app": "x"}})...), Paths: []string{"spec.parameters.network.allowFromPods[Example.com/app]"}},
		"NetworkEmptyPx": {Params: p(network(map[string]any{"allowFromPods": map[string]any{"/app": "x"}})...), Paths: []string{"spec.parameters.network.allowFromPods[/app]"}},
		"NetworkLabels16": {Params: p(network(map[string]any{"allowFromPods": map[string]any{"a": "", "b": "", "c": "", "d": "", "e": "", "f": "", "g": "", "h": "",
			"i": "", "j": "", "k": "", "l": "", "m": "", "n": "", "o": "", "p": ""}})...)},
		"NetworkLabels17": {Params: p(network(map[string]any{"allowFromPods": many})...), Paths: []string{"spec.parameters.network.allowFromPods"}},
		"NetworkValue":    {Params: p(network(map[string]any{"allowFromPods": map[string]any{"app": "next cloud"}})...), Paths: []string{"spec.parameters.network.allowFromPods[app]"}},
	}, validate)
}

// TestDefaultsAgree: the XRD's defaults and Default give the same parameters.
func TestDefaultsAgree(t *testing.T) {
	loadXRD(t).DefaultsAgree(t, map[string]map[string]any{
		"Minimal": params(),
		"Wired": params("dns", dns("192.0.2.1"), "network", map[string]any{},
			"route", map[string]any{"gateway": map[string]any{"name": "g"}, "tls": map[string]any{"issuer": "le"}}),
		"Resources": params("resources", map[string]any{"limits": map[string]any{"memory": "4Gi"}}),
	}, func(b []byte, def bool) ([]byte, error) {
		p := v1alpha1.CollaboraParameters{}
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		if def {
			p.Default()
		}
		return json.Marshal(p)
	})
}
