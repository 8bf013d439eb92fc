package postgres

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func TestCredentialsSecretName(t *testing.T) {
	if got, want := credentialsSecretName("orders_owner", "shop-db"), "orders-owner.shop-db.credentials.postgresql.acid.zalan.do"; got != want {
		t.Errorf("credentialsSecretName(): want %q, got %q", want, got)
	}
}

func TestConnectionDetailsWithPooler(t *testing.T) {
	req := &compose.Request{ClaimName: "shop", Namespace: "shop"}
	p := &params{PostgreSQLParameters: v1alpha1.PostgreSQLParameters{Databases: []v1alpha1.Database{{Name: "orders", Owner: "app"}}}, Cluster: "t-shop", Pooler: true}
	want := map[string][]byte{
		"host":       []byte("t-shop.shop.svc"),
		"port":       []byte("5432"),
		"database":   []byte("orders"),
		"username":   []byte("app"),
		"password":   []byte("pw"),
		"uri":        []byte("postgresql://app:pw@t-shop.shop.svc:5432/orders"),
		"jdbcUrl":    []byte("jdbc:postgresql://t-shop.shop.svc:5432/orders"),
		"poolerHost": []byte("t-shop-pooler.shop.svc"),
	}
	if diff := cmp.Diff(want, connectionDetails(req, p, []byte("app"), []byte("pw"))); diff != "" {
		t.Errorf("connectionDetails(): -want, +got:\n%s", diff)
	}
}

func TestRoleDetails(t *testing.T) {
	req := &compose.Request{ClaimName: "shop", Namespace: "shop"}
	r := role{Name: "report_ro", Database: "orders"}
	without := map[string][]byte{
		"host":     []byte("t-shop.shop.svc"),
		"port":     []byte("5432"),
		"database": []byte("orders"),
		"username": []byte("report_ro"),
		"password": []byte("p@ss/w?rd"),
		"uri":      []byte("postgresql://report_ro:p%40ss%2Fw%3Frd@t-shop.shop.svc:5432/orders?sslmode=require"),
		"jdbcUrl":  []byte("jdbc:postgresql://t-shop.shop.svc:5432/orders?sslmode=require"),
		"sslmode":  []byte("require"),
	}
	with := map[string][]byte{
		"poolerHost": []byte("t-shop-pooler.shop.svc"),
		"poolerUri":  []byte("postgresql://report_ro:p%40ss%2Fw%3Frd@t-shop-pooler.shop.svc:5432/orders?sslmode=require"),
	}
	for k, v := range without {
		with[k] = v
	}
	cases := map[string]struct {
		pooler bool
		want   map[string][]byte
	}{
		"PoolerOff": {pooler: false, want: without},
		"PoolerOn":  {pooler: true, want: with},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := &params{Cluster: "t-shop", Pooler: tc.pooler}
			if diff := cmp.Diff(tc.want, roleDetails(req, p, r, []byte("report_ro"), []byte("p@ss/w?rd"))); diff != "" {
				t.Errorf("roleDetails(): -want, +got:\n%s", diff)
			}
		})
	}
}

