package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

func TestResolveDefaults(t *testing.T) {
	got, err := resolve("wiki-db", v1alpha1.PostgreSQLParameters{})
	if err != nil {
		t.Fatal(err)
	}
	want := &params{
		PostgreSQLParameters: v1alpha1.PostgreSQLParameters{
			Version: "17", Storage: "5Gi", Topology: "single", TeamID: "homeplane",
			Databases: []v1alpha1.Database{{Name: "wiki_db", Owner: "wiki_db"}},
		},
		Cluster: "homeplane-wiki-db", Instances: 1, PoolerMode: "transaction", DeletionProtection: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolve(empty): -want, +got:\n%s", diff)
	}
}

func TestResolveHA(t *testing.T) {
	got, err := resolve("db", v1alpha1.PostgreSQLParameters{Topology: "ha", Instances: ptr.To[int32](5),
		Pooler: &v1alpha1.Pooler{Enabled: ptr.To(false)}, DeletionProtection: ptr.To(false)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Instances != 5 || got.Pooler || got.DeletionProtection {
		t.Errorf("resolve(ha, 5 instances, no pooler, unprotected): got instances %d, pooler %t, protection %t", got.Instances, got.Pooler, got.DeletionProtection)
	}
}

// TestDefaultsMatchMarkers keeps the Go defaults in step with the XRD's.
func TestDefaultsMatchMarkers(t *testing.T) {
	if v1alpha1.DefaultVersion != "17" || v1alpha1.DefaultStorage != "5Gi" || v1alpha1.DefaultTopology != "single" ||
		v1alpha1.DefaultTeamID != "homeplane" || v1alpha1.DefaultPoolerMode != "transaction" ||
		v1alpha1.DefaultBackupSchedule != "0 1 * * *" || v1alpha1.DefaultBackupRetention != 5 {
		t.Errorf("a Go default no longer matches its +kubebuilder:default marker in apis/database/v1alpha1")
	}
}

func TestResolveErrors(t *testing.T) {
	cases := map[string]struct {
		claim string
		in    v1alpha1.PostgreSQLParameters
		want  string
	}{
		"Version":       {in: v1alpha1.PostgreSQLParameters{Version: "12"}, want: `spec.parameters.version: "12" is not offered: use one of 14, 15, 16, 17`},
		"Storage":       {in: v1alpha1.PostgreSQLParameters{Storage: "5k"}, want: `spec.parameters.storage: "5k" is not a size such as 5Gi or 5G`},
		"Topology":      {in: v1alpha1.PostgreSQLParameters{Topology: "cluster"}, want: `spec.parameters.topology: "cluster" is not a topology: use single or ha`},
		"InstancesHA":   {in: v1alpha1.PostgreSQLParameters{Topology: "ha", Instances: ptr.To[int32](9)}, want: "spec.parameters.instances: 9 is out of range: use 2 to 7"},
		"InstancesOne":  {in: v1alpha1.PostgreSQLParameters{Instances: ptr.To[int32](3)}, want: "spec.parameters.instances: can only be set with topology ha"},
		"Synchronous":   {in: v1alpha1.PostgreSQLParameters{Synchronous: ptr.To(true)}, want: "spec.parameters.synchronous: synchronous replication needs topology ha"},
		"PoolerMode":    {in: v1alpha1.PostgreSQLParameters{Pooler: &v1alpha1.Pooler{Mode: "statement"}}, want: `spec.parameters.pooler.mode: "statement" is not a pool mode: use session or transaction`},
		"TeamID":        {in: v1alpha1.PostgreSQLParameters{TeamID: "Team_A"}, want: `spec.parameters.teamId: "Team_A" must be lower case letters, digits and dashes, starting with a letter`},
		"CPU":           {in: v1alpha1.PostgreSQLParameters{Resources: &v1alpha1.Resources{Limits: v1alpha1.ResourceList{CPU: "two"}}}, want: `spec.parameters.resources.limits.cpu: "two" is not a CPU amount such as 500m or 1`},
		"Memory":        {in: v1alpha1.PostgreSQLParameters{Resources: &v1alpha1.Resources{Requests: v1alpha1.ResourceList{Memory: "1gb"}}}, want: `spec.parameters.resources.requests.memory: "1gb" is not a size such as 5Gi or 5G`},
		"DatabaseName":  {in: v1alpha1.PostgreSQLParameters{Databases: []v1alpha1.Database{{Name: "my-db", Owner: "me"}}}, want: `spec.parameters.databases: item 0: name "my-db" must be 1 to 63 lower case letters, digits and underscores, not starting with a digit`},
		"ReservedOwner": {in: v1alpha1.PostgreSQLParameters{Databases: []v1alpha1.Database{{Name: "app", Owner: "postgres"}}}, want: `spec.parameters.databases: item 0: owner "postgres" is a role the operator reserves`},
		"DuplicateDB":   {in: v1alpha1.PostgreSQLParameters{Databases: []v1alpha1.Database{{Name: "a", Owner: "o"}, {Name: "a", Owner: "p"}}}, want: `spec.parameters.databases: database "a" is listed twice`},
		"UserFlag":      {in: v1alpha1.PostgreSQLParameters{Users: []v1alpha1.User{{Name: "u", Flags: []v1alpha1.UserFlag{"superuser"}}}}, want: `spec.parameters.users: user "u": flag "superuser" is not offered`},
		"DuplicateUser": {in: v1alpha1.PostgreSQLParameters{Users: []v1alpha1.User{{Name: "u"}, {Name: "u"}}}, want: `spec.parameters.users: user "u" is listed twice`},
		"BackupBucket":  {in: v1alpha1.PostgreSQLParameters{Backup: &v1alpha1.Backup{CredentialsSecretRef: v1alpha1.SecretKeyRef{Name: "s"}}}, want: "spec.parameters.backup.bucket: is required"},
		"BackupSecret":  {in: v1alpha1.PostgreSQLParameters{Backup: &v1alpha1.Backup{Bucket: "b"}}, want: "spec.parameters.backup.credentialsSecretRef.name: is required: name the Secret holding the access keys"},
		"RestoreSelf":   {in: v1alpha1.PostgreSQLParameters{Restore: &v1alpha1.Restore{FromClaim: "wiki-db"}}, want: "spec.parameters.restore.fromClaim: names this claim: restore copies another claim's database"},
		"RestoreFrom":   {in: v1alpha1.PostgreSQLParameters{Restore: &v1alpha1.Restore{FromClaim: "Wiki"}}, want: `spec.parameters.restore.fromClaim: "Wiki" is not the name of a PostgreSQL claim`},
		"RestoreTime":   {in: v1alpha1.PostgreSQLParameters{Backup: &v1alpha1.Backup{Bucket: "b", CredentialsSecretRef: v1alpha1.SecretKeyRef{Name: "s"}}, Restore: &v1alpha1.Restore{FromClaim: "a", Timestamp: "yesterday"}}, want: `spec.parameters.restore.timestamp: "yesterday" must be an RFC 3339 time with a zone offset, e.g. 2026-11-20T12:00:00+01:00 (write +00:00, not Z)`},
		"ClaimName":     {claim: "wiki.db", want: `metadata.name (of the claim): the database would be named "homeplane-wiki.db", which is not a DNS-1035 label (lower case letters, digits and dashes)`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			claim := tc.claim
			if claim == "" {
				claim = "wiki-db"
			}
			_, err := resolve(claim, tc.in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("resolve(): want error %q, got %v", tc.want, err)
			}
		})
	}
}

func TestResolveAcceptsTimestampWithOffset(t *testing.T) {
	for _, ts := range []string{"2026-11-20T12:00:00+01:00", "2026-11-20T12:00:00.123-05:30", "2026-11-20T11:00:00+00:00"} {
		in := v1alpha1.PostgreSQLParameters{
			Backup:  &v1alpha1.Backup{Bucket: "b", CredentialsSecretRef: v1alpha1.SecretKeyRef{Name: "s"}},
			Restore: &v1alpha1.Restore{FromClaim: "a", Timestamp: ts},
		}
		if _, err := resolve("wiki-db", in); err != nil {
			t.Errorf("resolve(timestamp %s): %v", ts, err)
		}
	}
}

func TestDefaultDatabaseOfDigitClaim(t *testing.T) {
	got, err := resolve("9lives", v1alpha1.PostgreSQLParameters{})
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.Database{{Name: "db_9lives", Owner: "db_9lives"}}
	if diff := cmp.Diff(want, got.Databases); diff != "" {
		t.Errorf("resolve(claim 9lives): -want, +got databases:\n%s", diff)
	}
}
