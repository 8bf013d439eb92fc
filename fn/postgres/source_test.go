package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

const (
	testSourceUID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	stamp         = "2026-11-20T12:00:00+01:00"
)

var (
	minioBackup = map[string]any{
		"bucket": "pg-backups", "endpoint": "http://minio.storage.svc:9000", "region": "us-east-1",
		"forcePathStyle": true, "credentialsSecretRef": map[string]any{"name": "minio"},
	}
	sourceLocation = "s3://pg-backups/spilo/wiki/homeplane-wiki/" + testSourceUID + "/wal"
	sourceReq      = compose.Requirement{APIVersion: "database.homeplane.dev/v1alpha1", Kind: "PostgreSQL", Namespace: testNS, Name: "wiki"}
	sourceReqs     = map[string]compose.Requirement{
		"restore-source":         sourceReq,
		"restore-source-cluster": {APIVersion: "acid.zalan.do/v1", Kind: "postgresql", Namespace: testNS, Name: "homeplane-wiki"},
	}
)

// sourceCluster is the source claim's postgresql, archiving with the given
// scope prefix and suffix.
func sourceCluster(namespace, prefix, suffix string) *acidv1.Postgresql {
	return sourceClusterWithEnv(namespace, withScope(legacyBackupEnv(), prefix, suffix))
}

func sourceClusterWithEnv(namespace string, env []corev1.EnvVar) *acidv1.Postgresql {
	return &acidv1.Postgresql{
		TypeMeta:   metav1.TypeMeta{APIVersion: "acid.zalan.do/v1", Kind: "postgresql"},
		ObjectMeta: metav1.ObjectMeta{Name: "homeplane-wiki", Namespace: namespace},
		Spec:       acidv1.PostgresSpec{TeamID: "homeplane", Env: env},
	}
}

// withSource answers both requirements of a restore to a timestamp.
func withSource(claim *unstructured.Unstructured, cluster *acidv1.Postgresql) map[string]runtime.Object {
	return map[string]runtime.Object{"restore-source": claim, "restore-source-cluster": cluster}
}

// sourceClaim is a PostgreSQL claim as Crossplane returns it for the
// requirement: spec.parameters as written (the API server's defaults
// applied), and the status its XR published.
func sourceClaim(namespace, name string, params map[string]any, loc string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "database.homeplane.dev/v1alpha1",
		"kind":       "PostgreSQL",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec":       map[string]any{"parameters": params, "resourceRef": map[string]any{"name": name + "-x7k2p"}},
	}}
	if loc != "" {
		u.Object["status"] = map[string]any{"phase": "Running", "backup": map[string]any{"location": loc}}
	}
	return u
}

func cloneEnvFromMinIO() []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "CLONE_AWS_ENDPOINT", Value: "http://minio.storage.svc:9000"},
		{Name: "CLONE_WALE_S3_ENDPOINT", Value: "http+path://minio.storage.svc:9000"},
		{Name: "CLONE_AWS_REGION", Value: "us-east-1"},
		{Name: "CLONE_AWS_S3_FORCE_PATH_STYLE", Value: "true"},
		secretEnv("CLONE_AWS_ACCESS_KEY_ID", "minio", "AWS_ACCESS_KEY_ID"),
		secretEnv("CLONE_AWS_SECRET_ACCESS_KEY", "minio", "AWS_SECRET_ACCESS_KEY"),
		{Name: "CLONE_USE_WALG_RESTORE", Value: "true"},
	}
}

// legacyBackupEnv is what clusters composed before the location carried the
// namespace run with: spilo/<cluster>/wal/ in the bucket.
func legacyBackupEnv() []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "WAL_S3_BUCKET", Value: "pg-backups"},
		{Name: "WAL_BUCKET_SCOPE_PREFIX", Value: ""},
		{Name: "WAL_BUCKET_SCOPE_SUFFIX", Value: ""},
		{Name: "AWS_ENDPOINT", Value: "http://minio.storage.svc:9000"},
		{Name: "WALE_S3_ENDPOINT", Value: "http+path://minio.storage.svc:9000"},
		{Name: "AWS_REGION", Value: "us-east-1"},
		{Name: "AWS_S3_FORCE_PATH_STYLE", Value: "true"},
		secretEnv("AWS_ACCESS_KEY_ID", "minio", "AWS_ACCESS_KEY_ID"),
		secretEnv("AWS_SECRET_ACCESS_KEY", "minio", "AWS_SECRET_ACCESS_KEY"),
		{Name: "USE_WALG_BACKUP", Value: "true"},
		{Name: "USE_WALG_RESTORE", Value: "true"},
		{Name: "BACKUP_SCHEDULE", Value: "0 1 * * *"},
		{Name: "BACKUP_NUM_TO_RETAIN", Value: "5"},
	}
}

