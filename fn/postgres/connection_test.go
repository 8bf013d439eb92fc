package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"

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
