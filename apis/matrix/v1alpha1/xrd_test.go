package v1alpha1_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/homeplane/homeplane/internal/xrdtest"
)

// xrdFile is the generated XRD: this test checks its OpenAPI schema, defaults
// and CEL rules (transition rules too) as the API server applies them.
const xrdFile = "../../../package/configuration/xrds/xmatrixserver.yaml"

func loadXRD(t *testing.T) *xrdtest.Validator { return xrdtest.Load(t, xrdFile) }

func params(kv ...any) map[string]any {
	p := map[string]any{"serverName": "example.org"}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func snap(name, class string) map[string]any {
	s := map[string]any{"name": name}
	if class != "" {
		s["volumeSnapshotClassName"] = class
	}
	return s
}

func manySnaps(n int) []any {
	out := make([]any, 0, n)
	for i := range n {
		out = append(out, snap(fmt.Sprintf("s%d", i), ""))
	}
	return out
}

func TestXRDValidation(t *testing.T) {
	x := loadXRD(t)
	ref := map[string]any{"name": "s", "key": "k"}
	sso := map[string]any{"providerConfigRef": map[string]any{"name": "keycloak"}}
	dns := map[string]any{"providerConfigRef": map[string]any{"name": "bind"}, "zone": "example.org", "target": "192.0.2.1"}
	srv := map[string]any{"srv": true}
	cases := map[string]struct {
		params, old map[string]any
		// wantErr is a substring of the errors; empty means valid.
		wantErr string
	}{
		"Minimal":              {params: params()},
		"NoServerName":         {params: map[string]any{}, wantErr: "spec.parameters.serverName"},
		"ServerNameUpper":      {params: params("serverName", "Example.org"), wantErr: "spec.parameters.serverName"},
		"ServerNamePort":       {params: params("serverName", "example.org:8448"), wantErr: "spec.parameters.serverName"},
		"ServerNameIP":         {params: params("serverName", "10.0.0.1"), wantErr: "spec.parameters.serverName"},
		"ServerNameOneLabel":   {params: params("serverName", "localhost"), wantErr: "spec.parameters.serverName"},
		"HostURL":              {params: params("host", "https://matrix.example.org"), wantErr: "spec.parameters.host"},
		"Host":                 {params: params("host", "matrix.example.org")},
		"ServerNameChanged":    {params: params("serverName", "example.net"), old: params(), wantErr: "serverName is immutable"},
		"SQLiteConduit":        {params: params("database", "sqlite")},
		"SQLiteTuwunel":        {params: params("database", "sqlite", "implementation", "tuwunel"), wantErr: "sqlite is only supported by the conduit"},
		"DatabaseChanged":      {params: params("database", "sqlite"), old: params(), wantErr: "database is immutable"},
		"ConduitToTuwunel":     {params: params("implementation", "tuwunel"), old: params()},
		"TuwunelToConduit":     {params: params("implementation", "conduit"), old: params("implementation", "tuwunel"), wantErr: "implementation can only change from conduit to tuwunel"},
		"ConduitToContinuwity": {params: params("implementation", "continuwuity"), old: params(), wantErr: "implementation can only change"},
		"Synapse":              {params: params("implementation", "synapse"), wantErr: "spec.parameters.implementation"},
		"TokenRef":             {params: params("registrationTokenSecretRef", ref)},
		"TokenRefClosed":       {params: params("registration", "closed", "registrationTokenSecretRef", ref), wantErr: "registrationTokenSecretRef needs registration token"},
		"StorageGrows":         {params: params("storage", "20Gi"), old: params()},
		"StorageShrinks":       {params: params("storage", "5Gi"), old: params("storage", "10Gi"), wantErr: "storage can grow but not shrink"},
		"StorageClassChanged":  {params: params("storageClass", "b"), old: params("storageClass", "a"), wantErr: "storageClass is immutable"},
		"TURN":                 {params: params("turn", map[string]any{"uris": []any{"turn:t.example.org?transport=udp"}, "sharedSecretRef": ref})},
		"TURNBadURI":           {params: params("turn", map[string]any{"uris": []any{"https://t.example.org"}, "sharedSecretRef": ref}), wantErr: "spec.parameters.turn.uris[0]"},
		"TURNNoURIs":           {params: params("turn", map[string]any{"uris": []any{}, "sharedSecretRef": ref}), wantErr: "spec.parameters.turn.uris"},
		"Gateway":              {params: params("route", map[string]any{"gateway": map[string]any{"name": "public"}})},
		"GatewayAndIngress":    {params: params("route", map[string]any{"gateway": map[string]any{"name": "public"}, "ingress": map[string]any{}}), wantErr: "set at most one of route.ingress or route.gateway"},
		"GatewayWithTLS":       {params: params("route", map[string]any{"gateway": map[string]any{"name": "public"}, "tls": map[string]any{"issuer": "le"}})},
		"SSOConduit":           {params: params("sso", sso), wantErr: "sso needs implementation tuwunel or continuwuity"},
		"SSOTuwunel":           {params: params("implementation", "tuwunel", "sso", sso)},
		"SSOContinuwuity":      {params: params("implementation", "continuwuity", "sso", sso)},
		"SSONoProvider":        {params: params("implementation", "tuwunel", "sso", map[string]any{}), wantErr: "spec.parameters.sso.providerConfigRef"},
		"DNS":                  {params: params("host", "matrix.example.org", "dns", dns)},
		"DNSNoZone":            {params: params("dns", map[string]any{"providerConfigRef": map[string]any{"name": "bind"}, "target": "192.0.2.1"}), wantErr: "spec.parameters.dns.zone"},
		"SRV":                  {params: params("dns", dns, "federation", srv)},
		"SRVDelegated":         {params: params("host", "matrix.example.org", "dns", dns, "federation", srv), wantErr: "federation.srv needs host to equal serverName"},
		"SRVWithoutDNS":        {params: params("federation", srv), wantErr: "federation.srv needs dns"},
		"NetworkDisabled":      {params: params("network", map[string]any{"policies": "Disabled"})},
		"NetworkBad":           {params: params("network", map[string]any{"policies": "Off"}), wantErr: "spec.parameters.network.policies"},
		"TLSOnly":              {params: params("route", map[string]any{"tls": map[string]any{"issuer": "le"}})},
		"TrustedWithPort":      {params: params("federation", map[string]any{"trustedServers": []any{"matrix.org:8448"}})},
		"TrustedURL":           {params: params("federation", map[string]any{"trustedServers": []any{"https://matrix.org"}}), wantErr: "spec.parameters.federation.trustedServers[0]"},
		"ImageSpace":           {params: params("image", "a b"), wantErr: "spec.parameters.image"},
		"LogLevel":             {params: params("logLevel", "loud"), wantErr: "spec.parameters.logLevel"},
		"UnchangedUpdate":      {params: params("host", "m.example.org"), old: params("host", "m.example.org")},
		"SnapshotAdded":        {params: params("snapshots", []any{snap("a", ""), snap("b", "csi")}), old: params("snapshots", []any{snap("a", "")})},
		"SnapshotRemoved":      {params: params("snapshots", []any{snap("b", "csi")}), old: params("snapshots", []any{snap("a", ""), snap("b", "csi")})},
		"SnapshotChanged":      {params: params("snapshots", []any{snap("a", "csi")}), old: params("snapshots", []any{snap("a", "")}), wantErr: "a snapshot entry cannot change"},
		"SnapshotTwice":        {params: params("snapshots", []any{snap("a", ""), snap("a", "csi")}), wantErr: "spec.parameters.snapshots[1]"},
		"SnapshotsTooMany":     {params: params("snapshots", manySnaps(17)), wantErr: "spec.parameters.snapshots"},
		"SnapshotsMax":         {params: params("snapshots", manySnaps(16))},
		"Restore":              {params: params("restore", map[string]any{"fromClaim": "old", "snapshot": "a"})},
		"RestoreChanged":       {params: params("restore", map[string]any{"fromClaim": "old", "snapshot": "b"}), old: params("restore", map[string]any{"fromClaim": "old", "snapshot": "a"}), wantErr: "restore is immutable"},
		"RestoreNamespaced":    {params: params("restore", map[string]any{"fromClaim": "team-b/old", "snapshot": "a"}), wantErr: "spec.parameters.restore.fromClaim"},
		"StartupTimeout":       {params: params("startupTimeout", "1h30m")},
		"StartupTimeoutShort":  {params: params("startupTimeout", "59s"), wantErr: "startupTimeout must be between 1m and 24h"},
		"StartupTimeoutLong":   {params: params("startupTimeout", "25h"), wantErr: "startupTimeout must be between 1m and 24h"},
		"StartupTimeoutDays":   {params: params("startupTimeout", "2d"), wantErr: "spec.parameters.startupTimeout"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := x.Validate(tc.params, tc.old).ToAggregate()
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
// composer assumes (fn/matrix applies the same when they are missing).
func TestXRDDefaults(t *testing.T) {
	x := loadXRD(t)
	got := x.Default(params())
	want := map[string]any{
		"serverName":         "example.org",
		"implementation":     "conduit",
		"storage":            "10Gi",
		"database":           "rocksdb",
		"deletionProtection": false,
		"registration":       "token",
		"federation":         map[string]any{"enabled": true, "trustedServers": []any{"matrix.org"}},
		"maxUploadSize":      "20Mi",
		"route":              map[string]any{"ingress": map[string]any{"className": "nginx", "controller": "nginx"}},
		"startupTimeout":     "30m",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults: -want, +got:\n%s", diff)
	}
}