func withScope(env []corev1.EnvVar, prefix, suffix string) []corev1.EnvVar {
	out := append([]corev1.EnvVar{}, env...)
	for i := range out {
		switch out[i].Name {
		case envScopePrefix:
			out[i].Value = prefix
		case envScopeSuffix:
			out[i].Value = suffix
		}
	}
	return out
}

// waitingResources are what a restore composes while it waits: the wiring
// (network policies, the claim's deletion protection), never the postgresql
// nor a Usage of it.
func waitingResources(t *testing.T) map[resource.Name]compose.Desired {
	return wantResources(t, wantCluster(), resource.ReadyFalse, map[resource.Name]compose.Desired{"postgresql": {}, "protect-postgresql": {}})
}

func waitingFor(msg string) compose.Condition {
	return compose.Condition{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForRestoreSource",
		Message: msg + " The database is not created until the restore can start from it."}
}

// runningArchiving is the result for a running cluster, archiving with env
// to location, whose credentials Secret is not there yet.
func runningArchiving(env []corev1.EnvVar, location string) func(t *testing.T) *compose.Result {
	return func(t *testing.T) *compose.Result {
		pg := wantCluster(func(pg *acidv1.Postgresql) { pg.Spec.Env = env })
		st := statusPending
		st.Phase = "Running"
		st.Backup = &v1alpha1.BackupStatus{Location: location}
		return &compose.Result{
			Resources:         wantResources(t, pg, resource.ReadyTrue, nil),
			ConnectionDetails: map[string][]byte{},
			Requirements:      requirement,
			Status:            st,
			Conditions: []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
				Message: "The cluster is running; waiting for the operator's Secret " + testSecret + "."}, protected},
		}
	}
}

