package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func TestResolveDefaults(t *testing.T) {
	res := v1alpha1.ResourceDefaults[v1alpha1.TopologySingle]
	got, err := resolveClaim("wiki-db", v1alpha1.PostgreSQLParameters{})
	if err != nil {
		t.Fatal(err)
	}
	want := &params{
		PostgreSQLParameters: v1alpha1.PostgreSQLParameters{
			Version: "17", Storage: "5Gi", Topology: "single", TeamID: "homeplane",
			Databases:          []v1alpha1.Database{{Name: "wiki_db", Owner: "wiki_db"}},
			DeletionProtection: ptr.To(true),
			Resources:          res.DeepCopy(),
		},
		Cluster: "homeplane-wiki-db", Instances: 1, PoolerMode: "transaction", DeletionProtection: true,
		Roles: []role{{Name: "wiki_db", Database: "wiki_db", Path: "spec.parameters.databases[0].owner", Secret: "wiki-db.wiki-db.connection"}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(params{})); diff != "" {
		t.Errorf("resolveClaim(empty): -want, +got:\n%s", diff)
	}
}

func TestResolveHA(t *testing.T) {
	got, err := resolveClaim("db", v1alpha1.PostgreSQLParameters{Topology: "ha", Instances: ptr.To[int32](5),
		Pooler: &v1alpha1.Pooler{Enabled: ptr.To(false)}, DeletionProtection: ptr.To(false)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Instances != 5 || got.Pooler || got.DeletionProtection {
		t.Errorf("resolveClaim(ha, 5 instances, no pooler, unprotected): got instances %d, pooler %t, protection %t", got.Instances, got.Pooler, got.DeletionProtection)
	}
}

// TestResolveErrors: resolve refuses what Validate refuses, as a FieldError
// naming the field, and what only the claim's name makes invalid.
func TestResolveErrors(t *testing.T) {
	cases := map[string]struct {
		claim string
		in    v1alpha1.PostgreSQLParameters
		path  string
		// reason is a part of the FieldError's reason.
		reason string
	}{
		"Version":       {in: v1alpha1.PostgreSQLParameters{Version: "12"}, path: "spec.parameters.version", reason: `Unsupported value: "12"`},
		"StorageZero":   {in: v1alpha1.PostgreSQLParameters{Storage: "0"}, path: "spec.parameters.storage", reason: "must be more than zero"},
		"InstancesOne":  {in: v1alpha1.PostgreSQLParameters{Instances: ptr.To[int32](3)}, path: "spec.parameters.instances", reason: "instances can only be set with topology ha"},
		"RoleTrailing":  {in: v1alpha1.PostgreSQLParameters{Users: []v1alpha1.User{{Name: "app_"}}}, path: "spec.parameters.users[0].name", reason: "role name pattern"},
		"ReservedOwner": {in: v1alpha1.PostgreSQLParameters{Databases: []v1alpha1.Database{{Name: "app", Owner: "postgres"}}}, path: "spec.parameters.databases[0].owner", reason: "reserved"},
		"TwoErrors": {in: v1alpha1.PostgreSQLParameters{Version: "12", Users: []v1alpha1.User{{Name: "pg_x"}}}, path: "spec.parameters.version",
			reason: "; also spec.parameters.users[0].name: Forbidden"},
		"RestoreSelf":   {in: v1alpha1.PostgreSQLParameters{Restore: &v1alpha1.Restore{FromClaim: "wiki-db"}}, path: "spec.parameters.restore.fromClaim", reason: "names this claim"},
		"RestoreFrom":   {in: v1alpha1.PostgreSQLParameters{Restore: &v1alpha1.Restore{FromClaim: "Wiki"}}, path: "spec.parameters.restore.fromClaim", reason: `"Wiki": must be the name of a PostgreSQL claim in this namespace`},
		"RestoreFromNS": {in: v1alpha1.PostgreSQLParameters{Restore: &v1alpha1.Restore{FromClaim: "tenant-a/db"}}, path: "spec.parameters.restore.fromClaim", reason: "(no namespace)"},
		"ClaimName":     {claim: "wiki.db", path: "metadata.name (of the claim, or of the namespaced composite)", reason: "not a DNS-1035 label"},
		"ClaimPostgres": {claim: "postgres", path: "spec.parameters.databases[0].name", reason: "system database"},
		"ClaimPg":       {claim: "pg-admin", path: "spec.parameters.databases[0].owner", reason: "reserved"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			claim := tc.claim
			if claim == "" {
				claim = "wiki-db"
			}
			_, err := resolveClaim(claim, tc.in)
			var fe *compose.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("resolveClaim(): want a FieldError, got %v", err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("resolveClaim(): want %s: ...%s..., got %v", tc.path, tc.reason, fe)
			}
		})
	}
}

func TestResolveAcceptsTimestampWithOffset(t *testing.T) {
	for _, ts := range []string{"2026-11-20T12:00:00+01:00", "2026-11-20T12:00:00.123-05:30", "2026-11-20T11:00:00+00:00"} {
		in := v1alpha1.PostgreSQLParameters{
			Backup:  &v1alpha1.Backup{Bucket: "pg-backups", CredentialsSecretRef: v1alpha1.S3CredentialsSecretRef{LocalSecretReference: common.LocalSecretReference{Name: "s"}}},
			Restore: &v1alpha1.Restore{FromClaim: "a", Timestamp: ts},
		}
		if _, err := resolveClaim("wiki-db", in); err != nil {
			t.Errorf("resolveClaim(timestamp %s): %v", ts, err)
		}
	}
}

func TestDefaultDatabaseOfDigitClaim(t *testing.T) {
	got, err := resolveClaim("9lives", v1alpha1.PostgreSQLParameters{})
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.Database{{Name: "db_9lives", Owner: "db_9lives"}}
	if diff := cmp.Diff(want, got.Databases); diff != "" {
		t.Errorf("resolveClaim(claim 9lives): -want, +got databases:\n%s", diff)
	}
}
