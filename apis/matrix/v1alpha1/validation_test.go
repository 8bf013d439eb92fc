package v1alpha1_test

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/internal/xrdtest"
)

// validate decodes params as the function does, defaults and validates them.
func validate(b []byte) (field.ErrorList, error) {
	x := &v1alpha1.XMatrixServer{}
	if err := json.Unmarshal(b, &x.Spec.Parameters); err != nil {
		return nil, err
	}
	x.Default()
	return x.Validate(), nil
}

// TestXRDAndValidateAgree runs each input through the generated XRD (as the
// API server would) and through Default and Validate: both accept or both
// reject, and Validate names the exact fields.
func TestXRDAndValidateAgree(t *testing.T) {
	v := loadXRD(t)
	p := params
	ref := func(name, key string) map[string]any { return map[string]any{"name": name, "key": key} }
	token := func(r map[string]any) map[string]any { return p("registrationTokenSecretRef", r) }
	turn := func(uris []any, r map[string]any) map[string]any {
		return p("turn", map[string]any{"uris": uris, "sharedSecretRef": r})
	}
	network := func(n map[string]any) map[string]any { return p("network", n) }
	sso := func(kind string, scopes ...any) map[string]any {
		s := map[string]any{"providerConfigRef": map[string]any{"name": "keycloak", "kind": kind}}
		if scopes != nil {
			s["scopes"] = scopes
		}
		return p("implementation", "tuwunel", "sso", s)
	}
	v.Agree(t, map[string]xrdtest.Case{
		"Minimal":          {Params: p()},
		"NoServerName":     {Params: map[string]any{}, Paths: []string{"spec.parameters.serverName"}},
		"ServerNameUpper":  {Params: p("serverName", "Example.org"), Paths: []string{"spec.parameters.serverName"}},
		"ServerNameIP":     {Params: p("serverName", "10.0.0.1"), Paths: []string{"spec.parameters.serverName"}},
		"HostURL":          {Params: p("host", "https://matrix.example.org"), Paths: []string{"spec.parameters.host"}},
		"Implementation":   {Params: p("implementation", "synapse"), Paths: []string{"spec.parameters.implementation"}},
		"ImageSpace":       {Params: p("image", "a b"), Paths: []string{"spec.parameters.image"}},
		"StorageZero":      {Params: p("storage", "0"), Paths: []string{"spec.parameters.storage"}},
		"StorageZeroInt":   {Params: p("storage", int64(0)), Paths: []string{"spec.parameters.storage"}},
		"StorageNegative":  {Params: p("storage", "-1Gi"), Paths: []string{"spec.parameters.storage"}},
		"Storage":          {Params: p("storage", "50Gi")},
		"UploadMax":        {Params: p("maxUploadSize", "4294967295")},
		"UploadTooBig":     {Params: p("maxUploadSize", "4Gi"), Paths: []string{"spec.parameters.maxUploadSize"}},
		"UploadZero":       {Params: p("maxUploadSize", "0"), Paths: []string{"spec.parameters.maxUploadSize"}},
		"SQLiteConduit":    {Params: p("database", "sqlite")},
		"SQLiteTuwunel":    {Params: p("database", "sqlite", "implementation", "tuwunel"), Paths: []string{"spec.parameters.database"}},
		"Registration":     {Params: p("registration", "invite"), Paths: []string{"spec.parameters.registration"}},
		"TokenRef":         {Params: token(ref("matrix-token", "token"))},
		"TokenRefClosed":   {Params: p("registration", "closed", "registrationTokenSecretRef", ref("s", "k")), Paths: []string{"spec.parameters.registrationTokenSecretRef"}},
		"TokenRefSlash":    {Params: token(ref("a/b", "k")), Paths: []string{"spec.parameters.registrationTokenSecretRef.name"}},
		"TokenRefDotDot":   {Params: token(ref("a..b", "k")), Paths: []string{"spec.parameters.registrationTokenSecretRef.name"}},
		"TokenRefLong":     {Params: token(ref(strings.Repeat("a", 254), "k")), Paths: []string{"spec.parameters.registrationTokenSecretRef.name"}},
		"TokenRefKey":      {Params: token(ref("s", "a:b")), Paths: []string{"spec.parameters.registrationTokenSecretRef.key"}},
		"TokenRefKeyDot":   {Params: token(ref("s", ".")), Paths: []string{"spec.parameters.registrationTokenSecretRef.key"}},
		"TokenRefKeyDots":  {Params: token(ref("s", "..k")), Paths: []string{"spec.parameters.registrationTokenSecretRef.key"}},
		"TokenRefKeyOK":    {Params: token(ref("s", ".dotfile_key-1"))},
		"TrustedServers":   {Params: p("federation", map[string]any{"trustedServers": []any{"matrix.org:8448", "https://x"}}), Paths: []string{"spec.parameters.federation.trustedServers[1]"}},
		"TrustedTwice":     {Params: p("federation", map[string]any{"trustedServers": []any{"matrix.org", "matrix.org"}}), Paths: []string{"spec.parameters.federation.trustedServers[1]"}},
		"TURN":             {Params: turn([]any{"turn:t.example.org"}, ref("coturn", "static-auth-secret"))},
		"TURNNoURIs":       {Params: turn([]any{}, ref("coturn", "k")), Paths: []string{"spec.parameters.turn.uris"}},
		"TURNURI":          {Params: turn([]any{"https://t"}, ref("coturn", "k")), Paths: []string{"spec.parameters.turn.uris[0]"}},
		"TURNSecret":       {Params: turn([]any{"turn:t"}, ref("Coturn", "k")), Paths: []string{"spec.parameters.turn.sharedSecretRef.name"}},
		"LogLevel":         {Params: p("logLevel", "loud"), Paths: []string{"spec.parameters.logLevel"}},
		"ResourcesNeg":     {Params: p("resources", map[string]any{"requests": map[string]any{"memory": "-1"}}), Paths: []string{"spec.parameters.resources.requests.memory"}},
		"ResourcesOver":    {Params: p("resources", map[string]any{"requests": map[string]any{"cpu": "2"}, "limits": map[string]any{"cpu": "500m"}}), Paths: []string{"spec.parameters.resources.requests.cpu"}},
		"SSO":              {Params: sso("ClusterProviderConfig", "openid", "groups")},
		"SSONamespaced":    {Params: sso("ProviderConfig")},
		"SSOKind":          {Params: sso("Secret"), Paths: []string{"spec.parameters.sso.providerConfigRef.kind"}},
		"SSOScope":         {Params: sso("ProviderConfig", "openid", "a b"), Paths: []string{"spec.parameters.sso.scopes[1]"}},
		"SSOScopeQuote":    {Params: sso("ProviderConfig", `a"b`), Paths: []string{"spec.parameters.sso.scopes[0]"}},
		"SSOConduit":       {Params: p("sso", map[string]any{"providerConfigRef": map[string]any{"name": "k"}}), Paths: []string{"spec.parameters.sso"}},
		"DNSKind":          {Params: p("dns", map[string]any{"providerConfigRef": map[string]any{"name": "b", "kind": "Cluster"}, "zone": "example.org", "target": "192.0.2.1"}), Paths: []string{"spec.parameters.dns.providerConfigRef.kind"}},
		"SRVDelegated":     {Params: p("host", "matrix.example.org", "dns", map[string]any{"providerConfigRef": map[string]any{"name": "b"}, "zone": "example.org", "target": "192.0.2.1"}, "federation", map[string]any{"srv": true}), Paths: []string{"spec.parameters.federation.srv"}},
		"SRVWithoutDNS":    {Params: p("federation", map[string]any{"srv": true}), Paths: []string{"spec.parameters.federation.srv"}},
		"Network":          {Params: network(map[string]any{"ingressNamespace": "traefik", "allowFromPods": map[string]any{"app": "bridge"}})},
		"NetworkNS":        {Params: network(map[string]any{"ingressNamespace": "kube_system"}), Paths: []string{"spec.parameters.network.ingressNamespace"}},
		"NetworkPolicies":  {Params: network(map[string]any{"policies": "Off"}), Paths: []string{"spec.parameters.network.policies"}},
		"NetworkKey":       {Params: network(map[string]any{"allowFromPods": map[string]any{"a b": "x"}}), Paths: []string{"spec.parameters.network.allowFromPods[a b]"}},
		"NetworkValue":     {Params: network(map[string]any{"allowFromPods": map[string]any{"app": "x_"}}), Paths: []string{"spec.parameters.network.allowFromPods[app]"}},
		"RouteGatewayNS":   {Params: p("route", map[string]any{"gateway": map[string]any{"name": "g", "namespace": "Gateways"}}), Paths: []string{"spec.parameters.route.gateway.namespace"}},
		"RouteGatewayOK":   {Params: p("route", map[string]any{"gateway": map[string]any{"name": "g", "namespace": "gateways", "sectionName": "https"}})},
		"RouteGatewayName": {Params: p("route", map[string]any{"gateway": map[string]any{"name": ""}}), Paths: []string{"spec.parameters.route.gateway.name"}},
		"Snapshots":        {Params: p("snapshots", []any{snap("nightly-2026-11-30", "csi-rbd.example.org")})},
		"SnapshotName":     {Params: p("snapshots", []any{snap("Nightly", "")}), Paths: []string{"spec.parameters.snapshots[0].name"}},
		"SnapshotNameLong": {Params: p("snapshots", []any{snap(strings.Repeat("a", 33), "")}), Paths: []string{"spec.parameters.snapshots[0].name"}},
		"SnapshotClass":    {Params: p("snapshots", []any{snap("a", "CSI_rbd")}), Paths: []string{"spec.parameters.snapshots[0].volumeSnapshotClassName"}},
		"SnapshotsTooMany": {Params: p("snapshots", manySnaps(17)), Paths: []string{"spec.parameters.snapshots"}},
		"SnapshotTwice":    {Params: p("snapshots", []any{snap("a", ""), snap("a", "csi")}), Paths: []string{"spec.parameters.snapshots[1]"}},
		"Restore":          {Params: p("restore", map[string]any{"fromClaim": "old-chat", "snapshot": "nightly"})},
		"RestoreSlash":     {Params: p("restore", map[string]any{"fromClaim": "team/old", "snapshot": "nightly"}), Paths: []string{"spec.parameters.restore.fromClaim"}},
		"RestoreDigit":     {Params: p("restore", map[string]any{"fromClaim": "1chat", "snapshot": "nightly"}), Paths: []string{"spec.parameters.restore.fromClaim"}},
		"RestoreLong":      {Params: p("restore", map[string]any{"fromClaim": strings.Repeat("a", 57), "snapshot": "nightly"}), Paths: []string{"spec.parameters.restore.fromClaim"}},
		"RestoreSnapshot":  {Params: p("restore", map[string]any{"fromClaim": "old", "snapshot": "a.b"}), Paths: []string{"spec.parameters.restore.snapshot"}},
		"Startup":          {Params: p("startupTimeout", "2h")},
		"StartupSeconds":   {Params: p("startupTimeout", "90s")},
		"StartupShort":     {Params: p("startupTimeout", "30s"), Paths: []string{"spec.parameters.startupTimeout"}},
		"StartupLong":      {Params: p("startupTimeout", "24h1s"), Paths: []string{"spec.parameters.startupTimeout"}},
		"StartupZero":      {Params: p("startupTimeout", "0m"), Paths: []string{"spec.parameters.startupTimeout"}},
		"StartupDays":      {Params: p("startupTimeout", "1d"), Paths: []string{"spec.parameters.startupTimeout"}},
		"StartupFraction":  {Params: p("startupTimeout", "1.5h"), Paths: []string{"spec.parameters.startupTimeout"}},
	}, validate)
}

// TestDefaultsAgree: the XRD's defaults and Default give the same
// parameters; the XRD has no default for resources, only Default sets them.
func TestDefaultsAgree(t *testing.T) {
	loadXRD(t).DefaultsAgree(t, map[string]map[string]any{
		"Minimal": params(),
		"Wired": params("implementation", "tuwunel",
			"sso", map[string]any{"providerConfigRef": map[string]any{"name": "k"}},
			"dns", map[string]any{"providerConfigRef": map[string]any{"name": "b"}, "zone": "example.org", "target": "192.0.2.1"},
			"network", map[string]any{},
			"route", map[string]any{"ingress": map[string]any{}, "tls": map[string]any{"issuer": "le"}}),
		"Federation": params("federation", map[string]any{"enabled": false}),
		"Startup":    params("startupTimeout", "1h"),
	}, func(b []byte, def bool) ([]byte, error) {
		p := v1alpha1.MatrixServerParameters{}
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		if def {
			p.Default()
			p.Resources = nil
		}
		return json.Marshal(p)
	})
}
