package recordset

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	mdns "github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/dnstest"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/powerdns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/rfc2136"
)

func recordSet(zone, name string, typ v1alpha1.RecordType, ttl int64, recs ...string) *v1alpha1.RecordSet {
	return &v1alpha1.RecordSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "rs-" + strings.ToLower(name)},
		Spec: v1alpha1.RecordSetSpec{ForProvider: v1alpha1.RecordSetParameters{
			Zone: zone, Name: name, Type: typ, TTL: &ttl, Records: recs,
		}},
	}
}

func TestExternalAgainstBIND(t *testing.T) {
	srv := testservers.BIND(t, "ctl.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	owner := dnsc.Owner{ID: "homeplane", Resource: "apps/rs-www"}
	e := NewExternal(cl, owner)
	ctx := context.Background()

	cr := recordSet("ctl.test", "www", "A", 300, "192.0.2.10")
	if err := InitExternalName(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if got := meta.GetExternalName(cr); got != "www.ctl.test/A" {
		t.Fatalf("external name %q", got)
	}

	obs, err := e.Observe(ctx, cr)
	if err != nil || obs.ResourceExists {
		t.Fatalf("Observe before create: %+v %v", obs, err)
	}
	if _, err := e.Create(ctx, cr); err != nil {
		t.Fatalf("Create: %v", err)
	}
	// As the managed reconciler records after a successful Create; a set
	// the resource created is observed with one query.
	meta.SetExternalCreateSucceeded(cr, time.Now())
	q := cl.Queries()
	obs, err = e.Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Fatalf("Observe after create: %+v %v", obs, err)
	}
	if n := cl.Queries() - q; n != 1 {
		t.Fatalf("Observe sent %d queries, want 1", n)
	}

	// Spec change: more records and a new TTL are applied in place.
	cr.Spec.ForProvider.Records = []string{"192.0.2.10", "192.0.2.11"}
	ttl := int64(120)
	cr.Spec.ForProvider.TTL = &ttl
	if obs, _ = e.Observe(ctx, cr); obs.ResourceUpToDate {
		t.Fatal("spec change not detected")
	}
	if _, err := e.Update(ctx, cr); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceUpToDate {
		t.Fatalf("after Update: %+v %v", obs, err)
	}
	if got := cr.Status.AtProvider; *got.TTL != 120 || !slices.Equal(got.Records, []string{"192.0.2.10", "192.0.2.11"}) {
		t.Fatalf("atProvider = %+v", got)
	}

	// Drift is detected and put back.
	drift, _ := dnsc.ParseSet(srv.Zone, "www", "A", 120, []string{"203.0.113.1"})
	dnstest.OutOfBand(t, srv, drift)
	if obs, _ = e.Observe(ctx, cr); obs.ResourceUpToDate {
		t.Fatal("drift not detected")
	}
	if _, err := e.Update(ctx, cr); err != nil {
		t.Fatalf("Update after drift: %v", err)
	}
	if obs, _ = e.Observe(ctx, cr); !obs.ResourceUpToDate {
		t.Fatal("drift not repaired")
	}

	// Delete.
	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	if _, err := e.Delete(ctx, cr); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if obs, err = e.Observe(ctx, cr); err != nil || obs.ResourceExists {
		t.Fatalf("after Delete: %+v %v", obs, err)
	}
}

func TestForeignSetIsNeverTouched(t *testing.T) {
	srv := testservers.BIND(t, "foreign.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := NewExternal(cl, dnsc.Owner{ID: "homeplane", Resource: "apps/rs-mail"})
	foreign, _ := dnsc.ParseSet(srv.Zone, "mail", "A", 300, []string{"192.0.2.25"})
	dnstest.OutOfBand(t, srv, foreign)

	// Observe-only adoption: the existing set is reported as is.
	cr := recordSet("foreign.test", "mail", "A", 300, "192.0.2.99")
	obs, err := e.Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("Observe foreign: %+v %v", obs, err)
	}
	if got := cr.Status.AtProvider.Records; !slices.Equal(got, []string{"192.0.2.25"}) {
		t.Fatalf("atProvider.records = %v", got)
	}
	// Without adopt an update is refused with a clear error.
	if _, err := e.Update(ctx, cr); !errors.Is(err, dnsc.ErrNotOwned) {
		t.Fatalf("Update foreign: got %v, want ErrNotOwned", err)
	}
	// Deleting the resource leaves the foreign set and reports it gone.
	now := metav1.Now()
	cr.SetDeletionTimestamp(&now)
	if obs, err = e.Observe(ctx, cr); err != nil || obs.ResourceExists {
		t.Fatalf("Observe foreign while deleting: %+v %v", obs, err)
	}
	if _, err := e.Delete(ctx, cr); err != nil {
		t.Fatalf("Delete foreign: %v", err)
	}
	if got, _ := cl.Get(ctx, srv.Zone, foreign.FQDN, foreign.Type); got == nil || !got.Equal(foreign) {
		t.Fatalf("foreign set changed: %v", got)
	}

	// adopt: true takes it over.
	cr.SetDeletionTimestamp(nil)
	cr.Spec.ForProvider.Adopt = true
	if _, err := e.Update(ctx, cr); err != nil {
		t.Fatalf("Update with adopt: %v", err)
	}
	if obs, _ = e.Observe(ctx, cr); !obs.ResourceUpToDate {
		t.Fatal("adopted set not up to date")
	}
}

func TestSilentlyIgnoredUpdateIsAnError(t *testing.T) {
	srv := testservers.BIND(t, "cname.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := dnsc.ParseSet(srv.Zone, "both", "A", 300, []string{"192.0.2.1"})
	dnstest.OutOfBand(t, srv, a)
	// BIND answers NOERROR to a CNAME beside an A record but ignores it.
	cr := recordSet("cname.test", "both", "CNAME", 300, "elsewhere.example.net.")
	e := NewExternal(cl, dnsc.Owner{ID: "homeplane", Resource: "apps/rs-both"})
	if _, err := e.Create(ctx, cr); err == nil || !strings.Contains(err.Error(), errNotApplied) {
		t.Fatalf("Create of a CNAME beside an A: got %v, want %q", err, errNotApplied)
	}
}

// Names as users write them: the set lives at the A-label, status says so,
// and an external name written before IDNA support still matches.
func TestInternationalNameAgainstBIND(t *testing.T) {
	srv := testservers.BIND(t, "idn.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := NewExternal(cl, dnsc.ResourceOwner("homeplane", "apps", "rs-bücher"))
	cr := recordSet("idn.test", "Bücher", "A", 300, "192.0.2.50")
	if err := InitExternalName(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if got := meta.GetExternalName(cr); got != "xn--bcher-kva.idn.test/A" {
		t.Fatalf("external name %q", got)
	}
	if _, err := e.Create(ctx, cr); err != nil {
		t.Fatalf("Create: %v", err)
	}
	meta.SetExternalName(cr, "bücher.idn.test/A") // as an earlier release wrote it
	obs, err := e.Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Fatalf("Observe: %+v %v", obs, err)
	}
	if got := cr.Status.AtProvider.FQDN; got != "xn--bcher-kva.idn.test." {
		t.Fatalf("atProvider.fqdn = %q", got)
	}
	if got := srv.Records("xn--bcher-kva.idn.test.", 1); !slices.Equal(got, []string{"192.0.2.50"}) {
		t.Fatalf("BIND holds %q", got)
	}
}

// An earlier release sent "bücher" raw; Knot and PowerDNS stored it. The
// upgrade moves the set to its A-label and leaves nothing behind, and never
// touches a raw set someone else marked.
func TestUnicodeSetOfEarlierRelease(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB, string) *testservers.DNS
	}{{"Knot", testservers.Knot}, {"PowerDNS", testservers.PowerDNS}, {"BIND", testservers.BIND}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t, "raw.test")
			cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			owner := dnsc.ResourceOwner("homeplane", "apps", "rs-bücher")
			raw := func(name string, o dnsc.Owner) {
				a := &mdns.A{Hdr: mdns.RR_Header{Name: name + ".raw.test.", Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 300},
					A: net.ParseIP("192.0.2.90")}
				m := dnsc.MarkerRRAt("_homeplane-a."+a.Hdr.Name, 300, o)
				up := new(mdns.Msg)
				up.SetUpdate(srv.Zone)
				up.Insert([]mdns.RR{a, m})
				up.SetTsig(srv.KeyName, mdns.HmacSHA256, 300, time.Now().Unix())
				c := &mdns.Client{Net: "tcp", TsigSecret: map[string]string{srv.KeyName: srv.Secret}}
				if r, _, err := c.Exchange(up, srv.Addr); err != nil || r.Rcode != mdns.RcodeSuccess && srv.Kind != "bind" {
					t.Fatalf("raw update: %v %v", err, r)
				}
			}
			raw("bücher", owner)
			raw("straße", dnsc.ResourceOwner("homeplane", "apps", "someone-else"))
			e := NewExternal(cl, owner)
			for _, name := range []string{"bücher", "straße"} {
				cr := recordSet("raw.test", name, "A", 300, "192.0.2.91")
				if _, err := e.Create(ctx, cr); err != nil {
					t.Fatalf("Create %s: %v", name, err)
				}
			}
			// Ours moved; the other's stayed (BIND never stored either).
			stored := func(fqdn string) bool {
				m := dnsc.MarkerRRAt("x.", 0, owner) // any RR: the prerequisite is "name in use"
				up := new(mdns.Msg)
				up.SetUpdate(srv.Zone)
				m.Hdr.Name = fqdn
				up.NameUsed([]mdns.RR{m})
				up.SetTsig(srv.KeyName, mdns.HmacSHA256, 300, time.Now().Unix())
				c := &mdns.Client{Net: "tcp", TsigSecret: map[string]string{srv.KeyName: srv.Secret}}
				r, _, err := c.Exchange(up, srv.Addr)
				return err == nil && r.Rcode == mdns.RcodeSuccess
			}
			if stored("bücher.raw.test.") || stored("_homeplane-a.bücher.raw.test.") {
				t.Fatal("the raw set of this resource is still there")
			}
			if want := srv.Kind != "bind"; stored("straße.raw.test.") != want {
				t.Fatalf("someone else's raw set stored = %v, want %v", !want, want)
			}
		})
	}
}

