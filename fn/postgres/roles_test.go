package postgres

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// rolesParams are a claim with two databases, their owners and two users,
// one of which also owns a database.
func rolesParams(pooler bool) map[string]any {
	p := map[string]any{
		"databases": []any{map[string]any{"name": "wiki", "owner": "wiki_owner"}, map[string]any{"name": "media", "owner": "media_owner"}},
		"users":     []any{map[string]any{"name": "reporting"}, map[string]any{"name": "wiki_owner", "flags": []any{"createdb"}}},
	}
	if pooler {
		p["pooler"] = map[string]any{"enabled": true}
	}
	return p
}

// rolesCluster is the postgresql of rolesParams.
func rolesCluster(pooler bool, phase string) *acidv1.Postgresql {
	pg := wantCluster(func(pg *acidv1.Postgresql) {
		pg.Spec.Users = map[string]acidv1.UserFlags{"wiki_owner": {"createdb"}, "media_owner": {}, "reporting": {}}
		pg.Spec.Databases = map[string]string{"wiki": "wiki_owner", "media": "media_owner"}
		if pooler {
			pg.Spec.EnableConnectionPooler = ptr.To(true)
			pg.Spec.ConnectionPooler = &acidv1.ConnectionPooler{NumberOfInstances: ptr.To[int32](1), Mode: "transaction"}
		}
	})
	pg.Status.PostgresClusterStatus = phase
	return pg
}

// roleData is a role's Secret data, written out.
func roleData(role, db, password string, pooler bool) map[string][]byte {
	pw := url.PathEscape(password)
	d := map[string][]byte{
		"host":     []byte("homeplane-wiki-db.wiki.svc"),
		"port":     []byte("5432"),
		"database": []byte(db),
		"username": []byte(role),
		"password": []byte(password),
		"uri":      []byte("postgresql://" + role + ":" + pw + "@homeplane-wiki-db.wiki.svc:5432/" + db + "?sslmode=require"),
		"jdbcUrl":  []byte("jdbc:postgresql://homeplane-wiki-db.wiki.svc:5432/" + db + "?sslmode=require"),
		"sslmode":  []byte("require"),
	}
	if pooler {
		d["poolerHost"] = []byte("homeplane-wiki-db-pooler.wiki.svc")
		d["poolerUri"] = []byte("postgresql://" + role + ":" + pw + "@homeplane-wiki-db-pooler.wiki.svc:5432/" + db + "?sslmode=require")
	}
	return d
}

// ownerDetails are the claim's connection details for rolesParams: the
// first owner's, with the keys they always had.
func ownerDetails(pooler bool) map[string][]byte {
	d := map[string][]byte{
		"host":     []byte("homeplane-wiki-db.wiki.svc"),
		"port":     []byte("5432"),
		"database": []byte("wiki"),
		"username": []byte("wiki_owner"),
		"password": []byte("pw-wiki"),
		"uri":      []byte("postgresql://wiki_owner:pw-wiki@homeplane-wiki-db.wiki.svc:5432/wiki"),
		"jdbcUrl":  []byte("jdbc:postgresql://homeplane-wiki-db.wiki.svc:5432/wiki"),
	}
	if pooler {
		d["poolerHost"] = []byte("homeplane-wiki-db-pooler.wiki.svc")
	}
	return d
}

var (
	rolesRequirements = map[string]compose.Requirement{
		"credentials-wiki-owner":  {APIVersion: "v1", Kind: "Secret", Namespace: testNS, Name: "wiki-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do"},
		"credentials-media-owner": {APIVersion: "v1", Kind: "Secret", Namespace: testNS, Name: "media-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do"},
		"credentials-reporting":   {APIVersion: "v1", Kind: "Secret", Namespace: testNS, Name: "reporting.homeplane-wiki-db.credentials.postgresql.acid.zalan.do"},
	}
	rolesConnections = []v1alpha1.ConnectionStatus{
		{Role: "wiki_owner", Database: "wiki", SecretName: "wiki-db.wiki-owner.connection"},
		{Role: "media_owner", Database: "media", SecretName: "wiki-db.media-owner.connection"},
		{Role: "reporting", Database: "wiki", SecretName: "wiki-db.reporting.connection"},
	}
	available = compose.Condition{Type: "Database", Status: metav1.ConditionTrue, Reason: "Available", Message: "PostgreSQL 17 is running."}
)

