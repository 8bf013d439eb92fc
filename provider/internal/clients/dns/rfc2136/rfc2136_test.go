package rfc2136

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/dnstest"
)

func clients(t *testing.T, srv *testservers.DNS) (*Client, dnstest.Broken) {
	t.Helper()
	good := Config{Server: srv.Addr, KeyName: srv.KeyName, Algorithm: srv.Algo, Secret: srv.Secret}
	client := func(cfg Config) *Client {
		t.Helper()
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	secret, name, clock := good, good, good
	secret.Secret = base64.StdEncoding.EncodeToString([]byte("not-the-right-secret-at-all-0123"))
	name.KeyName = "nobody-knows-this-key."
	clock.Now = func() time.Time { return time.Now().Add(time.Hour) }
	return client(good), dnstest.Broken{Secret: client(secret), KeyName: client(name), Clock: client(clock)}
}

func TestBIND(t *testing.T) {
	t.Parallel()
	srv := testservers.BIND(t, "bind.test")
	c, bad := clients(t, srv)
	dnstest.Run(t, srv, c, bad)
}

func TestKnot(t *testing.T) {
	t.Parallel()
	srv := testservers.Knot(t, "knot.test")
	c, bad := clients(t, srv)
	dnstest.Run(t, srv, c, bad)
}

func TestPowerDNS(t *testing.T) {
	t.Parallel()
	srv := testservers.PowerDNS(t, "pdns.test")
	c, bad := clients(t, srv)
	dnstest.Run(t, srv, c, bad)
}

// Observe must cost one query per set.
func TestGetIsOneQuery(t *testing.T) {
	t.Parallel()
	srv := testservers.BIND(t, "one.test")
	c, _ := clients(t, srv)
	s, err := dnsc.ParseSet(srv.Zone, "x", "A", 300, []string{"192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	before := c.Queries()
	if _, err := c.Get(context.Background(), srv.Zone, s.FQDN, s.Type); err != nil {
		t.Fatal(err)
	}
	if n := c.Queries() - before; n != 1 {
		t.Fatalf("Get sent %d queries, want 1", n)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{Server: "x:53", KeyName: "k", Secret: "c2VjcmV0", Algorithm: "hmac-md5"}); err == nil {
		t.Fatal("hmac-md5 accepted")
	}
	if _, err := New(Config{KeyName: "k", Secret: "c2VjcmV0"}); err == nil {
		t.Fatal("missing server accepted")
	}
}
