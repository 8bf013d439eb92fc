// Package dnstest is a conformance suite every DNS backend client runs
// against a real server.
package dnstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
)

var (
	me    = dnsc.ResourceOwner("homeplane", "apps", "web")
	other = dnsc.Owner{ID: "other-cluster", Resource: "apps/web"}
	// Two tenants' resources of the same name under one control plane.
	tenantA = dnsc.ResourceOwner("homeplane", "tenant-a", "web")
	tenantB = dnsc.ResourceOwner("homeplane", "tenant-b", "web")
)

// outOfBandTXT writes a TXT set by hand (a marker of an earlier release).
func outOfBandTXT(t *testing.T, srv *testservers.DNS, name string, txt string) {
	t.Helper()
	OutOfBand(t, srv, &dnsc.Set{FQDN: name, Type: mdns.TypeTXT, TTL: 300, RRs: []mdns.RR{&mdns.TXT{
		Hdr: mdns.RR_Header{Name: name, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 300}, Txt: []string{txt}}}})
}

func assertMarker(t *testing.T, c dnsc.Client, zone string, s *dnsc.Set, o dnsc.Owner) {
	t.Helper()
	marker, err := c.Marker(context.Background(), zone, s.FQDN, s.Type)
	if err != nil || !dnsc.IsOurs(marker, o) {
		t.Fatalf("marker of %s = %q, %v; want %q", s.FQDN, marker, err, o.MarkerText())
	}
}

func mustSet(t *testing.T, zone, name, typ string, ttl uint32, recs ...string) *dnsc.Set {
	t.Helper()
	s, err := dnsc.ParseSet(zone, name, typ, ttl, recs)
	if err != nil {
		t.Fatalf("ParseSet(%s %s %v): %v", name, typ, recs, err)
	}
	return s
}

func get(t *testing.T, c dnsc.Client, zone string, s *dnsc.Set) *dnsc.Set {
	t.Helper()
	got, err := c.Get(context.Background(), zone, s.FQDN, s.Type)
	if err != nil {
		t.Fatalf("Get %s: %v", s.FQDN, err)
	}
	return got
}

func assertSet(t *testing.T, c dnsc.Client, zone string, want *dnsc.Set) {
	t.Helper()
	got := get(t, c, zone, want)
	if got == nil {
		t.Fatalf("%s %s: absent, want %v", want.FQDN, mdns.TypeToString[want.Type], want.Records())
	}
	if !got.Equal(want) {
		t.Fatalf("%s %s: got ttl %d %q, want ttl %d %q", want.FQDN, mdns.TypeToString[want.Type],
			got.TTL, got.Records(), want.TTL, want.Records())
	}
}

// MaxName is the longest name in text form with its final dot.
const MaxName = dnsc.MaxName + 1

// FQDN is name in zone, failing t on an invalid name.
func FQDN(t *testing.T, name, zone string) string {
	t.Helper()
	return mustSet(t, zone, name, "A", 0, "192.0.2.1").FQDN
}

// OutOfBand changes a set behind the client's back with a TSIG-signed
// UPDATE, the way another tool or a human with nsupdate would.
func OutOfBand(t *testing.T, srv *testservers.DNS, s *dnsc.Set) {
	t.Helper()
	m := new(mdns.Msg)
	m.SetUpdate(srv.Zone)
	m.RemoveRRset([]mdns.RR{&mdns.ANY{Hdr: mdns.RR_Header{Name: s.FQDN, Rrtype: s.Type, Class: mdns.ClassINET}}})
	m.Insert(s.RRs)
	m.SetTsig(srv.KeyName, mdns.HmacSHA256, 300, time.Now().Unix())
	c := &mdns.Client{Net: "tcp", TsigSecret: map[string]string{srv.KeyName: srv.Secret}}
	r, _, err := c.Exchange(m, srv.Addr)
	if err != nil || r.Rcode != mdns.RcodeSuccess {
		t.Fatalf("out-of-band update: %v %v", err, r)
	}
}

// Broken are clients of the backend under test that are each wrong in one
// way; nil where the backend cannot be wrong so (the API has no TSIG).
type Broken struct {
	// Secret is wrong: TSIG BADSIG, or the API key.
	Secret dnsc.Client
	// KeyName is a TSIG key the server does not know (BADKEY).
	KeyName dnsc.Client
	// Clock signs with a clock an hour ahead (BADTIME).
	Clock dnsc.Client
}