// operatorSecrets are the operator's Secrets of rolesParams, by requirement.
func operatorSecrets() map[string]runtime.Object {
	return map[string]runtime.Object{
		"credentials-wiki-owner":  operatorSecret("wiki_owner", "pw-wiki"),
		"credentials-media-owner": operatorSecret("media_owner", "pw-media/+?"),
		"credentials-reporting":   operatorSecret("reporting", "pw-rep"),
	}
}

func rolesStatus(phase string, pooler bool) v1alpha1.XPostgreSQLStatus {
	st := v1alpha1.XPostgreSQLStatus{Phase: phase, Endpoint: "homeplane-wiki-db.wiki.svc", ClusterName: testCluster, Connections: rolesConnections}
	if pooler {
		st.PoolerEndpoint = "homeplane-wiki-db-pooler.wiki.svc"
	}
	return st
}

// TestComposeRoles: every owner and user gets its own connection Secret once
// the operator has written its credentials, and the claim's connection
// details stay the first owner's.
func TestComposeRoles(t *testing.T) {
	secret := func(name string, d map[string][]byte) compose.Desired {
		return compose.Desired{Object: wantRoleSecret(name, d), Ready: resource.ReadyTrue}
	}
	withSecrets := func(pooler bool, fns ...func(map[resource.Name]compose.Desired)) map[resource.Name]compose.Desired {
		r := map[resource.Name]compose.Desired{
			"connection":             {Object: wantConnection(ownerDetails(pooler)), Ready: resource.ReadyTrue},
			"connection-wiki-owner":  secret("wiki-db.wiki-owner.connection", roleData("wiki_owner", "wiki", "pw-wiki", pooler)),
			"connection-media-owner": secret("wiki-db.media-owner.connection", roleData("media_owner", "media", "pw-media/+?", pooler)),
			"connection-reporting":   secret("wiki-db.reporting.connection", roleData("reporting", "wiki", "pw-rep", pooler)),
		}
		for _, fn := range fns {
			fn(r)
		}
		return r
	}
	without := func(names ...resource.Name) func(map[resource.Name]compose.Desired) {
		return func(r map[resource.Name]compose.Desired) {
			for _, n := range names {
				r[n] = compose.Desired{}
			}
		}
	}

	cases := map[string]struct {
		reason   string
		params   map[string]any
		observed map[string]runtime.Object
		required map[string]runtime.Object
		want     func(t *testing.T) *compose.Result
		wantErr  string
	}{
		"PoolerOff": {
			reason:   "Each role's Secret connects to its first own database, a plain user's to the claim's first; the claim's details stay the first owner's.",
			params:   rolesParams(false),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(false, "Running")},
			required: operatorSecrets(),
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, rolesCluster(false, ""), resource.ReadyTrue, withSecrets(false)),
					ConnectionDetails: ownerDetails(false),
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Running", false),
					Conditions:        []compose.Condition{available, protected},
				}
			},
		},
		"PoolerOn": {
			reason:   "With the pooler on, every role's Secret also has poolerHost and poolerUri.",
			params:   rolesParams(true),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(true, "Running")},
			required: operatorSecrets(),
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, rolesCluster(true, ""), resource.ReadyTrue, withSecrets(true)),
					ConnectionDetails: ownerDetails(true),
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Running", true),
					Conditions:        []compose.Condition{available, protected},
				}
			},
		},
		"OneOperatorSecretMissing": {
			reason:   "A role whose operator Secret does not exist yet gets no Secret, not a placeholder, and the condition names what it waits for.",
			params:   rolesParams(false),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(false, "Running")},
			required: func() map[string]runtime.Object {
				r := operatorSecrets()
				delete(r, "credentials-media-owner")
				return r
			}(),
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, rolesCluster(false, ""), resource.ReadyTrue, withSecrets(false, without("connection-media-owner"))),
					ConnectionDetails: ownerDetails(false),
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Running", false),
					Conditions: []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
						Message: "The cluster is running; waiting for the operator's Secret media-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do."}, protected},
				}
			},
		},
		"OperatorSecretWithoutPassword": {
			reason:   "An operator Secret without a password is waited for like a missing one; the first owner's, so the claim gets no details either.",
			params:   rolesParams(false),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(false, "Running")},
			required: func() map[string]runtime.Object {
				r := operatorSecrets()
				s := operatorSecret("wiki_owner", "")
				r["credentials-wiki-owner"] = s
				return r
			}(),
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, rolesCluster(false, ""), resource.ReadyTrue, withSecrets(false, without("connection", "connection-wiki-owner"))),
					ConnectionDetails: map[string][]byte{},
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Running", false),
					Conditions: []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
						Message: "The cluster is running; waiting for the operator's Secret wiki-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do."}, protected},
				}
			},
		},
		"NothingYet": {
			reason:   "While the operator creates the cluster no Secret exists: every role's is asked for, none is composed.",
			params:   rolesParams(false),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(false, "Creating")},
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, rolesCluster(false, ""), resource.ReadyFalse, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Creating", false),
					Conditions: []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "Creating",
						Message: "The operator is creating the cluster."}, protected},
				}
			},
		},
		"AllMissingWhileRunning": {
			reason:   "Running without any operator Secret: the condition lists every Secret it waits for, in the order of roles.",
			params:   rolesParams(false),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(false, "Running")},
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources:         wantResources(t, rolesCluster(false, ""), resource.ReadyTrue, nil),
					ConnectionDetails: map[string][]byte{},
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Running", false),
					Conditions: []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
						Message: "The cluster is running; waiting for the operator's Secrets wiki-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do, " +
							"media-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do, reporting.homeplane-wiki-db.credentials.postgresql.acid.zalan.do."}, protected},
				}
			},
		},
		"KeptWhileOperatorSecretGone": {
			reason: "A role's Secret composed before is kept with its credentials while the operator's cannot be read, and follows the pooler being turned on.",
			params: rolesParams(true),
			observed: map[string]runtime.Object{
				"postgresql":           rolesCluster(true, "Running"),
				"connection-reporting": wantRoleSecret("wiki-db.reporting.connection", roleData("reporting", "wiki", "pw-rep", false)),
			},
			want: func(t *testing.T) *compose.Result {
				return &compose.Result{
					Resources: wantResources(t, rolesCluster(true, ""), resource.ReadyTrue,
						withSecrets(true, without("connection", "connection-wiki-owner", "connection-media-owner"))),
					ConnectionDetails: map[string][]byte{},
					Requirements:      rolesRequirements,
					Status:            rolesStatus("Running", true),
					Conditions: []compose.Condition{{Type: "Database", Status: metav1.ConditionFalse, Reason: "WaitingForCredentials",
						Message: "The cluster is running; waiting for the operator's Secrets wiki-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do, " +
							"media-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do, reporting.homeplane-wiki-db.credentials.postgresql.acid.zalan.do."}, protected},
				}
			},
		},
		"OperatorSecretElsewhere": {
			reason:   "An operator Secret that comes back from another namespace is never read: an error naming the requirement, not the data.",
			params:   rolesParams(false),
			observed: map[string]runtime.Object{"postgresql": rolesCluster(false, "Running")},
			required: func() map[string]runtime.Object {
				r := operatorSecrets()
				s := operatorSecret("reporting", "pw-rep")
				s.Namespace = "tenant-b"
				r["credentials-reporting"] = s
				return r
			}(),
			wantErr: `cannot read the operator's credentials Secret: required resource "credentials-reporting" is in namespace "tenant-b", not the claim's "wiki"`,
		},
		"RoleTwins": {
			reason:  "A user that differs from an owner only by '_' and '-' is a Fatal naming the field; nothing is composed.",
			params:  map[string]any{"databases": []any{map[string]any{"name": "wiki", "owner": "wiki_owner"}}, "users": []any{map[string]any{"name": "wiki-owner"}}},
			wantErr: `spec.parameters.users[0].name: Invalid value: "wiki-owner": differs from spec.parameters.databases[0].owner "wiki_owner" only by '_' and '-': the operator would write both roles' credentials to one Secret wiki-owner.homeplane-wiki-db.credentials.postgresql.acid.zalan.do (it turns '_' into '-'); rename one of them`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := NewComposer().Compose(context.Background(), request(t, tc.params, tc.observed, tc.required))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("%s\nCompose(): want error %q, got %v", tc.reason, tc.wantErr, err)
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

// TestComposeRolesStable: the next reconcile, which observes what the last
// one composed, composes the same, with the operator's Secrets and while
// they cannot be read.
func TestComposeRolesStable(t *testing.T) {
	for _, pooler := range []bool{false, true} {
		first, err := NewComposer().Compose(context.Background(),
			request(t, rolesParams(pooler), map[string]runtime.Object{"postgresql": rolesCluster(pooler, "Running")}, operatorSecrets()))
		if err != nil {
			t.Fatal(err)
		}
		observed := map[string]runtime.Object{"postgresql": rolesCluster(pooler, "Running")}
		for n, d := range first.Resources {
			if s, ok := d.Object.(*corev1.Secret); ok {
				observed[string(n)] = s
			}
		}
		if len(observed) != 5 {
			t.Fatalf("pooler %t: want the claim's and three roles' Secrets composed, got %d objects", pooler, len(observed))
		}
		again, err := NewComposer().Compose(context.Background(), request(t, rolesParams(pooler), observed, operatorSecrets()))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, again, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("pooler %t: the next reconcile differs: -first, +again:\n%s", pooler, diff)
		}
		gone, err := NewComposer().Compose(context.Background(), request(t, rolesParams(pooler), observed, nil))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first.Resources, gone.Resources, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("pooler %t: without the operator's Secrets the resources differ: -first, +gone:\n%s", pooler, diff)
		}
	}
}