// A name under a wildcard: created rather than taken for the wildcard's
// set, and recreated when set and marker are deleted behind our back.
func TestUnderWildcardAgainstKnot(t *testing.T) {
	srv := testservers.Knot(t, "wild.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wildcard, _ := dnsc.ParseSet(srv.Zone, "*", "A", 300, []string{"198.51.100.2"})
	dnstest.OutOfBand(t, srv, wildcard)
	e := NewExternal(cl, dnsc.ResourceOwner("homeplane", "apps", "rs-shop"))
	cr := recordSet("wild.test", "shop", "A", 300, "192.0.2.95")
	for i := range 2 {
		obs, err := e.Observe(ctx, cr)
		if err != nil || obs.ResourceExists {
			t.Fatalf("round %d: Observe under a wildcard: %+v %v; want absent", i, obs, err)
		}
		if _, err := e.Create(ctx, cr); err != nil {
			t.Fatalf("round %d: Create: %v", i, err)
		}
		meta.SetExternalCreateSucceeded(cr, time.Now())
		if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceExists || !obs.ResourceUpToDate {
			t.Fatalf("round %d: Observe after Create: %+v %v", i, obs, err)
		}
		// Someone deletes the set and its marker; the wildcard answers.
		for _, name := range []string{"shop.wild.test.", "_homeplane-a.shop.wild.test."} {
			m := new(mdns.Msg)
			m.SetUpdate(srv.Zone)
			m.RemoveName([]mdns.RR{&mdns.ANY{Hdr: mdns.RR_Header{Name: name, Rrtype: mdns.TypeANY, Class: mdns.ClassANY}}})
			m.SetTsig(srv.KeyName, mdns.HmacSHA256, 300, time.Now().Unix())
			c := &mdns.Client{Net: "tcp", TsigSecret: map[string]string{srv.KeyName: srv.Secret}}
			if r, _, err := c.Exchange(m, srv.Addr); err != nil || r.Rcode != mdns.RcodeSuccess {
				t.Fatalf("out-of-band delete: %v %v", err, r)
			}
		}
	}
}

// An adopted delegation converges: its marker sits below the zone cut,
// where the server does not answer, and is checked by prerequisite.
func TestAdoptedDelegationConverges(t *testing.T) {
	srv := testservers.BIND(t, "deleg.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns, _ := dnsc.ParseSet(srv.Zone, "sub", "NS", 300, []string{"ns.example.net."})
	dnstest.OutOfBand(t, srv, ns)
	e := NewExternal(cl, dnsc.ResourceOwner("homeplane", "apps", "rs-sub")).WithDelegations()
	cr := recordSet("deleg.test", "sub", "NS", 300, "ns.example.net.")
	cr.Spec.ForProvider.Adopt = true
	obs, err := e.Observe(ctx, cr)
	if err != nil || !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("Observe before adopting: %+v %v", obs, err)
	}
	if _, err := e.Update(ctx, cr); err != nil {
		t.Fatalf("Update (adopt): %v", err)
	}
	for i := range 2 {
		if obs, err = e.Observe(ctx, cr); err != nil || !obs.ResourceUpToDate {
			t.Fatalf("Observe %d after adopting: %+v %v; want up to date", i, obs, err)
		}
	}
}

func TestInvalidSpec(t *testing.T) {
	e := NewExternal(nil, dnsc.Owner{})
	longZone := strings.Repeat(strings.Repeat("z", 60)+".", 4) + "test"
	for _, cr := range []*v1alpha1.RecordSet{
		// No room for the ownership marker, even hashed under the zone.
		recordSet(longZone, "x", "A", 300, "192.0.2.1"),
		recordSet("x.test", strings.Repeat("l", 64), "A", 300, "192.0.2.1"),
		recordSet("x.test", "a\u200db", "A", 300, "192.0.2.1"),
		// The apex's NS set and a CNAME at the apex.
		recordSet("x.test", "@", "NS", 300, "ns.example.net."),
		recordSet("x.test", "x.test.", "CNAME", 300, "www.example.net."),
		recordSet("x.test", "www", "A", 300, "not-an-ip"),
		recordSet("x.test", "www", "MX", 300, "mail"),
		recordSet("x.test", "www", "CNAME", 300, "a", "b"),
		recordSet("x.test", "www.other.test.", "A", 300, "192.0.2.1"),
		// Escapes: one name, one text (issue 19's review).
		recordSet("x.test", `\095homeplane-a.www`, "TXT", 300, `"heritage=homeplane"`),
		recordSet("x.test", "_homeplane-a.www", "TXT", 300, `"heritage=homeplane"`),
		recordSet("x.test", `\042.apps`, "A", 300, "192.0.2.1"),
		recordSet("x.test", `b\195\188cher`, "A", 300, "192.0.2.1"),
		recordSet("x.test", "www", "CNAME", 300, `b\195\188cher.example.`),
		recordSet(`x\.test`, "www", "A", 300, "192.0.2.1"),
	} {
		if _, err := e.Observe(context.Background(), cr); err == nil || !strings.Contains(err.Error(), errSpec) {
			t.Errorf("%v: got %v, want %q", cr.Spec.ForProvider.Records, err, errSpec)
		}
	}
	cr := recordSet("x.test", "www", "A", 300, "192.0.2.1")
	meta.SetExternalName(cr, "other.x.test/A")
	if _, err := e.Observe(context.Background(), cr); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mismatched external name: %v", err)
	}
}