// Run exercises c against srv; bad are the broken clients.
func Run(t *testing.T, srv *testservers.DNS, c dnsc.Client, bad Broken) {
	ctx := context.Background()
	zone := srv.Zone

	t.Run("LifecycleA", func(t *testing.T) {
		s := mustSet(t, zone, "www", "A", 300, "192.0.2.1", "192.0.2.2")
		if got := get(t, c, zone, s); got != nil {
			t.Fatalf("set exists before create: %v", got.Records())
		}
		if err := c.Create(ctx, zone, *s, me, false); err != nil {
			t.Fatalf("Create: %v", err)
		}
		assertSet(t, c, zone, s)
		marker, err := c.Marker(ctx, zone, s.FQDN, s.Type)
		if err != nil || !dnsc.IsOurs(marker, me) {
			t.Fatalf("marker = %q, %v; want ours", marker, err)
		}
		if err := c.Create(ctx, zone, *s, me, false); !errors.Is(err, dnsc.ErrExists) {
			t.Fatalf("second Create: got %v, want ErrExists", err)
		}

		// Update in place, TTL change included.
		s2 := mustSet(t, zone, "www", "A", 600, "192.0.2.3")
		if err := c.Replace(ctx, zone, *s2, me, false); err != nil {
			t.Fatalf("Replace: %v", err)
		}
		assertSet(t, c, zone, s2)

		// Drift: someone edits the records; we put ours back.
		drift := mustSet(t, zone, "www", "A", 600, "198.51.100.9")
		OutOfBand(t, srv, drift)
		if got := get(t, c, zone, s2); got == nil || got.Equal(s2) {
			t.Fatalf("drift not visible: %v", got)
		}
		if err := c.Replace(ctx, zone, *s2, me, false); err != nil {
			t.Fatalf("Replace after drift: %v", err)
		}
		assertSet(t, c, zone, s2)

		// Another owner may neither replace nor delete it.
		if err := c.Replace(ctx, zone, *s, other, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Replace by other owner: got %v, want ErrNotOwned", err)
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, other, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Delete by other owner: got %v, want ErrNotOwned", err)
		}
		assertSet(t, c, zone, s2)

		if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if got := get(t, c, zone, s); got != nil {
			t.Fatalf("set still there after delete: %v", got.Records())
		}
		if marker, err := c.Marker(ctx, zone, s.FQDN, s.Type); err != nil || len(marker) != 0 {
			t.Fatalf("marker after delete = %q, %v", marker, err)
		}
	})

	// TTL 0 (RFC 2181 §8: "do not cache") and the largest TTL the CRD
	// allows, 2^31-1, are stored as given, and changes between them apply.
	t.Run("TTLBounds", func(t *testing.T) {
		for _, ttl := range []uint32{0, 2147483647, 0, 1} {
			s := mustSet(t, zone, "ttl", "A", ttl, "192.0.2.20")
			var err error
			if got := get(t, c, zone, s); got == nil {
				err = c.Create(ctx, zone, *s, me, false)
			} else {
				err = c.Replace(ctx, zone, *s, me, false)
			}
			if err != nil {
				t.Fatalf("TTL %d: %v", ttl, err)
			}
			assertSet(t, c, zone, s)
		}
		if err := c.Delete(ctx, zone, FQDN(t, "ttl", zone), mdns.TypeA, me, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	t.Run("ForeignSetNeedsAdopt", func(t *testing.T) {
		foreign := mustSet(t, zone, "legacy", "TXT", 300, `"made by hand"`)
		OutOfBand(t, srv, foreign)
		want := mustSet(t, zone, "legacy", "TXT", 300, `"managed now"`)
		if err := c.Replace(ctx, zone, *want, me, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Replace of a foreign set: got %v, want ErrNotOwned", err)
		}
		if err := c.Delete(ctx, zone, want.FQDN, want.Type, me, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Delete of a foreign set: got %v, want ErrNotOwned", err)
		}
		assertSet(t, c, zone, foreign)
		if err := c.Replace(ctx, zone, *want, me, true); err != nil {
			t.Fatalf("Replace with adopt: %v", err)
		}
		assertSet(t, c, zone, want)
		if err := c.Replace(ctx, zone, *want, me, false); err != nil {
			t.Fatalf("Replace after adopt: %v", err)
		}
		if err := c.Delete(ctx, zone, want.FQDN, want.Type, me, false); err != nil {
			t.Fatalf("Delete after adopt: %v", err)
		}
	})

	// Two tenants, one name: the second may not take the first's set,
	// with adopt or without.
	t.Run("OtherNamespaceCannotTakeOver", func(t *testing.T) {
		a := mustSet(t, zone, "shared", "A", 300, "192.0.2.10")
		b := mustSet(t, zone, "shared", "A", 300, "203.0.113.66")
		if err := c.Create(ctx, zone, *a, tenantA, false); err != nil {
			t.Fatalf("Create by tenant-a: %v", err)
		}
		if err := c.Create(ctx, zone, *b, tenantB, false); !errors.Is(err, dnsc.ErrExists) {
			t.Fatalf("Create by tenant-b: got %v, want ErrExists", err)
		}
		if err := c.Replace(ctx, zone, *b, tenantB, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Replace by tenant-b: got %v, want ErrNotOwned", err)
		}
		if err := c.Create(ctx, zone, *b, tenantB, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("Create with adopt by tenant-b: got %v, want ErrOwnedByOther", err)
		}
		if err := c.Replace(ctx, zone, *b, tenantB, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("Replace with adopt by tenant-b: got %v, want ErrOwnedByOther", err)
		}
		if err := c.Delete(ctx, zone, b.FQDN, b.Type, tenantB, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Delete by tenant-b: got %v, want ErrNotOwned", err)
		}
		assertSet(t, c, zone, a)
		assertMarker(t, c, zone, a, tenantA)
		// The owner still manages it; adopting its own set is a no-op check.
		a2 := mustSet(t, zone, "shared", "A", 300, "192.0.2.11")
		if err := c.Replace(ctx, zone, *a2, tenantA, true); err != nil {
			t.Fatalf("Replace with adopt by the owner: %v", err)
		}
		if err := c.Create(ctx, zone, *a2, tenantA, true); err != nil {
			t.Fatalf("Create with adopt by the owner: %v", err)
		}
		assertSet(t, c, zone, a2)
		if err := c.Delete(ctx, zone, a.FQDN, a.Type, tenantA, false); err != nil {
			t.Fatalf("Delete by tenant-a: %v", err)
		}
	})

	// Namespace and name are not glued ambiguously: a-b/c and a/b-c differ.
	t.Run("OwnerIsInjective", func(t *testing.T) {
		ab := dnsc.ResourceOwner("homeplane", "a-b", "c")
		bc := dnsc.ResourceOwner("homeplane", "a", "b-c")
		if ab.MarkerText() == bc.MarkerText() {
			t.Fatalf("same marker %q", ab.MarkerText())
		}
		s := mustSet(t, zone, "abc", "A", 300, "192.0.2.12")
		if err := c.Create(ctx, zone, *s, ab, false); err != nil {
			t.Fatalf("Create: %v", err)
		}
		if err := c.Replace(ctx, zone, *s, bc, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Replace by a/b-c: got %v, want ErrNotOwned", err)
		}
		if err := c.Replace(ctx, zone, *s, bc, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("adopt by a/b-c: got %v, want ErrOwnedByOther", err)
		}
		assertMarker(t, c, zone, s, ab)
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, ab, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	// A marker written by an earlier release (the literal text it wrote)
	// still makes its resource the owner, and nobody else.
	t.Run("EarlierMarkerStillOwned", func(t *testing.T) {
		s := mustSet(t, zone, "old", "A", 300, "192.0.2.13")
		OutOfBand(t, srv, s)
		outOfBandTXT(t, srv, "_homeplane-a."+s.FQDN,
			"heritage=homeplane,homeplane/owner=homeplane,homeplane/resource=tenant-a/old")
		owner := dnsc.ResourceOwner("homeplane", "tenant-a", "old")
		if err := c.Replace(ctx, zone, *s, dnsc.ResourceOwner("homeplane", "tenant-b", "old"), true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("adopt by tenant-b: got %v, want ErrOwnedByOther", err)
		}
		s2 := mustSet(t, zone, "old", "A", 300, "192.0.2.14")
		if err := c.Replace(ctx, zone, *s2, owner, false); err != nil {
			t.Fatalf("Replace by the owner named in the earlier marker: %v", err)
		}
		assertSet(t, c, zone, s2)
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, owner, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	// Names as users write them: an internationalised name is stored as its
	// A-label (IDNA Lookup profile), whatever its case.
	t.Run("InternationalName", func(t *testing.T) {
		for _, tc := range []struct{ name, ascii string }{
			{"bücher", "xn--bcher-kva"},
			{"BÜCHER.Shop", "xn--bcher-kva.shop"},
			{"straße", "xn--strae-oqa"},
			{"_dmarc.bücher", "_dmarc.xn--bcher-kva"},
		} {
			s := mustSet(t, zone, tc.name, "TXT", 300, `"idn"`)
			if want := tc.ascii + "." + zone; s.FQDN != want {
				t.Fatalf("%s: FQDN %q, want %q", tc.name, s.FQDN, want)
			}
			if err := c.Create(ctx, zone, *s, me, false); err != nil {
				t.Fatalf("Create %s: %v", tc.name, err)
			}
			if got := srv.Records(s.FQDN, mdns.TypeTXT); len(got) != 1 || got[0] != `"idn"` {
				t.Fatalf("%s: the server holds %q at %s", tc.name, got, s.FQDN)
			}
			assertMarker(t, c, zone, s, me)
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
				t.Fatalf("Delete %s: %v", tc.name, err)
			}
		}
	})

	// Names inside the data are converted too: a CNAME, MX, SRV or PTR target
	// written "bücher" is served as its A-label, which is what a resolver
	// follows.
	t.Run("InternationalTargets", func(t *testing.T) {
		for _, tc := range []struct{ typ, data, want string }{
			{"CNAME", "Bücher", "xn--bcher-kva." + zone},
			{"MX", "10 mail.bücher.example.", "10 mail.xn--bcher-kva.example."},
			{"SRV", "0 5 5222 xmpp.straße.example.", "0 5 5222 xmpp.xn--strae-oqa.example."},
			{"PTR", "host.bücher.example.", "host.xn--bcher-kva.example."},
		} {
			s := mustSet(t, zone, "idn-"+strings.ToLower(tc.typ), tc.typ, 300, tc.data)
			if err := c.Create(ctx, zone, *s, me, false); err != nil {
				t.Fatalf("Create %s %s: %v", tc.typ, tc.data, err)
			}
			if got := srv.Records(s.FQDN, s.Type); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("%s %s: the server holds %q, want %q", tc.typ, tc.data, got, tc.want)
			}
			assertSet(t, c, zone, s)
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
				t.Fatalf("Delete %s: %v", tc.typ, err)
			}
		}
		if _, err := dnsc.ParseSet(zone, "idn-bad", "CNAME", 300, []string{"a\u200db"}); err == nil {
			t.Fatal("a target IDNA refuses (a joiner outside a joining context) was accepted")
		}
	})

	// Every name DNS allows works, the marker included: a 253-character name
	// (its marker moves to the zone, hashed) and a 63-octet label.
	t.Run("LongestNames", func(t *testing.T) {
		// A relative name that makes name.zone exactly 253 characters.
		rest := dnsc.MaxName - len(zone)
		var labels []string
		for i := 0; rest > 0; i++ {
			n := min(dnsc.MaxLabel, rest)
			if rest-n == 1 { // never leave room for an empty label
				n--
			}
			labels = append(labels, strings.Repeat(string(rune('a'+i)), n))
			rest -= n + 1
		}
		long := strings.Join(labels, ".")
		for _, name := range []string{long, strings.Repeat("x", dnsc.MaxLabel)} {
			s := mustSet(t, zone, name, "CNAME", 300, "www")
			if name == long && len(s.FQDN) != MaxName {
				t.Fatalf("test name is %d characters long", len(s.FQDN))
			}
			if err := c.Create(ctx, zone, *s, me, false); err != nil {
				t.Fatalf("Create %d-character name: %v", len(s.FQDN)-1, err)
			}
			assertSet(t, c, zone, s)
			assertMarker(t, c, zone, s, me)
			s2 := mustSet(t, zone, name, "CNAME", 60, "ns1")
			if err := c.Replace(ctx, zone, *s2, other, false); !errors.Is(err, dnsc.ErrNotOwned) {
				t.Fatalf("Replace by another owner: got %v, want ErrNotOwned", err)
			}
			if err := c.Replace(ctx, zone, *s2, me, false); err != nil {
				t.Fatalf("Replace: %v", err)
			}
			assertSet(t, c, zone, s2)
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if got := get(t, c, zone, s); got != nil {
				t.Fatalf("still there: %v", got.Records())
			}
		}
		// One more character, or a 64-octet label, is refused before sending.
		for _, name := range []string{"b" + long, strings.Repeat("x", dnsc.MaxLabel+1)} {
			if _, err := dnsc.ParseSet(zone, name, "A", 300, []string{"192.0.2.1"}); !errors.Is(err, dnsc.ErrNameTooLong) {
				t.Fatalf("ParseSet of a %d-character name: got %v, want ErrNameTooLong", len(name), err)
			}
		}
	})

	// The longest namespace and name make a marker text above 255 octets;
	// it is split into several strings and still tells owners apart.
	t.Run("LongOwner", func(t *testing.T) {
		ns := strings.Repeat("n", 63)
		long := dnsc.ResourceOwner("control-plane-"+strings.Repeat("i", 40), ns, strings.Repeat("r", 252)+"1")
		near := dnsc.ResourceOwner("control-plane-"+strings.Repeat("i", 40), ns, strings.Repeat("r", 252)+"2")
		if n := len(long.MarkerText()); n <= dnsc.MaxString {
			t.Fatalf("marker text is only %d octets", n)
		}
		s := mustSet(t, zone, "long-owner", "A", 300, "192.0.2.30")
		if err := c.Create(ctx, zone, *s, long, false); err != nil {
			t.Fatalf("Create: %v", err)
		}
		assertMarker(t, c, zone, s, long)
		if err := c.Replace(ctx, zone, *s, near, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Replace by an owner differing in the last octet: got %v, want ErrNotOwned", err)
		}
		if err := c.Replace(ctx, zone, *s, near, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("adopt by an owner differing in the last octet: got %v, want ErrOwnedByOther", err)
		}
		if err := c.Replace(ctx, zone, *s, long, false); err != nil {
			t.Fatalf("Replace by the owner: %v", err)
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, long, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	// An owner ID is free text: quotes, backslashes and non-ASCII octets
	// survive the round trip through the server.
	t.Run("OwnerIDAnyOctets", func(t *testing.T) {
		odd := dnsc.ResourceOwner(`ACME "ops" \ Müller`, "apps", "web")
		s := mustSet(t, zone, "odd-owner", "A", 300, "192.0.2.31")
		if err := c.Create(ctx, zone, *s, odd, false); err != nil {
			t.Fatalf("Create: %v", err)
		}
		assertMarker(t, c, zone, s, odd)
		if err := c.Replace(ctx, zone, *s, me, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("adopt by another owner: got %v, want ErrOwnedByOther", err)
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, odd, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	// A wildcard's marker sits beside it, where every backend can write it.
	t.Run("WildcardSet", func(t *testing.T) {
		for _, typ := range []string{"CNAME", "A"} {
			rec := map[string]string{"CNAME": "www", "A": "192.0.2.40"}[typ]
			s := mustSet(t, zone, "*.apps", typ, 300, rec)
			if err := c.Create(ctx, zone, *s, me, false); err != nil {
				t.Fatalf("Create *.apps %s: %v", typ, err)
			}
			assertSet(t, c, zone, s)
			assertMarker(t, c, zone, s, me)
			marker := "_homeplane-" + strings.ToLower(typ) + "-wildcard.apps." + zone
			if got := srv.Records(marker, mdns.TypeTXT); len(got) != 1 {
				t.Fatalf("marker at %s: %q", marker, got)
			}
			if err := c.Replace(ctx, zone, *s, other, false); !errors.Is(err, dnsc.ErrNotOwned) {
				t.Fatalf("Replace by another owner: got %v, want ErrNotOwned", err)
			}
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if got := srv.Records(marker, mdns.TypeTXT); len(got) != 0 {
				t.Fatalf("marker left at %s: %q", marker, got)
			}
		}
	})

	// A wildcard answers queries for names that do not exist (RFC 4592);
	// such an answer is not a set: the name can be created, and nothing at
	// the wildcard changes.
	t.Run("WildcardAnswerIsNotASet", func(t *testing.T) {
		wild := []*dnsc.Set{
			mustSet(t, zone, "*.wc", "A", 300, "192.0.2.60"),
			mustSet(t, zone, "*.wc", "TXT", 300, `"wildcard text"`),
			mustSet(t, zone, "*.cn", "CNAME", 300, "www"),
			// A real name with a wildcard below it.
			mustSet(t, zone, "both", "A", 300, "192.0.2.62"),
			mustSet(t, zone, "*.both", "A", 300, "192.0.2.63"),
			// A name that exists only because something is below it.
			mustSet(t, zone, "x.ent.wc", "A", 300, "192.0.2.64"),
		}
		for _, s := range wild {
			OutOfBand(t, srv, s)
		}
		for _, tc := range []struct {
			name, typ   string
			synthesized bool
		}{
			{"shop.wc", "A", true},
			{"deep.shop.wc", "A", true},
			{"shop.wc", "TXT", true},
			{"_homeplane-a.shop.wc", "TXT", true},
			{"*.sub.wc", "A", true}, // a wildcard's name that does not exist
			{"shop.cn", "CNAME", true},
			{"*.wc", "A", false},
			{"*.cn", "CNAME", false},
			{"both", "A", false},
			{"*.both", "A", false},
			{"x.ent.wc", "A", false},
		} {
			s := mustSet(t, zone, tc.name, tc.typ, 300, map[string]string{"A": "192.0.2.1", "TXT": `"t"`, "CNAME": "www"}[tc.typ])
			got := get(t, c, zone, s)
			if got == nil {
				if !tc.synthesized {
					t.Fatalf("%s %s: absent", tc.name, tc.typ)
				}
				continue // the backend lists stored records only
			}
			synth, err := c.Synthesized(ctx, zone, s.FQDN, s.Type)
			if err != nil || synth != tc.synthesized {
				t.Fatalf("Synthesized(%s %s) = %v, %v; want %v", tc.name, tc.typ, synth, err, tc.synthesized)
			}
		}
		// ent.wc exists (empty non-terminal): no wildcard answers there.
		if got := get(t, c, zone, mustSet(t, zone, "ent.wc", "A", 300, "192.0.2.1")); got != nil {
			t.Fatalf("ent.wc answered %v", got.Records())
		}
		// The name the wildcard answered for can be created, then is real.
		s := mustSet(t, zone, "shop.wc", "A", 300, "192.0.2.61")
		if err := c.Create(ctx, zone, *s, me, false); err != nil {
			t.Fatalf("Create under a wildcard: %v", err)
		}
		assertSet(t, c, zone, s)
		if synth, err := c.Synthesized(ctx, zone, s.FQDN, s.Type); err != nil || synth {
			t.Fatalf("Synthesized after Create = %v, %v", synth, err)
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		// The wildcard answers again; it was never touched.
		if got := get(t, c, zone, s); got != nil && !slices.Equal(got.Records(), []string{"192.0.2.60"}) {
			t.Fatalf("after Delete shop.wc answers %v", got.Records())
		}
		assertSet(t, c, zone, wild[0])
	})

	// A delegation (zone cut): its NS set and the glue for its in-zone name
	// server are the parent's and managed like any set, though servers
	// answer for them with a referral. Other names below the cut are not
	// served; RFC 2136 clients say so instead of writing there.
	t.Run("ZoneCut", func(t *testing.T) {
		ns := mustSet(t, zone, "deleg", "NS", 300, "ns1.deleg", "ns.example.net.")
		glue := mustSet(t, zone, "ns1.deleg", "A", 300, "192.0.2.80")
		glue6 := mustSet(t, zone, "ns1.deleg", "AAAA", 300, "2001:db8::80")
		for _, s := range []*dnsc.Set{ns, glue, glue6} {
			if err := c.Create(ctx, zone, *s, me, false); err != nil {
				t.Fatalf("Create %s %s: %v", s.FQDN, mdns.TypeToString[s.Type], err)
			}
			assertSet(t, c, zone, s)
			if synth, err := c.Synthesized(ctx, zone, s.FQDN, s.Type); err != nil || synth {
				t.Fatalf("Synthesized(%s) = %v, %v", s.FQDN, synth, err)
			}
			if err := c.Replace(ctx, zone, *s, other, false); !errors.Is(err, dnsc.ErrNotOwned) {
				t.Fatalf("Replace by another owner: got %v, want ErrNotOwned", err)
			}
		}
		glue2 := mustSet(t, zone, "ns1.deleg", "A", 60, "192.0.2.81")
		if err := c.Replace(ctx, zone, *glue2, me, false); err != nil {
			t.Fatalf("Replace glue: %v", err)
		}
		assertSet(t, c, zone, glue2)
		if bad.KeyName != nil { // RFC 2136 reads what the server serves
			below := mustSet(t, zone, "www.deleg", "A", 300, "192.0.2.82")
			if _, err := c.Get(ctx, zone, below.FQDN, below.Type); !errors.Is(err, dnsc.ErrBelowZoneCut) ||
				!strings.Contains(err.Error(), ns.FQDN) {
				t.Fatalf("Get below the cut: got %v, want ErrBelowZoneCut naming %s", err, ns.FQDN)
			}
		}
		for _, s := range []*dnsc.Set{ns, glue} {
			if ours, err := c.Owns(ctx, zone, s.FQDN, s.Type, me); err != nil || !ours {
				t.Fatalf("Owns(%s) = %v, %v; want ours though the server does not serve the marker", s.FQDN, ours, err)
			}
			if ours, err := c.Owns(ctx, zone, s.FQDN, s.Type, other); err != nil || ours {
				t.Fatalf("Owns(%s) by another owner = %v, %v", s.FQDN, ours, err)
			}
		}
		for _, s := range []*dnsc.Set{glue, glue6, ns} {
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
				t.Fatalf("Delete %s %s: %v", s.FQDN, mdns.TypeToString[s.Type], err)
			}
		}
		if got := get(t, c, zone, ns); got != nil {
			t.Fatalf("delegation still there: %v", got.Records())
		}

		// A hand-made delegation is adopted once, stays ours, and nobody
		// else takes it: its marker is below the cut.
		hand := mustSet(t, zone, "hand-deleg", "NS", 300, "ns.example.net.")
		OutOfBand(t, srv, hand)
		if ours, err := c.Owns(ctx, zone, hand.FQDN, hand.Type, me); err != nil || ours {
			t.Fatalf("Owns of an unmarked delegation = %v, %v", ours, err)
		}
		for i := range 2 {
			if err := c.Replace(ctx, zone, *hand, me, true); err != nil {
				t.Fatalf("adopt %d: %v", i, err)
			}
		}
		if ours, err := c.Owns(ctx, zone, hand.FQDN, hand.Type, me); err != nil || !ours {
			t.Fatalf("Owns after adopting = %v, %v", ours, err)
		}
		if err := c.Replace(ctx, zone, *hand, other, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("adopt by another owner: got %v, want ErrOwnedByOther", err)
		}
		if err := c.Delete(ctx, zone, hand.FQDN, hand.Type, me, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	// An internationalised NS target is sent as its A-label. The server
	// answers for a delegation with a referral, so the check reads the
	// authority section (and the marker, below the cut, by Owns).
	t.Run("InternationalNSTarget", func(t *testing.T) {
		s := mustSet(t, zone, "idn-ns", "NS", 300, "ns.Bücher.example.", "ns2.straße.example.")
		if err := c.Create(ctx, zone, *s, me, false); err != nil {
			t.Fatalf("Create: %v", err)
		}
		want := []string{"ns.xn--bcher-kva.example.", "ns2.xn--strae-oqa.example."}
		if got := referral(t, srv, s.FQDN); !slices.Equal(got, want) {
			t.Fatalf("the server refers to %q, want %q", got, want)
		}
		assertSet(t, c, zone, s)
		if ours, err := c.Owns(ctx, zone, s.FQDN, s.Type, me); err != nil || !ours {
			t.Fatalf("Owns = %v, %v", ours, err)
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := dnsc.ParseSet(zone, "idn-ns", "NS", 300, []string{`ns.b\195\188cher.example.`}); !errors.Is(err, dnsc.ErrNameForm) {
			t.Fatalf("an NS target of escaped octets: got %v, want ErrNameForm", err)
		}
	})

	// Escapes are refused, so a name has one text: the hostile-tenant cases
	// of issue 19's review, each of which took over a victim's set on every
	// backend while ParseSet accepted escapes.
	t.Run("EscapedNamesRefused", func(t *testing.T) {
		victim := tenantA
		www := mustSet(t, zone, "esc-www", "A", 300, "192.0.2.1")
		wc := mustSet(t, zone, "*.esc-apps", "A", 300, "192.0.2.2")
		lbl := strings.Repeat("a", 63)
		long := lbl + "." + lbl + "." + lbl + "."
		// "_homeplane-a.<long>.<zone>" just fits: the marker is not hashed.
		long += strings.Repeat("b", MaxName-len("_homeplane-a.")-len(zone)-len(long)-1)
		longSet := mustSet(t, zone, long, "A", 300, "192.0.2.3")
		for _, s := range []*dnsc.Set{www, wc, longSet} {
			if err := c.Create(ctx, zone, *s, victim, false); err != nil {
				t.Fatalf("Create %s: %v", s.FQDN, err)
			}
		}
		i := strings.Index(long, "b")
		for _, tc := range []struct{ name, typ, data string }{
			{`\095homeplane-a.esc-www`, "TXT", `"` + tenantB.MarkerText() + `"`}, // the victim's marker
			{`\095HOMEPLANE-a.esc-www`, "TXT", `"` + tenantB.MarkerText() + `"`},
			{`\042.esc-apps`, "A", "203.0.113.2"},                // the victim's wildcard
			{long[:i] + `\098` + long[i+1:], "A", "203.0.113.3"}, // the long name, hashed differently
			{`esc\-www`, "A", "203.0.113.4"},
		} {
			s, err := dnsc.ParseSet(zone, tc.name, tc.typ, 300, []string{tc.data})
			if errors.Is(err, dnsc.ErrNameForm) {
				continue
			}
			if err == nil {
				err = c.Create(ctx, zone, *s, tenantB, true)
			}
			t.Errorf("ParseSet(%q) accepted (%v; adopt by another tenant: %v), want ErrNameForm", tc.name, s, err)
		}
		// Written plainly, each is refused as another's.
		for _, s := range []*dnsc.Set{mustSet(t, zone, "*.esc-apps", "A", 300, "203.0.113.2"), mustSet(t, zone, long, "A", 300, "203.0.113.3")} {
			if err := c.Create(ctx, zone, *s, tenantB, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
				t.Fatalf("adopt %s by another tenant: got %v, want ErrOwnedByOther", s.FQDN, err)
			}
		}
		for _, s := range []*dnsc.Set{www, wc, longSet} {
			assertSet(t, c, zone, s)
			if ours, err := c.Owns(ctx, zone, s.FQDN, s.Type, victim); err != nil || !ours {
				t.Fatalf("%s no longer the victim's: %v, %v", s.FQDN, ours, err)
			}
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, victim, false); err != nil {
				t.Fatalf("Delete %s: %v", s.FQDN, err)
			}
		}
	})

	// Before a delegation is made, what lies at and below its name is read:
	// another tenant's sets and markers there would be handed to the
	// delegation's name servers.
	t.Run("ForeignBelowDelegation", func(t *testing.T) {
		victim := dnsc.ResourceOwner("homeplane", "victim", "shop")
		sibling := dnsc.ResourceOwner("homeplane", "victim", "glue") // same namespace
		// A 253-character name below: its marker is hashed at the apex.
		lbl := strings.Repeat("c", 63)
		deep := lbl + "." + lbl + "." + lbl + "." + strings.Repeat("d", MaxName-3*64-len(".fb-shop.")-len(zone)) + ".fb-shop"
		sets := []*dnsc.Set{
			mustSet(t, zone, "www.fb-shop", "A", 300, "192.0.2.1"),
			mustSet(t, zone, "*.fb-shop", "TXT", 300, `"hi"`),
			mustSet(t, zone, "fb-shop", "MX", 300, "10 mail.example."),
			mustSet(t, zone, deep, "A", 300, "192.0.2.2"),
		}
		if _, err := dnsc.MarkerName(zone, sets[3].FQDN, sets[3].Type); err != nil {
			t.Fatal(err)
		}
		for _, s := range sets {
			if err := c.Create(ctx, zone, *s, victim, false); err != nil {
				t.Fatalf("Create %s: %v", s.FQDN, err)
			}
		}
		shop := FQDN(t, "fb-shop", zone)
		foreign, complete, err := c.ForeignBelow(ctx, zone, shop, tenantB)
		if err != nil {
			t.Fatalf("ForeignBelow: %v", err)
		}
		t.Logf("complete=%v foreign=%q", complete, foreign)
		wantSeen := []string{"fb-shop." + strings.TrimSuffix(zone, ".") + "/MX"}
		if complete {
			wantSeen = append(wantSeen, "www.fb-shop."+strings.TrimSuffix(zone, ".")+"/A",
				strings.TrimSuffix(sets[3].FQDN, ".")+"/A", "*.fb-shop."+strings.TrimSuffix(zone, ".")+"/TXT")
		} else {
			wantSeen = []string{"marker _homeplane-mx.fb-shop." + strings.TrimSuffix(zone, "."),
				"marker _homeplane-txt-wildcard.fb-shop." + strings.TrimSuffix(zone, ".")}
		}
		for _, w := range wantSeen {
			if !slices.Contains(foreign, w) {
				t.Errorf("ForeignBelow(%s) = %q, missing %q", shop, foreign, w)
			}
		}
		for _, o := range []dnsc.Owner{victim, sibling} {
			if f, _, err := c.ForeignBelow(ctx, zone, shop, o); err != nil || len(f) > 0 {
				t.Errorf("ForeignBelow for the owner's own namespace = %q, %v; want none", f, err)
			}
		}
		if f, _, err := c.ForeignBelow(ctx, zone, FQDN(t, "fb-free", zone), tenantB); err != nil || len(f) > 0 {
			t.Errorf("ForeignBelow of an unused name = %q, %v; want none", f, err)
		}
		// An unmarked (hand-made) set is no one's.
		hand := mustSet(t, zone, "x.fb-hand", "A", 300, "192.0.2.9")
		OutOfBand(t, srv, hand)
		if f, _, err := c.ForeignBelow(ctx, zone, FQDN(t, "fb-hand", zone), tenantB); err != nil || len(f) > 0 {
			t.Errorf("ForeignBelow over an unmarked set = %q, %v; want none", f, err)
		}
		for _, s := range sets {
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, victim, false); err != nil {
				t.Fatalf("Delete %s: %v", s.FQDN, err)
			}
		}
	})

	// A wildcard marked by an earlier release at "_homeplane-a.*.<parent>"
	// (RFC 2136 servers took it) stays its owner's; the next write moves the
	// marker (RFC 2136 removes the old one; the API cannot name it).
	t.Run("EarlierWildcardMarker", func(t *testing.T) {
		s := mustSet(t, zone, "*.old-wild", "A", 300, "192.0.2.41")
		legacy := "_homeplane-a." + s.FQDN
		OutOfBand(t, srv, s)
		outOfBandTXT(t, srv, legacy, tenantA.MarkerText())
		assertMarker(t, c, zone, s, tenantA)
		if err := c.Replace(ctx, zone, *s, tenantB, true); !errors.Is(err, dnsc.ErrOwnedByOther) {
			t.Fatalf("adopt by tenant-b: got %v, want ErrOwnedByOther", err)
		}
		if err := c.Replace(ctx, zone, *s, tenantB, false); !errors.Is(err, dnsc.ErrNotOwned) {
			t.Fatalf("Replace by tenant-b: got %v, want ErrNotOwned", err)
		}
		s2 := mustSet(t, zone, "*.old-wild", "A", 300, "192.0.2.42")
		if err := c.Replace(ctx, zone, *s2, tenantA, false); err != nil {
			t.Fatalf("Replace by the owner: %v", err)
		}
		assertSet(t, c, zone, s2)
		assertMarker(t, c, zone, s2, tenantA)
		if bad.KeyName != nil { // RFC 2136
			if got := srv.Records(legacy, mdns.TypeTXT); len(got) != 0 {
				t.Fatalf("earlier marker left at %s: %q", legacy, got)
			}
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, tenantA, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})

	t.Run("Types", func(t *testing.T) {
		for _, s := range []*dnsc.Set{
			mustSet(t, zone, "@", "TXT", 300, `"v=spf1 -all"`, `"two words" "and more"`),
			mustSet(t, zone, "@", "MX", 300, "10 ns1", "20 mail2.example.net."),
			mustSet(t, zone, "v6", "AAAA", 300, "2001:db8::1"),
			mustSet(t, zone, "alias", "CNAME", 300, "www"),
			mustSet(t, zone, "_imaps._tcp", "SRV", 300, "0 1 993 ns1"),
			mustSet(t, zone, "sub", "NS", 300, "ns1.example.net."),
			mustSet(t, zone, "1", "PTR", 300, "host.example.net."),
			mustSet(t, zone, "@", "CAA", 300, `0 issue "letsencrypt.org"`),
		} {
			name := mdns.TypeToString[s.Type]
			if err := c.Create(ctx, zone, *s, me, false); err != nil {
				t.Fatalf("Create %s: %v", name, err)
			}
			assertSet(t, c, zone, s)
			if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
				t.Fatalf("Delete %s: %v", name, err)
			}
			if got := get(t, c, zone, s); got != nil {
				t.Fatalf("%s still there: %v", name, got.Records())
			}
		}
	})

	// Each way of being refused has its own error. PowerDNS answers REFUSED
	// (updates) or NOTAUTH without a TSIG error (queries) to every key
	// problem, so there the error names all of them.
	refused := func(t *testing.T, what string, err error, want error, detail string) {
		t.Helper()
		t.Logf("%s: %v", what, err)
		if srv.Kind == "powerdns" && !errors.Is(want, dnsc.ErrNotAuthoritative) && bad.KeyName != nil {
			if !errors.Is(err, dnsc.ErrRefused) && !errors.Is(err, dnsc.ErrAuth) ||
				!strings.Contains(err.Error(), "wrong, unknown or clock-skewed key") {
				t.Fatalf("%s: got %v, want ErrRefused or ErrAuth naming the key", what, err)
			}
			return
		}
		if !errors.Is(err, want) || !strings.Contains(err.Error(), detail) {
			t.Fatalf("%s: got %v, want %v with %q", what, err, want, detail)
		}
	}
	for _, k := range []struct {
		name   string
		c      dnsc.Client
		want   error
		detail string
	}{
		{"WrongSecret", bad.Secret, dnsc.ErrAuth, "BADSIG"},
		{"UnknownKeyName", bad.KeyName, dnsc.ErrAuth, "BADKEY"},
		{"ClockSkew", bad.Clock, dnsc.ErrClockSkew, "NTP"},
	} {
		if k.c == nil {
			continue
		}
		if bad.KeyName == nil { // the API: a wrong key is HTTP 401
			k.detail = "401"
		}
		t.Run(k.name, func(t *testing.T) {
			s := mustSet(t, zone, "nokey", "A", 300, "192.0.2.7")
			refused(t, "Create", k.c.Create(ctx, zone, *s, me, false), k.want, k.detail)
			if got := get(t, c, zone, s); got != nil {
				t.Fatalf("write landed: %v", got.Records())
			}
			// Observe reads with the same key, so it shows up there too.
			_, err := k.c.Get(ctx, zone, s.FQDN, s.Type)
			refused(t, "Get", err, k.want, k.detail)
		})
	}

	// A zone the server does not serve is not a key problem.
	t.Run("WrongZone", func(t *testing.T) {
		elsewhere := "elsewhere.invalid."
		s := mustSet(t, elsewhere, "www", "A", 300, "192.0.2.8")
		_, err := c.Get(ctx, elsewhere, s.FQDN, s.Type)
		refused(t, "Get", err, dnsc.ErrNotAuthoritative, elsewhere)
		refused(t, "Create", c.Create(ctx, elsewhere, *s, me, false), dnsc.ErrNotAuthoritative, elsewhere)
		// A zone below the served one: the server answers queries from its
		// parent but refuses updates.
		sub := "sub." + zone
		s = mustSet(t, sub, "www", "A", 300, "192.0.2.8")
		refused(t, "Create in a subzone", c.Create(ctx, sub, *s, me, false), dnsc.ErrNotAuthoritative, sub)
	})

	// An update policy that denies the name: REFUSED, not a key problem.
	if srv.Locked != "" {
		t.Run("PolicyRefusal", func(t *testing.T) {
			s := mustSet(t, zone, "www."+srv.Locked, "A", 300, "192.0.2.9")
			err := c.Create(ctx, zone, *s, me, false)
			if !errors.Is(err, dnsc.ErrRefused) || errors.Is(err, dnsc.ErrAuth) {
				t.Fatalf("Create under %s: got %v, want ErrRefused", srv.Locked, err)
			}
		})
	}

	// BIND refuses more than 100 records per name and type with a bare
	// SERVFAIL, which the error explains; Knot and PowerDNS take them.
	t.Run("ManyRecords", func(t *testing.T) {
		recs := make([]string, 0, 101)
		for i := range 101 {
			recs = append(recs, fmt.Sprintf("10.0.%d.%d", i/200, i%200+1))
		}
		s := mustSet(t, zone, "many", "A", 300, recs[:100]...)
		if err := c.Create(ctx, zone, *s, me, false); err != nil {
			t.Fatalf("Create with 100 records: %v", err)
		}
		assertSet(t, c, zone, s)
		more := mustSet(t, zone, "many", "A", 300, recs...)
		err := c.Replace(ctx, zone, *more, me, false)
		if srv.Kind == "bind" {
			if !errors.Is(err, dnsc.ErrServerFailure) || !strings.Contains(err.Error(), "max-records-per-type") {
				t.Fatalf("Replace with 101 records: got %v, want ErrServerFailure naming max-records-per-type", err)
			}
			assertSet(t, c, zone, s)
		} else {
			if err != nil {
				t.Fatalf("Replace with 101 records: %v", err)
			}
			assertSet(t, c, zone, more)
		}
		if err := c.Delete(ctx, zone, s.FQDN, s.Type, me, false); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})
}

// referral is the NS targets the server refers to for the delegation at
// name (authority section of an unsigned query).
func referral(t *testing.T, srv *testservers.DNS, name string) []string {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(name, mdns.TypeNS)
	r, _, err := (&mdns.Client{Net: "tcp", Timeout: 5 * time.Second}).Exchange(m, srv.Addr)
	if err != nil {
		t.Fatalf("query %s NS: %v", name, err)
	}
	var out []string
	for _, rr := range append(r.Answer, r.Ns...) {
		if ns, ok := rr.(*mdns.NS); ok && strings.EqualFold(ns.Hdr.Name, name) {
			out = append(out, ns.Ns)
		}
	}
	slices.Sort(out)
	return out
}