// TestRoleSecretNames: a role's Secret name is predictable, a DNS-1123
// subdomain at the longest claim and role, and distinct from every other
// (claim, role) of the namespace, from the claim's own connection Secret and
// from the operator's Secrets, also where dashes move between claim and
// role. Roles of one claim that differ only by '_' and '-' are refused
// (TestResolveRoles).
func TestRoleSecretNames(t *testing.T) {
	if got, want := roleSecretName("shop-db", "orders_owner"), "shop-db.orders-owner.connection"; got != want {
		t.Errorf("roleSecretName(shop-db, orders_owner): want %q, got %q", want, got)
	}
	longClaim := strings.Repeat("c", maxClusterNameLength-2) // teamId "t" and its dash
	longRole := strings.Repeat("r", v1alpha1.MaxNameLength)
	pairs := [][2]string{
		{"a", "b-c"}, {"a-b", "c"}, {"a", "b_d"}, {"a-b", "c-connection"}, {"a", "b-connection"},
		{"wiki-db", "wiki_db"}, {"wiki", "db-wiki-db"}, {longClaim, longRole}, {"x", "0"},
	}
	seen := map[string][2]string{}
	others := map[string]bool{}
	for _, p := range pairs {
		others[p[0]+"-postgresql"] = true
		others[credentialsSecretName(p[1], "t-"+p[0])] = true
	}
	for _, p := range pairs {
		n := roleSecretName(p[0], p[1])
		if msgs := validation.IsDNS1123Subdomain(n); len(msgs) > 0 {
			t.Errorf("roleSecretName(%s, %s) = %q: %v", p[0], p[1], n, msgs)
		}
		if o, ok := seen[n]; ok && o != p {
			t.Errorf("roleSecretName(%s, %s) = %q, the same as for %v", p[0], p[1], n, o)
		}
		if others[n] {
			t.Errorf("roleSecretName(%s, %s) = %q, the name of another Secret", p[0], p[1], n)
		}
		seen[n] = p
	}
	if n := len(roleSecretName(longClaim, longRole)); n > validation.DNS1123SubdomainMaxLength {
		t.Errorf("the longest name has %d characters", n)
	}
}

