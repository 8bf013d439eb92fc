package v1alpha1_test

import (
	"os"
	"strings"
	"testing"

	"github.com/homeplane/homeplane/internal/xrdtest"
)

// The generated XRD, validated the way the API server validates a claim or
// XR: OpenAPI schema (patterns, enums, bounds) and CEL rules, including
// transition rules against the old object.
const xrdFile = "../../../package/configuration/xrds/xpostgresql.yaml"

func load(t *testing.T) *xrdtest.Validator { return xrdtest.Load(t, xrdFile) }

func base(kv ...any) map[string]any {
	p := map[string]any{"version": "17", "storage": "5Gi", "topology": "single", "teamId": "homeplane", "deletionProtection": true}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func TestXRDValidation(t *testing.T) {
	v := load(t)
	minio := map[string]any{"bucket": "pg-backups", "credentialsSecretRef": map[string]any{"name": "minio"}}
	cases := map[string]struct {
		params, old map[string]any
		// wantErr is a substring of the errors; empty means valid.
		wantErr string
	}{
		"Minimal":               {params: base()},
		"StorageDecimalG":       {params: base("storage", "5G")},
		"StorageLowerK":         {params: base("storage", "5k"), wantErr: "spec.parameters.storage"},
		"StorageUpperK":         {params: base("storage", "5K"), wantErr: "spec.parameters.storage"},
		"VersionUnknown":        {params: base("version", "13"), wantErr: "spec.parameters.version"},
		"InstancesWithSingle":   {params: base("instances", int64(3)), wantErr: "instances can only be set with topology ha"},
		"InstancesWithHA":       {params: base("topology", "ha", "instances", int64(5))},
		"InstancesTooMany":      {params: base("topology", "ha", "instances", int64(8)), wantErr: "spec.parameters.instances"},
		"SynchronousWithSingle": {params: base("synchronous", true), wantErr: "synchronous replication needs topology ha"},
		"ReservedUser":          {params: base("users", []any{map[string]any{"name": "postgres"}}), wantErr: "reserved by PostgreSQL or the operator"},
		"Superuser":             {params: base("users", []any{map[string]any{"name": "u", "flags": []any{"superuser"}}}), wantErr: "flags[0]"},
		"DatabaseDash":          {params: base("databases", []any{map[string]any{"name": "my-db", "owner": "me"}}), wantErr: "databases[0].name"},
		"RestoreOffset": {params: base("backup", minio,
			"restore", map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00+01:00"})},
		"RestoreZulu": {params: base("backup", minio,
			"restore", map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00Z"}), wantErr: "restore.timestamp"},
		"RestoreNoBackup":   {params: base("restore", map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00+01:00"})},
		"RestoreOtherNS":    {params: base("restore", map[string]any{"fromClaim": "tenant-a/db"}), wantErr: "restore.fromClaim"},
		"RestoreLive":       {params: base("restore", map[string]any{"fromClaim": "wiki"})},
		"Upgrade":           {params: base("version", "17"), old: base("version", "16")},
		"Downgrade":         {params: base("version", "16"), old: base("version", "17"), wantErr: "version may not be downgraded"},
		"StorageGrows":      {params: base("storage", "6G"), old: base("storage", "5Gi")},
		"StorageGiToG":      {params: base("storage", "5G"), old: base("storage", "5Gi"), wantErr: "storage may only grow"},
		"StorageShrinks":    {params: base("storage", "4Gi"), old: base("storage", "5Gi"), wantErr: "storage may only grow"},
		"TeamIDChanged":     {params: base("teamId", "other"), old: base(), wantErr: "teamId is immutable"},
		"RestoreChanged":    {params: base("restore", map[string]any{"fromClaim": "b"}), old: base("restore", map[string]any{"fromClaim": "a"}), wantErr: "restore is immutable"},
		"ProtectionOff":     {params: base("deletionProtection", false), old: base()},
		"UnchangedUpdate":   {params: base(), old: base()},
		"PoolerModeUnknown": {params: base("pooler", map[string]any{"mode": "statement"}), wantErr: "spec.parameters.pooler.mode"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			errs := v.Validate(tc.params, tc.old)
			got := errs.ToAggregate()
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

func readXRD() ([]byte, error) { return os.ReadFile(xrdFile) }
