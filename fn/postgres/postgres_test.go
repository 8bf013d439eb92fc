package postgres

import (
	"context"
	"testing"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

const (
	testClaim   = "wiki-db"
	testNS      = "wiki"
	testCluster = "homeplane-wiki-db"
	testSecret  = "wiki-db.homeplane-wiki-db.credentials.postgresql.acid.zalan.do"
)

// wikiDB is the claim of the tests.
var wikiDB = composetest.Claim{Kind: v1alpha1.GroupVersion.WithKind("XPostgreSQL"), Namespace: testNS, Name: testClaim}

// request builds a Request for an XR with the given parameters, plus
// observed and required resources.
func request(t testing.TB, params map[string]any, observed map[string]runtime.Object, required map[string]runtime.Object, o ...composetest.Option) *compose.Request {
	t.Helper()
	req := composetest.Request(t, wikiDB, params, append([]composetest.Option{composetest.Observed(observed), composetest.Required(required)}, o...)...)
	// Crossplane gives every composite a UID; a new archive is placed by it.
	req.Composite.SetUID(testUID)
	return req
}

func labels(component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": testClaim,
		"app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": component,
	}
}

// wantCluster is the postgresql of a minimal claim, changed by fns.
func wantCluster(fns ...func(*acidv1.Postgresql)) *acidv1.Postgresql {
	pg := &acidv1.Postgresql{
		TypeMeta:   metav1.TypeMeta{APIVersion: "acid.zalan.do/v1", Kind: "postgresql"},
		ObjectMeta: metav1.ObjectMeta{Name: testCluster, Namespace: testNS, Labels: labels("database")},
		Spec: acidv1.PostgresSpec{
			TeamID:            "homeplane",
			NumberOfInstances: 1,
			PostgresqlParam:   acidv1.PostgresqlParam{PgVersion: "17"},
			Volume:            acidv1.Volume{Size: "5Gi"},
			Resources: &acidv1.Resources{
				ResourceRequests: acidv1.ResourceDescription{CPU: ptr.To("100m"), Memory: ptr.To("256Mi")},
				ResourceLimits:   acidv1.ResourceDescription{CPU: ptr.To("1"), Memory: ptr.To("512Mi")},
			},
			Users:                  map[string]acidv1.UserFlags{"wiki_db": {}},
			Databases:              map[string]string{"wiki_db": "wiki_db"},
			EnableConnectionPooler: ptr.To(false),
			// Explicit in every case: the operator's code default puts the
			// master Service on a LoadBalancer.
			EnableMasterLoadBalancer:        ptr.To(false),
			EnableReplicaLoadBalancer:       ptr.To(false),
			EnableMasterPoolerLoadBalancer:  ptr.To(false),
			EnableReplicaPoolerLoadBalancer: ptr.To(false),
		},
	}
	for _, fn := range fns {
		fn(pg)
	}
	return pg
}

func wantUsage(name, apiVersion, kind, of string) *protectionv1beta1.Usage {
	return &protectionv1beta1.Usage{
		TypeMeta:   metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS, Labels: labels("deletion-protection")},
		Spec: protectionv1beta1.UsageSpec{
			Of:     protectionv1beta1.NamespacedResource{APIVersion: apiVersion, Kind: kind, ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: of}},
			Reason: ptr.To("PostgreSQL wiki/wiki-db has deletionProtection on: set spec.parameters.deletionProtection to false to delete it and its data"),
		},
	}
}

func wantConnection(details map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "wiki-db-postgresql", Namespace: testNS, Labels: labels("connection")},
		Type:       corev1.SecretTypeOpaque,
		Data:       details,
	}
}

// wantRoleSecret is the connection Secret of a role of wiki/wiki-db.
func wantRoleSecret(name string, data map[string][]byte) *corev1.Secret {
	s := wantConnection(data)
	s.Name = name
	return s
}

// operatorSecret is the credentials Secret the operator writes for a role
// of the test cluster.
func operatorSecret(role, password string) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: credentialsSecretName(role, testCluster), Namespace: testNS},
		Data:       map[string][]byte{"username": []byte(role), "password": []byte(password)},
	}
}

func zalandoSecret() *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: testSecret, Namespace: testNS},
		Data:       map[string][]byte{"username": []byte("wiki_db"), "password": []byte("p@ss/word")},
	}
}

func runningCluster(pgStatus string, fns ...func(*acidv1.Postgresql)) *acidv1.Postgresql {
	pg := wantCluster(fns...)
	pg.Status.PostgresClusterStatus = pgStatus
	return pg
}