// TestArchiveAndRestore covers where a cluster archives and where a restore
// reads, as a hostile or careless tenant could arrange it.
func TestArchiveAndRestore(t *testing.T) {
	restoreAt := map[string]any{"restore": map[string]any{"fromClaim": "wiki", "timestamp": stamp}}
	withRequirements := func(extra map[string]compose.Requirement) map[string]compose.Requirement {
		r := map[string]compose.Requirement{}
		for k, v := range requirement {
			r[k] = v
		}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}

	cases := map[string]struct {
		reason   string
		params   map[string]any
		observed map[string]runtime.Object
		required map[string]runtime.Object
		// answeredEmpty: Crossplane looked the source up and found nothing.
		answeredEmpty bool
		want          func(t *testing.T) *compose.Result
		wantErr       string
	}{
		"ObservedLegacyLocationKept": {
			reason: "A cluster that archives to spilo/<cluster>/wal/ keeps doing so: a new location would split its archive and restart it.",
			params: map[string]any{"backup": minioBackup},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running", func(pg *acidv1.Postgresql) {
				pg.Spec.Env = legacyBackupEnv()
			})},
			want: runningArchiving(legacyBackupEnv(), "s3://pg-backups/spilo/homeplane-wiki-db/wal"),
		},
		"ObservedNewLocationKeptUnderAnotherUID": {
			reason: "The location comes from the running cluster, not from the composite's UID of the moment.",
			params: map[string]any{"backup": minioBackup},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running", func(pg *acidv1.Postgresql) {
				pg.Spec.Env = withScope(legacyBackupEnv(), "wiki/", "/"+testSourceUID)
			})},
			want: runningArchiving(withScope(legacyBackupEnv(), "wiki/", "/"+testSourceUID), "s3://pg-backups/spilo/wiki/homeplane-wiki-db/"+testSourceUID+"/wal"),
		},
		"ObservedForeignLocationReplaced": {
			reason: "An env edited to archive into another namespace's location is not kept: the cluster gets its own new location.",
			params: map[string]any{"backup": minioBackup},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running", func(pg *acidv1.Postgresql) {
				pg.Spec.Env = withScope(legacyBackupEnv(), "tenant-a/", "/"+testSourceUID)
			})},
			want: runningArchiving(withScope(legacyBackupEnv(), "wiki/", "/"+testUID), "s3://pg-backups/spilo/wiki/homeplane-wiki-db/"+testUID+"/wal"),
		},
		"BackupTurnedOnLater": {
			reason:   "A running cluster that did not archive gets the new location when backup is turned on (also the way to leave a legacy location: off, then on).",
			params:   map[string]any{"backup": minioBackup},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running")},
			want:     runningArchiving(withScope(legacyBackupEnv(), "wiki/", "/"+testUID), "s3://pg-backups/spilo/wiki/homeplane-wiki-db/"+testUID+"/wal"),
		},
		"RestoreSourceNotAnsweredYet": {
			reason: "Before Crossplane answered the requirement no postgresql is composed (only the wiring): a cluster without its clone would start empty.",
			params: restoreAt,
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         waitingResources(t),
					ConnectionDetails: map[string][]byte{},
					Requirements:      map[string]compose.Requirement{"restore-source": sourceReq},
					Status:            statusPending,
					Conditions:        []compose.Condition{waitingFor("Looking up the source claim wiki in namespace wiki."), protected},
				}
			},
		},
		"RestoreSourceNotFound": {
			reason:        "A source claim that does not exist in this namespace (it may exist in another) is waited for, and no postgresql is composed.",
			params:        restoreAt,
			answeredEmpty: true,
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         waitingResources(t),
					ConnectionDetails: map[string][]byte{},
					Requirements:      map[string]compose.Requirement{"restore-source": sourceReq},
					Status:            statusPending,
					Conditions:        []compose.Condition{waitingFor("There is no PostgreSQL claim wiki in namespace wiki to restore from."), protected},
				}
			},
		},
		"RestoreToTimestamp": {
			reason: "A restore to a time clones from where the source's postgresql archives, with the source's store and credentials reference: " +
				"nothing is repeated in the restoring claim.",
			params:   restoreAt,
			required: withSource(sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, sourceLocation), sourceCluster(testNS, "wiki/", "/"+testSourceUID)),
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) {
					pg.Spec.Clone = &acidv1.CloneDescription{ClusterName: "homeplane-wiki", EndTimestamp: stamp, S3WalPath: sourceLocation}
					pg.Spec.Env = cloneEnvFromMinIO()
				})
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      withRequirements(sourceReqs),
					Status:            statusPending,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"RestoreIgnoresForgedSourceStatus": {
			reason: "The claim's status.backup.location is the tenant's to write; the location is read from the source's postgresql instead.",
			params: restoreAt,
			required: withSource(sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, "s3://pg-backups/spilo/homeplane-wiki/wal"),
				sourceCluster(testNS, "wiki/", "/"+testSourceUID)),
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) {
					pg.Spec.Clone = &acidv1.CloneDescription{ClusterName: "homeplane-wiki", EndTimestamp: stamp, S3WalPath: sourceLocation}
					pg.Spec.Env = cloneEnvFromMinIO()
				})
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      withRequirements(sourceReqs),
					Status:            statusPending,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"RestoreFromLegacySource": {
			reason:   "A source that still archives to its legacy location is restored from there.",
			params:   restoreAt,
			required: withSource(sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, ""), sourceCluster(testNS, "", "")),
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) {
					pg.Spec.Clone = &acidv1.CloneDescription{ClusterName: "homeplane-wiki", EndTimestamp: stamp, S3WalPath: "s3://pg-backups/spilo/homeplane-wiki/wal"}
					pg.Spec.Env = cloneEnvFromMinIO()
				})
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      withRequirements(sourceReqs),
					Status:            statusPending,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"RestoreFromRunningSourceOfAnotherTeam": {
			reason:   "Without a timestamp the running source is copied; its cluster name comes from the source's teamId.",
			params:   map[string]any{"restore": map[string]any{"fromClaim": "wiki"}},
			required: map[string]runtime.Object{"restore-source": sourceClaim(testNS, "wiki", map[string]any{"teamId": "docs"}, "")},
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) { pg.Spec.Clone = &acidv1.CloneDescription{ClusterName: "docs-wiki"} })
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      withRequirements(map[string]compose.Requirement{"restore-source": sourceReq}),
					Status:            statusPending,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"RestoreSourceClusterNotAnsweredYet": {
			reason:   "Once the source claim is read its postgresql is asked for, and nothing is restored until it is answered.",
			params:   restoreAt,
			required: map[string]runtime.Object{"restore-source": sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, sourceLocation)},
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         waitingResources(t),
					ConnectionDetails: map[string][]byte{},
					Requirements:      sourceReqs,
					Status:            statusPending,
					Conditions:        []compose.Condition{waitingFor("Looking up the cluster homeplane-wiki of the source claim wiki."), protected},
				}
			},
		},
		"RestoreSourceClusterNotArchivingYet": {
			reason:   "A source whose postgresql does not archive (yet) to its claim's bucket is waited for.",
			params:   restoreAt,
			required: withSource(sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, ""), sourceClusterWithEnv(testNS, nil)),
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         waitingResources(t),
					ConnectionDetails: map[string][]byte{},
					Requirements:      sourceReqs,
					Status:            statusPending,
					Conditions: []compose.Condition{waitingFor("The source cluster homeplane-wiki does not archive to the bucket pg-backups of its claim's " +
						"spec.parameters.backup yet."), protected},
				}
			},
		},
		"RestoredClusterKeepsItsClone": {
			reason: "Once the restored cluster exists its clone stays as created (here by an earlier release), the source is no longer asked for " +
				"and its own backup goes to the new location.",
			params: map[string]any{"backup": minioBackup, "restore": map[string]any{"fromClaim": "wiki", "timestamp": stamp}},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Creating", func(pg *acidv1.Postgresql) {
				pg.Spec.Clone = &acidv1.CloneDescription{ClusterName: "homeplane-wiki", EndTimestamp: stamp}
				pg.Spec.Env = []corev1.EnvVar{
					{Name: "CLONE_WAL_S3_BUCKET", Value: "pg-backups"},
					{Name: "CLONE_WAL_BUCKET_SCOPE_PREFIX", Value: ""},
					secretEnv("CLONE_AWS_ACCESS_KEY_ID", "minio", "AWS_ACCESS_KEY_ID"),
				}
			})},
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) {
					pg.Spec.Clone = &acidv1.CloneDescription{ClusterName: "homeplane-wiki", EndTimestamp: stamp}
					pg.Spec.Env = append(withScope(legacyBackupEnv(), "wiki/", "/"+testUID),
						corev1.EnvVar{Name: "CLONE_WAL_S3_BUCKET", Value: "pg-backups"},
						corev1.EnvVar{Name: "CLONE_WAL_BUCKET_SCOPE_PREFIX", Value: ""},
						secretEnv("CLONE_AWS_ACCESS_KEY_ID", "minio", "AWS_ACCESS_KEY_ID"),
					)
				})
				st := statusPending
				st.Phase = "Creating"
				st.Backup = &v1alpha1.BackupStatus{Location: "s3://pg-backups/spilo/wiki/homeplane-wiki-db/" + testUID + "/wal"}
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            st,
					Conditions:        []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "Creating", Message: "The operator is creating the cluster."}, protected},
				}
			},
		},
		"RestoreSourceWithoutBackup": {
			reason:   "A restore to a time from a source that does not archive names the field to change.",
			params:   restoreAt,
			required: map[string]runtime.Object{"restore-source": sourceClaim(testNS, "wiki", map[string]any{}, "")},
			wantErr:  `spec.parameters.restore.timestamp: restore to a timestamp reads the source's backups, but the PostgreSQL claim "wiki" has no spec.parameters.backup`,
		},
		"RestoreFromOtherNamespaceByName": {
			reason:  "A source named with its namespace is refused before anything is asked for.",
			params:  map[string]any{"restore": map[string]any{"fromClaim": "tenant-a/db", "timestamp": stamp}},
			wantErr: `spec.parameters.restore.fromClaim: Invalid value: "tenant-a/db": must be the name of a PostgreSQL claim in this namespace: lower case letters, digits and '-' (no namespace)`,
		},
		"RestoreSourceAnsweredFromOtherNamespace": {
			reason: "Should a claim of another namespace ever be returned for the requirement, it is refused.",
			params: restoreAt,
			required: map[string]runtime.Object{"restore-source": sourceClaim("tenant-a", "wiki", map[string]any{"backup": minioBackup},
				"s3://pg-backups/spilo/tenant-a/homeplane-wiki/"+testSourceUID+"/wal")},
			wantErr: `spec.parameters.restore.fromClaim: the PostgreSQL claim "wiki" cannot be read: required resource "restore-source" is in namespace "tenant-a", not the claim's "wiki"`,
		},
		"RestoreSourcePointsIntoOtherNamespace": {
			reason: "A source cluster archiving into another namespace's location (its env edited by hand) is refused, not restored from.",
			params: restoreAt,
			required: withSource(sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, ""),
				sourceCluster(testNS, "tenant-a/", "/"+testSourceUID)),
			wantErr: `spec.parameters.restore.fromClaim: the source cluster homeplane-wiki of the PostgreSQL claim "wiki" archives to "s3://pg-backups/spilo/tenant-a/homeplane-wiki/` +
				testSourceUID + `/wal", which is not a location of a cluster of this namespace (s3://<bucket>/spilo/wiki/homeplane-wiki/<uid>/wal)`,
		},
		"RestoreSourceClusterFromOtherNamespace": {
			reason: "Should a postgresql of another namespace ever be returned for the requirement, it is refused.",
			params: restoreAt,
			required: withSource(sourceClaim(testNS, "wiki", map[string]any{"backup": minioBackup}, ""),
				sourceCluster("tenant-a", "tenant-a/", "/"+testSourceUID)),
			wantErr: `spec.parameters.restore.fromClaim: the postgresql homeplane-wiki of the PostgreSQL claim "wiki" cannot be read: required resource "restore-source-cluster" is in namespace "tenant-a", not the claim's "wiki"`,
		},
		"RestoreSourceOfWrongType": {
			reason:   "A source whose spec cannot be read is named by the restore's field.",
			params:   restoreAt,
			required: map[string]runtime.Object{"restore-source": sourceClaim(testNS, "wiki", map[string]any{"backup": "yes"}, "")},
			wantErr:  `spec.parameters.restore.fromClaim: the PostgreSQL claim "wiki" cannot be read: cannot decode required resource "restore-source": spec.parameters.backup: cannot be a string, must be an object`,
		},
		"RestoreSourceBackupInvalid": {
			reason: "A source whose backup the restore could not use is named by the restore's field.",
			params: restoreAt,
			required: map[string]runtime.Object{"restore-source": sourceClaim(testNS, "wiki", map[string]any{"backup": map[string]any{
				"bucket": "pg-backups", "credentialsSecretRef": map[string]any{"name": "../x"}}}, sourceLocation)},
			wantErr: `spec.parameters.restore.fromClaim: the PostgreSQL claim "wiki" has an invalid spec.parameters.backup: spec.parameters.backup.credentialsSecretRef.name`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(t, tc.params, tc.observed, tc.required)
			if tc.answeredEmpty {
				req.Required["restore-source"] = []resource.Required{}
			}
			got, err := NewComposer().Compose(context.Background(), req)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nCompose(): want error starting %q, got %v", tc.reason, tc.wantErr, err)
				}
				if !compose.IsFieldError(err) {
					t.Errorf("%s\nCompose(): want a FieldError, got %T", tc.reason, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nCompose(): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want(t), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nCompose(): -want, +got:\n%s", tc.reason, diff)
			}
			for n, r := range got.Requirements {
				if r.Namespace != testNS {
					t.Errorf("%s\nrequirement %s is in namespace %q, not the claim's %q", tc.reason, n, r.Namespace, testNS)
				}
			}
		})
	}
}