func TestResolveRoles(t *testing.T) {
	cases := map[string]struct {
		reason  string
		claim   string
		p       v1alpha1.PostgreSQLParameters
		want    []role
		wantErr string
	}{
		"OwnersThenUsers": {
			reason: "Owners come first in the order of databases, each once; a user gets the claim's first database; an owner that is also a user is one role.",
			p: v1alpha1.PostgreSQLParameters{
				Databases: []v1alpha1.Database{{Name: "orders", Owner: "orders_owner"}, {Name: "catalog", Owner: "catalog_owner"}, {Name: "archive", Owner: "orders_owner"}},
				Users:     []v1alpha1.User{{Name: "reporting"}, {Name: "orders_owner", Flags: []v1alpha1.UserFlag{"createdb"}}, {Name: "etl-job"}},
			},
			want: []role{
				{Name: "orders_owner", Database: "orders", Path: "spec.parameters.databases[0].owner", Secret: "shop-db.orders-owner.connection"},
				{Name: "catalog_owner", Database: "catalog", Path: "spec.parameters.databases[1].owner", Secret: "shop-db.catalog-owner.connection"},
				{Name: "reporting", Database: "orders", Path: "spec.parameters.users[0].name", Secret: "shop-db.reporting.connection"},
				{Name: "etl-job", Database: "orders", Path: "spec.parameters.users[2].name", Secret: "shop-db.etl-job.connection"},
			},
		},
		"UserTwinOfOwner": {
			reason: "Roles that differ only by '_' and '-' would share the operator's Secret: refused, naming both fields.",
			p: v1alpha1.PostgreSQLParameters{
				Databases: []v1alpha1.Database{{Name: "orders", Owner: "app_ro"}},
				Users:     []v1alpha1.User{{Name: "app-ro"}},
			},
			wantErr: `spec.parameters.users[0].name: Invalid value: "app-ro": differs from spec.parameters.databases[0].owner "app_ro" only by '_' and '-': ` +
				`the operator would write both roles' credentials to one Secret app-ro.t-shop-db.credentials.postgresql.acid.zalan.do (it turns '_' into '-'); rename one of them`,
		},
		"OwnerTwins": {
			reason: "Two owners that differ only by '_' and '-' are refused too.",
			p: v1alpha1.PostgreSQLParameters{
				Databases: []v1alpha1.Database{{Name: "a", Owner: "a-b_c"}, {Name: "b", Owner: "a_b-c"}},
			},
			wantErr: `spec.parameters.databases[1].owner: Invalid value: "a_b-c": differs from spec.parameters.databases[0].owner "a-b_c" only by '_' and '-'`,
		},
		"SecretNameTooLong": {
			reason: "A Secret name over 253 characters is refused, naming the role (no claim name the function accepts gets there).",
			claim:  strings.Repeat("c", 240),
			p:      v1alpha1.PostgreSQLParameters{Databases: []v1alpha1.Database{{Name: "d", Owner: "owner"}}},
			wantErr: `spec.parameters.databases[0].owner: Invalid value: "owner": the role's connection Secret would be named "` + strings.Repeat("c", 240) +
				`.owner.connection", which is not a DNS-1123 subdomain: must be no more than 253 characters`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			claim := tc.claim
			if claim == "" {
				claim = "shop-db"
			}
			p := &params{PostgreSQLParameters: tc.p, Cluster: "t-" + claim}
			got, err := resolveRoles(claim, p, false)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) || !compose.IsFieldError(err) {
					t.Fatalf("%s\nresolveRoles(): want a FieldError starting %q, got %v", tc.reason, tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nresolveRoles(): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nresolveRoles(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestResolveRolesTwinOfDefaultOwner: a user that differs from the default
// owner only by '_' and '-' is refused, and the error says the owner is the
// default one.
func TestResolveRolesTwinOfDefaultOwner(t *testing.T) {
	_, err := resolveClaim("wiki-db", v1alpha1.PostgreSQLParameters{Users: []v1alpha1.User{{Name: "wiki-db"}}})
	want := `spec.parameters.users[0].name: Invalid value: "wiki-db": differs from the default owner (named after the claim) "wiki_db" only by '_' and '-': ` +
		`the operator would write both roles' credentials to one Secret wiki-db.homeplane-wiki-db.credentials.postgresql.acid.zalan.do (it turns '_' into '-'); rename one of them`
	if err == nil || err.Error() != want {
		t.Errorf("resolveClaim(user wiki-db): want %q, got %v", want, err)
	}
}

// TestResolveRolesProperty: over random roles (few letters, so that '_'/'-'
// twins and repeats are common), resolveRoles either refuses with a
// FieldError naming a role field, or gives every distinct role exactly one
// Secret, all of distinct DNS-1123 subdomain names, whose operator Secrets
// are distinct too.
func TestResolveRolesProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 4))
	role := func() string {
		const inner = "ab_-"
		n := 1 + rng.IntN(4)
		b := make([]byte, n)
		for i := range b {
			b[i] = inner[rng.IntN(len(inner))]
		}
		b[0], b[n-1] = "ab"[rng.IntN(2)], "ab"[rng.IntN(2)]
		return string(b)
	}
	refused, accepted := 0, 0
	for range 2000 {
		p := &params{Cluster: "t-db"}
		for i := range 1 + rng.IntN(3) {
			p.Databases = append(p.Databases, v1alpha1.Database{Name: "d" + strconv.Itoa(i), Owner: role()})
		}
		for range rng.IntN(4) {
			p.Users = append(p.Users, v1alpha1.User{Name: role()})
		}
		got, err := resolveRoles("db", p, false)
		if err != nil {
			var fe *compose.FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Path, "spec.parameters.") || !strings.Contains(fe.Reason, "only by '_' and '-'") {
				t.Fatalf("resolveRoles(%+v): want a FieldError about twins, got %v", p.PostgreSQLParameters, err)
			}
			refused++
			continue
		}
		accepted++
		want := map[string]bool{}
		for _, d := range p.Databases {
			want[d.Owner] = true
		}
		for _, u := range p.Users {
			want[u.Name] = true
		}
		secrets, operator := map[string]bool{}, map[string]bool{}
		for _, r := range got {
			if !want[r.Name] || secrets[r.Secret] || operator[credentialsSecretName(r.Name, p.Cluster)] {
				t.Fatalf("resolveRoles(%+v): role %q unknown or its Secret shared: %+v", p.PostgreSQLParameters, r.Name, got)
			}
			if msgs := validation.IsDNS1123Subdomain(r.Secret); len(msgs) > 0 {
				t.Fatalf("resolveRoles(%+v): Secret %q: %v", p.PostgreSQLParameters, r.Secret, msgs)
			}
			delete(want, r.Name)
			secrets[r.Secret], operator[credentialsSecretName(r.Name, p.Cluster)] = true, true
		}
		if len(want) > 0 {
			t.Fatalf("resolveRoles(%+v): roles without a Secret: %v", p.PostgreSQLParameters, want)
		}
	}
	if refused == 0 || accepted == 0 {
		t.Fatalf("the property was not exercised both ways: %d refused, %d accepted", refused, accepted)
	}
}