var (
	details = map[string][]byte{
		"host":     []byte("homeplane-wiki-db.wiki.svc"),
		"port":     []byte("5432"),
		"database": []byte("wiki_db"),
		"username": []byte("wiki_db"),
		"password": []byte("p@ss/word"),
		"uri":      []byte("postgresql://wiki_db:p%40ss%2Fword@homeplane-wiki-db.wiki.svc:5432/wiki_db"),
		"jdbcUrl":  []byte("jdbc:postgresql://homeplane-wiki-db.wiki.svc:5432/wiki_db"),
	}
	// roleDetailsWikiDB are the keys of the owner's own Secret.
	roleDetailsWikiDB = map[string][]byte{
		"host":     []byte("homeplane-wiki-db.wiki.svc"),
		"port":     []byte("5432"),
		"database": []byte("wiki_db"),
		"username": []byte("wiki_db"),
		"password": []byte("p@ss/word"),
		"uri":      []byte("postgresql://wiki_db:p%40ss%2Fword@homeplane-wiki-db.wiki.svc:5432/wiki_db?sslmode=require"),
		"jdbcUrl":  []byte("jdbc:postgresql://homeplane-wiki-db.wiki.svc:5432/wiki_db?sslmode=require"),
		"sslmode":  []byte("require"),
	}
	requirement = map[string]compose.Requirement{
		"credentials-wiki-db": {APIVersion: "v1", Kind: "Secret", Namespace: testNS, Name: testSecret},
	}
	protected = compose.Condition{Type: "DeletionProtection", Status: metav1.ConditionTrue, Reason: "Enabled",
		Message: "Deleting this claim or its postgresql is refused while spec.parameters.deletionProtection is true; set it to false first."}
	unprotected = compose.Condition{Type: "DeletionProtection", Status: metav1.ConditionFalse, Reason: "Disabled",
		Message: "Deleting this claim deletes the database and its data."}
	pending = compose.Condition{Type: "Database", Status: metav1.ConditionUnknown, Reason: "Pending",
		Message: "Waiting for the Zalando operator to pick up the cluster."}
	statusPending = v1alpha1.XPostgreSQLStatus{Phase: "Pending", Endpoint: "homeplane-wiki-db.wiki.svc", ClusterName: testCluster,
		Connections: []v1alpha1.ConnectionStatus{{Role: "wiki_db", Database: "wiki_db", SecretName: "wiki-db.wiki-db.connection"}}}
)

// resources are the desired resources of a protected claim.
func wantResources(t testing.TB, pg *acidv1.Postgresql, ready resource.Ready, extra map[resource.Name]compose.Desired) map[resource.Name]compose.Desired {
	t.Helper()
	u, err := desired(pg)
	if err != nil {
		t.Fatal(err)
	}
	r := map[resource.Name]compose.Desired{
		"postgresql":         {Object: u, Ready: ready},
		"protect-postgresql": {Object: wantUsage("homeplane-wiki-db-protect-database", "acid.zalan.do/v1", "postgresql", testCluster), Ready: resource.ReadyTrue},
		"protect-claim":      {Object: wantUsage("homeplane-wiki-db-protect-claim", "database.homeplane.dev/v1alpha1", "PostgreSQL", testClaim), Ready: resource.ReadyTrue},
	}
	pooler := pg.Spec.EnableConnectionPooler != nil && *pg.Spec.EnableConnectionPooler
	deny, allow := wantNetworkPolicies(pooler)
	r["network-policy-deny"] = compose.Desired{Object: deny, Ready: resource.ReadyTrue}
	r["network-policy-allow"] = compose.Desired{Object: allow, Ready: resource.ReadyTrue}
	for n, d := range extra {
		if d.Object == nil {
			delete(r, n)
			continue
		}
		r[n] = d
	}
	return r
}