// TestSameClaimNameInTwoNamespaces: tenant-a/db and tenant-b/db archive to
// different places of a shared bucket, even with the same UID.
func TestSameClaimNameInTwoNamespaces(t *testing.T) {
	locs := map[string]string{}
	for _, ns := range []string{"tenant-a", "tenant-b", "tenant", "tenant-a-b"} {
		for _, claim := range []string{"db", "b-db"} {
			req := request(t, map[string]any{"backup": minioBackup}, nil, nil)
			req.Namespace, req.ClaimName = ns, claim
			res, err := NewComposer().Compose(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := res.Status.(v1alpha1.XPostgreSQLStatus)
			if st.Backup == nil || st.Backup.Location == "" {
				t.Fatalf("%s/%s: no status.backup.location", ns, claim)
			}
			if other, dup := locs[st.Backup.Location]; dup {
				t.Errorf("%s/%s and %s share the archive %s", ns, claim, other, st.Backup.Location)
			}
			locs[st.Backup.Location] = ns + "/" + claim
			if want := "s3://pg-backups/spilo/" + ns + "/homeplane-" + claim + "/" + testUID + "/wal"; st.Backup.Location != want {
				t.Errorf("%s/%s: want location %s, got %s", ns, claim, want, st.Backup.Location)
			}
		}
	}
}

// TestNewClusterWithoutUID: a composite without a UID (only a hand-made
// request) cannot place a new archive, and says so instead of sharing one.
func TestNewClusterWithoutUID(t *testing.T) {
	req := request(t, map[string]any{"backup": minioBackup}, nil, nil)
	req.Composite.SetUID("")
	if _, err := NewComposer().Compose(context.Background(), req); err == nil || !strings.Contains(err.Error(), "metadata.uid") {
		t.Errorf("Compose(no UID): want an error naming metadata.uid, got %v", err)
	}
}