// A delegation is the provider config's choice (allowDelegations), and even
// then never made over another tenant's names: a tenant's "shop NS
// ns.attacker.example." would hand the victim's www.shop to the attacker's
// server.
func TestDelegationNeedsKnobAndFreeNames(t *testing.T) {
	for _, kind := range []string{"bind", "knot", "pdns"} {
		t.Run(kind, func(t *testing.T) {
			srv := dnsServer(t, kind, "dlg.test")
			cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			victim := NewExternal(cl, dnsc.ResourceOwner("homeplane", "victim", "www"))
			www := recordSet("dlg.test", "www.shop", "A", 300, "192.0.2.1")
			if _, err := victim.Create(ctx, www); err != nil {
				t.Fatal(err)
			}

			evil := NewExternal(cl, dnsc.ResourceOwner("homeplane", "evil", "x"))
			evil.knob = "ClusterProviderConfig dns: spec.rfc2136.allowDelegations"
			ns := recordSet("dlg.test", "shop", "NS", 300, "ns.attacker.example.")
			if _, err := evil.Create(ctx, ns); !errors.Is(err, dnsc.ErrDelegationNotAllowed) ||
				!strings.Contains(err.Error(), "spec.rfc2136.allowDelegations") {
				t.Fatalf("delegation without the knob: got %v, want ErrDelegationNotAllowed naming the knob", err)
			}
			ns.Spec.ForProvider.Adopt = true
			if _, err := evil.Update(ctx, ns); !errors.Is(err, dnsc.ErrDelegationNotAllowed) {
				t.Fatalf("delegation without the knob through Update: got %v", err)
			}
			evil.WithDelegations()
			// PowerDNS refuses the test key a zone transfer: what is below
			// cannot be listed there, and that refuses too.
			_, err = evil.Create(ctx, ns)
			switch {
			case errors.Is(err, dnsc.ErrDelegationOverOthers) && strings.Contains(err.Error(), "www.shop.dlg.test"):
			case kind == "pdns" && errors.Is(err, dnsc.ErrDelegationUnverifiable):
			default:
				t.Fatalf("delegation over another tenant's set: got %v, want ErrDelegationOverOthers naming it", err)
			}
			if got, err := cl.Get(ctx, "dlg.test.", "www.shop.dlg.test.", mdns.TypeA); err != nil || got == nil {
				t.Fatalf("the victim's set is no longer served: %v %v", got, err)
			}
			// Over names no one else holds, an allowed delegation is made.
			free := recordSet("dlg.test", "free", "NS", 300, "ns.example.net.")
			if _, err := evil.Create(ctx, free); err != nil {
				t.Fatalf("delegation over free names: %v", err)
			}
			if obs, err := evil.Observe(ctx, free); err != nil || !obs.ResourceUpToDate {
				t.Fatalf("Observe the delegation: %+v %v", obs, err)
			}
			// Its own delegation is updated without listing what is below.
			free.Spec.ForProvider.Records = []string{"ns.example.net.", "ns2.example.net."}
			if _, err := evil.Update(ctx, free); err != nil {
				t.Fatalf("Update the delegation: %v", err)
			}
			// The apex NS set stays refused whatever the knob says.
			apex := recordSet("dlg.test", "@", "NS", 300, "ns.example.net.")
			if _, err := evil.Create(ctx, apex); !errors.Is(err, dnsc.ErrApex) {
				t.Fatalf("apex NS: got %v", err)
			}
		})
	}
}