func TestCompose(t *testing.T) {
	minio := map[string]any{
		"bucket": "pg-backups", "endpoint": "http://minio.storage.svc:9000", "region": "us-east-1",
		"forcePathStyle": true, "credentialsSecretRef": map[string]any{"name": "minio"},
	}
	backupEnv := []corev1.EnvVar{
		{Name: "WAL_S3_BUCKET", Value: "pg-backups"},
		{Name: "WAL_BUCKET_SCOPE_PREFIX", Value: "wiki/"},
		{Name: "WAL_BUCKET_SCOPE_SUFFIX", Value: "/" + testUID},
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

	cases := map[string]struct {
		reason   string
		claim    string
		params   map[string]any
		observed map[string]runtime.Object
		required map[string]runtime.Object
		want     func(t *testing.T) *compose.Result
		wantErr  string
	}{
		"Minimal": {
			reason: "An empty claim gets a small single-instance PostgreSQL 17, protected, and waits for the operator.",
			params: map[string]any{},
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, wantCluster(), resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            statusPending,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"HighAvailability": {
			reason: "Topology ha runs 3 instances with a 2-instance transaction pooler, larger resources and synchronous replication when asked.",
			params: map[string]any{"topology": "ha", "synchronous": true, "version": "16", "storage": "20G"},
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) {
					pg.Spec.NumberOfInstances = 3
					pg.Spec.PgVersion = "16"
					pg.Spec.Size = "20G"
					pg.Spec.Resources = &acidv1.Resources{
						ResourceRequests: acidv1.ResourceDescription{CPU: ptr.To("250m"), Memory: ptr.To("512Mi")},
						ResourceLimits:   acidv1.ResourceDescription{CPU: ptr.To("2"), Memory: ptr.To("1Gi")},
					}
					pg.Spec.EnableConnectionPooler = ptr.To(true)
					pg.Spec.ConnectionPooler = &acidv1.ConnectionPooler{NumberOfInstances: ptr.To[int32](2), Mode: "transaction"}
					pg.Spec.Patroni = acidv1.Patroni{SynchronousMode: true, SynchronousNodeCount: 1}
				})
				st := statusPending
				st.PoolerEndpoint = "homeplane-wiki-db-pooler.wiki.svc"
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            st,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"BackupToMinIO": {
			reason: "Backups to an S3-compatible store are Spilo env on the cluster, with the access keys by reference only, " +
				"under the namespace and the composite's UID; the status says where.",
			params: map[string]any{"backup": minio},
			want: func(t *testing.T) *compose.Result {
				pg := wantCluster(func(pg *acidv1.Postgresql) { pg.Spec.Env = backupEnv })
				st := statusPending
				st.Backup = &v1alpha1.BackupStatus{Location: "s3://pg-backups/spilo/wiki/homeplane-wiki-db/" + testUID + "/wal"}
				return &compose.Result{
					Resources:         wantResources(t, pg, resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            st,
					Conditions:        []compose.Condition{pending, protected},
				}
			},
		},
		"RestoreTimestampInUTCLetter": {
			reason:  "The operator wants a numeric zone offset, so Z is refused with a hint.",
			params:  map[string]any{"backup": minio, "restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00Z"}},
			wantErr: `spec.parameters.restore.timestamp: Invalid value: "2026-11-20T12:00:00Z": must be an RFC 3339 time after 1970 with a zone offset, e.g. 2026-11-20T12:00:00+01:00 (write +00:00, not Z)`,
		},
		"NameTooLong": {
			reason: "<teamId>-<claim> longer than the StatefulSet's revision label allows is refused with what to do instead.",
			claim:  "customer-relationship-management-quarterly-reporting-db",
			params: map[string]any{"teamId": "sales-ops"},
			wantErr: `metadata.name (of the claim, or of the namespaced composite): the database would be named "sales-ops-customer-relationship-management-quarterly-reporting-db", 65 characters, ` +
				`but the pods' controller-revision-hash label (<cluster>-, Kubernetes StatefulSet controller: the label is the ControllerRevision's name, <statefulset>-<hash of up to 10 characters> (pkg/controller/history)) allows at most 52: ` +
				`use a claim name of at most 42 characters or a shorter spec.parameters.teamId`,
		},
		"DowngradeAttempt": {
			reason:   "A lower version than the running cluster's is refused; nothing is changed.",
			params:   map[string]any{"version": "16"},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running")},
			wantErr:  "spec.parameters.version: cannot go from PostgreSQL 17 down to 16: a major version cannot be downgraded in place; restore into a new claim instead",
		},
		"ShrinkAttempt": {
			reason:   "A smaller volume than the running cluster's is refused.",
			params:   map[string]any{"storage": "4G"},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running")},
			wantErr:  "spec.parameters.storage: cannot shrink the volume from 5Gi to 4G: Kubernetes volumes can only grow (PersistentVolumeClaim spec.resources.requests.storage)",
		},
		"RenameAttempt": {
			reason:   "A teamId that would rename the running cluster is refused: it would be a new, empty database.",
			params:   map[string]any{"teamId": "wiki"},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running")},
			wantErr:  "spec.parameters.teamId: the database is named homeplane-wiki-db and cannot be renamed to wiki-wiki-db: that would be a new, empty database; keep the teamId",
		},
		"DeletionProtectionOff": {
			reason: "Without deletion protection there are no Usages and the claim says deleting it deletes the data.",
			params: map[string]any{"deletionProtection": false},
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources: wantResources(t, wantCluster(), resource.ReadyFalse, map[resource.Name]compose.Desired{
						"protect-postgresql": {}, "protect-claim": {},
					}),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            statusPending,
					Conditions:        []compose.Condition{pending, unprotected},
				}
			},
		},
		"SecretPresent": {
			reason: "Once running and the operator's Secret exists, the connection Secret and XR details carry the owner's credentials, " +
				"and the owner gets its own Secret too.",
			params:   map[string]any{},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running")},
			required: map[string]runtime.Object{"credentials-wiki-db": zalandoSecret()},
			want: func(t *testing.T) *compose.Result {
				st := statusPending
				st.Phase = "Running"
				return &compose.Result{
					Resources: wantResources(t, wantCluster(), resource.ReadyTrue, map[resource.Name]compose.Desired{
						"connection":         {Object: wantConnection(details), Ready: resource.ReadyTrue},
						"connection-wiki-db": {Object: wantRoleSecret("wiki-db.wiki-db.connection", roleDetailsWikiDB), Ready: resource.ReadyTrue},
					}),
					ConnectionDetails: details,
					Requirements:      requirement,
					Status:            st,
					Conditions: []compose.Condition{
						{Type: "Database", Status: metav1.ConditionTrue, Reason: "Available", Message: "PostgreSQL 17 is running."},
						protected,
					},
				}
			},
		},
		"SecretAbsent": {
			reason:   "Running without the operator's Secret yet: no connection Secret, and the claim says what it waits for.",
			params:   map[string]any{},
			observed: map[string]runtime.Object{"postgresql": runningCluster("Running")},
			want: func(t *testing.T) *compose.Result {
				st := statusPending
				st.Phase = "Running"
				return &compose.Result{
					Resources:         wantResources(t, wantCluster(), resource.ReadyTrue, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            st,
					Conditions: []compose.Condition{
						{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
							Message: "The cluster is running; waiting for the operator's Secret " + testSecret + "."},
						protected,
					},
				}
			},
		},
		"SecretGoneAfterwards": {
			reason: "If the operator's Secret cannot be read later, the connection Secrets composed before are kept, not deleted.",
			params: map[string]any{},
			observed: map[string]runtime.Object{
				"postgresql":         runningCluster("Running"),
				"connection":         wantConnection(details),
				"connection-wiki-db": wantRoleSecret("wiki-db.wiki-db.connection", roleDetailsWikiDB),
			},
			want: func(t *testing.T) *compose.Result {
				st := statusPending
				st.Phase = "Running"
				return &compose.Result{
					Resources: wantResources(t, wantCluster(), resource.ReadyTrue, map[resource.Name]compose.Desired{
						"connection":         {Object: wantConnection(details), Ready: resource.ReadyTrue},
						"connection-wiki-db": {Object: wantRoleSecret("wiki-db.wiki-db.connection", roleDetailsWikiDB), Ready: resource.ReadyTrue},
					}),
					ConnectionDetails: details,
					Requirements:      requirement,
					Status:            st,
					Conditions: []compose.Condition{
						{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
							Message: "The cluster is running; waiting for the operator's Secret " + testSecret + "."},
						protected,
					},
				}
			},
		},
		"OperatorFailed": {
			reason:   "A failed cluster is not ready, the condition says so in words and a warning event is emitted.",
			params:   map[string]any{},
			observed: map[string]runtime.Object{"postgresql": runningCluster("SyncFailed")},
			want: func(t *testing.T) *compose.Result {
				st := statusPending
				st.Phase = "SyncFailed"
				return &compose.Result{
					Resources:         wantResources(t, wantCluster(), resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      requirement,
					Status:            st,
					Conditions: []compose.Condition{
						{Type: "Database", Status: metav1.ConditionFalse, Reason: "Failed",
							Message: "The operator reports SyncFailed for postgresql homeplane-wiki-db: see its events (kubectl describe postgresql homeplane-wiki-db) and the operator's log."},
						protected,
					},
					Events: []compose.Event{{Severity: compose.SeverityWarning, Reason: "DatabaseFailed",
						Message: "The Zalando operator reports SyncFailed for postgresql homeplane-wiki-db"}},
				}
			},
		},
		"WrongType": {
			reason:  "A field of the wrong type is named.",
			params:  map[string]any{"instances": "three"},
			wantErr: "spec.parameters.instances: cannot be a string, must be an integer",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(t, tc.params, tc.observed, tc.required)
			if tc.claim != "" {
				req.ClaimName = tc.claim
			}
			got, err := NewComposer().Compose(context.Background(), req)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("%s\nCompose(): want error %q, got %v", tc.reason, tc.wantErr, err)
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
		})
	}
}

func BenchmarkCompose(b *testing.B) {
	req := request(b, map[string]any{"topology": "ha", "backup": map[string]any{
		"bucket": "pg-backups", "endpoint": "http://minio.storage.svc:9000", "credentialsSecretRef": map[string]any{"name": "minio"},
	}}, map[string]runtime.Object{"postgresql": runningCluster("Running")}, map[string]runtime.Object{"credentials-wiki-db": zalandoSecret()})
	c := NewComposer()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compose(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