// TestComposedNamesDistinct: no two objects of one kind that a claim with
// many roles composes share a name, and every Secret's name is a DNS-1123
// subdomain.
func TestComposedNamesDistinct(t *testing.T) {
	params := rolesParams(true)
	params["users"] = append(params["users"].([]any), map[string]any{"name": "postgresql"}, map[string]any{"name": "wiki_db"}, map[string]any{"name": "deny"})
	required := operatorSecrets()
	for _, r := range []string{"postgresql", "wiki_db", "deny"} {
		required["credentials-"+dashed(r)] = operatorSecret(r, "pw")
	}
	got, err := NewComposer().Compose(context.Background(), request(t, params, map[string]runtime.Object{"postgresql": rolesCluster(true, "Running")}, required))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]resource.Name{}
	secrets := 0
	for _, n := range slices.Sorted(maps.Keys(got.Resources)) {
		o := got.Resources[n].Object
		m, err := meta.Accessor(o)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		key := o.GetObjectKind().GroupVersionKind().Kind + "/" + m.GetName()
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s are both %s", other, n, key)
		}
		seen[key] = n
		if _, ok := o.(*corev1.Secret); ok {
			secrets++
			if msgs := validation.IsDNS1123Subdomain(m.GetName()); len(msgs) > 0 {
				t.Errorf("%s: Secret name %q: %v", n, m.GetName(), msgs)
			}
		}
	}
	if secrets != 7 {
		t.Errorf("want the claim's Secret and six roles', got %d Secrets", secrets)
	}
}