// A delegation's glue (an A/AAAA set at its in-zone name server) is where
// resolvers are sent for every name the delegation covers: another tenant
// cannot write it, the delegation's own tenant can.
func TestGlueIsTheDelegationOwners(t *testing.T) {
	for _, kind := range []string{"bind", "knot", "pdns", "pdns-api"} {
		t.Run(kind, func(t *testing.T) {
			srv := dnsServer(t, strings.TrimSuffix(kind, "-api"), "glue.test")
			var cl dnsc.Client
			var err error
			if kind == "pdns-api" {
				cl, err = powerdns.New(powerdns.Config{URL: srv.APIURL, APIKey: srv.APIKey})
			} else {
				cl, err = rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			victim := NewExternal(cl, dnsc.ResourceOwner("homeplane", "victim", "shop")).WithDelegations()
			ns := recordSet("glue.test", "shop", "NS", 300, "ns1.shop.glue.test.")
			if _, err := victim.Create(ctx, ns); err != nil {
				t.Fatal(err)
			}
			evil := NewExternal(cl, dnsc.ResourceOwner("homeplane", "evil", "glue"))
			g := recordSet("glue.test", "ns1.shop", "A", 300, "203.0.113.66")
			_, err = evil.Create(ctx, g)
			switch {
			case errors.Is(err, dnsc.ErrOwnedByOther):
			case kind == "pdns" && errors.Is(err, dnsc.ErrDelegationUnverifiable):
			default:
				t.Fatalf("another tenant's glue: got %v, want ErrOwnedByOther", err)
			}
			if got := srv.Records("ns1.shop.glue.test.", mdns.TypeA); len(got) != 0 && !strings.HasPrefix(got[0], "error") {
				t.Fatalf("the server serves the other tenant's glue: %q", got)
			}
			if kind == "pdns" {
				return // no zone transfer for the test key: even the owner's glue is unverifiable there
			}
			own := NewExternal(cl, dnsc.ResourceOwner("homeplane", "victim", "ns1"))
			mine := recordSet("glue.test", "ns1.shop", "A", 300, "192.0.2.53")
			if _, err := own.Create(ctx, mine); err != nil {
				t.Fatalf("the delegation's tenant writing its glue: %v", err)
			}
		})
	}
}

func dnsServer(t *testing.T, kind, zone string) *testservers.DNS {
	switch kind {
	case "bind":
		return testservers.BIND(t, zone)
	case "knot":
		return testservers.Knot(t, zone)
	default:
		return testservers.PowerDNS(t, zone)
	}
}

// The crossplane.io/external-create-succeeded annotation is the tenant's to
// write: set on a copy of another tenant's identical set, it must not skip
// the ownership check. The proof is in status, which tenants cannot write.
func TestForgedCreateAnnotationIsNoProof(t *testing.T) {
	srv := testservers.BIND(t, "forge.test")
	cl, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	victim := NewExternal(cl, dnsc.ResourceOwner("homeplane", "victim", "www"))
	evil := NewExternal(cl, dnsc.ResourceOwner("homeplane", "evil", "x"))
	v := recordSet("forge.test", "www", "A", 300, "192.0.2.10")
	_ = InitExternalName(ctx, v)
	if _, err := victim.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	f := recordSet("forge.test", "www", "A", 300, "192.0.2.10")
	_ = InitExternalName(ctx, f)
	meta.SetExternalCreateSucceeded(f, time.Now())
	// A status copied in would be dropped by the API server (status
	// subresource); one naming the victim does not name this resource.
	f.Status.AtProvider.Owner = dnsc.ResourceOwner("homeplane", "victim", "www").MarkerText()
	obs, err := evil.Observe(ctx, f)
	if err != nil || !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("Observe of another's set with a forged annotation: %+v %v; want exists, not up to date", obs, err)
	}
	if c := f.Status.GetCondition(xpv2.TypeReady); c.Status == corev1.ConditionTrue {
		t.Fatalf("Ready=True on another tenant's set: %+v", c)
	}
	if _, err := evil.Update(ctx, f); !errors.Is(err, dnsc.ErrNotOwned) {
		t.Fatalf("Update: got %v, want ErrNotOwned", err)
	}
	// The victim, whose resource lost its status (a restore, an upgrade),
	// reads its marker once and is proven again.
	v.Status.AtProvider.Owner = ""
	q := cl.Queries()
	if obs, err := victim.Observe(ctx, v); err != nil || !obs.ResourceUpToDate {
		t.Fatalf("victim Observe: %+v %v", obs, err)
	}
	if v.Status.AtProvider.Owner == "" {
		t.Fatal("the marker read as the victim's is not recorded in status")
	}
	if c := v.Status.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		t.Fatalf("victim not Ready: %+v", c)
	}
	if n := cl.Queries() - q; n < 2 {
		t.Fatalf("an unproven Observe sent %d queries; want the marker read too", n)
	}
	// Proven, an unchanged set is observed with one query again.
	q = cl.Queries()
	if obs, err := victim.Observe(ctx, v); err != nil || !obs.ResourceUpToDate {
		t.Fatalf("victim Observe: %+v %v", obs, err)
	}
	if n := cl.Queries() - q; n != 1 {
		t.Fatalf("a proven Observe sent %d queries, want 1", n)
	}
}
