package powerdns

import (
	"context"
	"testing"

	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/dnstest"
)

func TestPowerDNSAPI(t *testing.T) {
	srv := testservers.PowerDNS(t, "api.test")
	c, err := New(Config{URL: srv.APIURL, APIKey: srv.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := New(Config{URL: srv.APIURL, APIKey: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	dnstest.Run(t, srv, c, dnstest.Broken{Secret: bad})

	s, err := dnsc.ParseSet(srv.Zone, "count", "A", 300, []string{"192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	before := c.Requests()
	if _, err := c.Get(context.Background(), srv.Zone, s.FQDN, s.Type); err != nil {
		t.Fatal(err)
	}
	if n := c.Requests() - before; n != 1 {
		t.Fatalf("Get sent %d requests, want 1", n)
	}
}
