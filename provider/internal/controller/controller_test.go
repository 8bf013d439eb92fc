package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/dnstest"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/rfc2136"
)

func TestRecordSetReconciler(t *testing.T) {
	for _, tc := range []struct {
		name    string
		start   func(testing.TB, string) *testservers.DNS
		backend apisv1alpha1.BackendType
	}{
		{"rfc2136/BIND", testservers.BIND, apisv1alpha1.BackendRFC2136},
		{"rfc2136/Knot", testservers.Knot, apisv1alpha1.BackendRFC2136},
		{"rfc2136/PowerDNS", testservers.PowerDNS, apisv1alpha1.BackendRFC2136},
		{"powerdns-api/PowerDNS", testservers.PowerDNS, apisv1alpha1.BackendPowerDNS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t, "rec.test")
			testRecordSetReconciler(t, srv, newEnvFor(t, srv, tc.backend))
		})
	}
}

func testRecordSetReconciler(t *testing.T, srv *testservers.DNS, e *env) {
	ctx := context.Background()
	check, err := rfc2136.New(rfc2136.Config{Server: srv.Addr, KeyName: srv.KeyName, Secret: srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	inDNS := func(host string) []string {
		t.Helper()
		s, err := check.Get(ctx, srv.Zone, dnsc.FQDN(host, srv.Zone), 1)
		if err != nil {
			t.Fatal(err)
		}
		if s == nil {
			return nil
		}
		return s.Records()
	}

	// Create: two reconciles (create, then observe) make it Ready and Synced.
	key := types.NamespacedName{Namespace: "apps", Name: "web"}
	e.create(recordSet("apps", "web", "web", "192.0.2.1"))
	e.reconcile(key)
	e.reconcile(key)
	rs := e.get(key)
	if !ready(rs) {
		t.Fatalf("not Ready/Synced: %+v", rs.Status.Conditions)
	}
	if got := meta.GetExternalName(rs); got != "web.rec.test/A" {
		t.Fatalf("external name %q", got)
	}
	if got := inDNS("web"); !slices.Equal(got, []string{"192.0.2.1"}) {
		t.Fatalf("DNS has %v", got)
	}

	// Update in place.
	rs.Spec.ForProvider.Records = []string{"192.0.2.2", "192.0.2.3"}
	if err := e.kube.Update(ctx, rs); err != nil {
		t.Fatal(err)
	}
	e.reconcile(key)
	if got := inDNS("web"); !slices.Equal(got, []string{"192.0.2.2", "192.0.2.3"}) {
		t.Fatalf("after update DNS has %v", got)
	}

	// Server down: Synced=False with the reason; back up: recovers.
	srv.Stop()
	e.reconcile(key)
	rs = e.get(key)
	if c := rs.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, "connect") && !strings.Contains(c.Message, "refused") {
		t.Fatalf("with server down Synced = %s %q", c.Status, c.Message)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.reconcile(key)
	if rs = e.get(key); !ready(rs) {
		t.Fatalf("did not recover: %+v", rs.Status.Conditions)
	}

	// Wrong TSIG key: a clear condition, not a crash.
	e.config("badkey", "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMDA=") // valid base64, wrong key
	bad := recordSet("apps", "bad", "bad", "192.0.2.9")
	bad.Spec.ProviderConfigReference.Name = "badkey"
	e.create(bad)
	badKey := types.NamespacedName{Namespace: "apps", Name: "bad"}
	e.reconcile(badKey)
	// BIND and Knot answer NOTAUTH, PowerDNS REFUSED, its API 401.
	if c := e.get(badKey).GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionFalse ||
		!strings.Contains(c.Message, dnsc.ErrAuth.Error()) && !strings.Contains(c.Message, dnsc.ErrRefused.Error()) {
		t.Fatalf("wrong key: Synced = %s %q", c.Status, c.Message)
	} else if srv.Kind != "powerdns" && !strings.Contains(c.Message, "TSIG BADSIG") {
		// BIND and Knot say which key problem it is.
		t.Fatalf("wrong key: Synced message %q does not name TSIG BADSIG", c.Message)
	}

	// Observe-only adopts a hand-made set without touching it.
	foreign, _ := dnsc.ParseSet(srv.Zone, "legacy", "A", 300, []string{"198.51.100.7"})
	dnstest.OutOfBand(t, srv, foreign)
	obs := recordSet("apps", "legacy", "legacy", "198.51.100.7")
	obs.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	e.create(obs)
	obsKey := types.NamespacedName{Namespace: "apps", Name: "legacy"}
	e.reconcile(obsKey)
	e.reconcile(obsKey)
	if rs = e.get(obsKey); !ready(rs) || !slices.Equal(rs.Status.AtProvider.Records, []string{"198.51.100.7"}) {
		t.Fatalf("observe-only: %+v %+v", rs.Status.Conditions, rs.Status.AtProvider)
	}
	if err := e.kube.Delete(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.reconcile(obsKey)
	}
	if e.get(obsKey) != nil {
		t.Fatal("observe-only resource not deleted")
	}
	if got := inDNS("legacy"); !slices.Equal(got, []string{"198.51.100.7"}) {
		t.Fatalf("observe-only deletion touched the record: %v", got)
	}

	// Deletion removes the record and then the resource.
	if err := e.kube.Delete(ctx, e.get(key)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.reconcile(key)
	}
	if rs := e.get(key); rs != nil {
		t.Fatalf("resource still there after deletion: %+v finalizers %v", rs.Status.Conditions, rs.Finalizers)
	}
	if got := inDNS("web"); got != nil {
		t.Fatalf("record still in DNS: %v", got)
	}
}

// BenchmarkRecordSets500 reconciles 500 RecordSets against BIND with 10
// workers (the provider's default concurrency) and reports the time to
// converge and DNS queries per Observe.
func BenchmarkRecordSets500(b *testing.B) {
	const n, workers = 500, 10
	for range b.N {
		b.StopTimer()
		srv := testservers.BIND(b, "bench.test")
		e := newEnv(b, srv)
		keys := make([]types.NamespacedName, n)
		for i := range n {
			name := fmt.Sprintf("host-%03d", i)
			e.create(recordSet("bench", name, name, fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)))
			keys[i] = types.NamespacedName{Namespace: "bench", Name: name}
		}
		b.StartTimer()
		start := time.Now()
		pending := keys
		rounds := 0
		for len(pending) > 0 && rounds < 10 {
			rounds++
			e.reconcileAll(pending, workers)
			var next []types.NamespacedName
			for _, k := range pending {
				if !ready(e.get(k)) {
					next = append(next, k)
				}
			}
			pending = next
		}
		converge := time.Since(start)
		b.StopTimer()
		if len(pending) > 0 {
			b.Fatalf("%d of %d RecordSets did not converge", len(pending), n)
		}
		// One more pass: the steady state every poll interval.
		q0, o0 := e.queries.Load(), e.observes.Load()
		steady := time.Now()
		e.reconcileAll(keys, workers)
		steadyDur := time.Since(steady)
		qpo := float64(e.queries.Load()-q0) / float64(e.observes.Load()-o0)
		b.ReportMetric(converge.Seconds(), "s-to-converge")
		b.ReportMetric(float64(rounds), "rounds")
		b.ReportMetric(qpo, "queries/observe")
		b.ReportMetric(steadyDur.Seconds(), "s-steady-pass")
		b.Logf("%d RecordSets converged in %s (%d rounds); steady pass %s; %.2f DNS queries per Observe",
			n, converge.Round(time.Millisecond), rounds, steadyDur.Round(time.Millisecond), qpo)
	}
}

// Names as users write them, through the managed reconciler on every
// backend: a name a wildcard answers for, the wildcard itself (whose marker
// the API once could not write), an internationalised name, TTL 0.
func TestRecordSetNamesReconciler(t *testing.T) {
	for _, tc := range []struct {
		name    string
		start   func(testing.TB, string) *testservers.DNS
		backend apisv1alpha1.BackendType
	}{
		{"rfc2136/BIND", testservers.BIND, apisv1alpha1.BackendRFC2136},
		{"rfc2136/Knot", testservers.Knot, apisv1alpha1.BackendRFC2136},
		{"rfc2136/PowerDNS", testservers.PowerDNS, apisv1alpha1.BackendRFC2136},
		{"powerdns-api/PowerDNS", testservers.PowerDNS, apisv1alpha1.BackendPowerDNS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t, "names.test")
			e := newEnvFor(t, srv, tc.backend)
			wildcard, _ := dnsc.ParseSet(srv.Zone, "*.shops", "A", 300, []string{"198.51.100.1"})
			dnstest.OutOfBand(t, srv, wildcard)

			ttl0 := int64(0)
			for _, rs := range []*dnsv1alpha1.RecordSet{
				recordSet("apps", "shop", "shop.shops", "192.0.2.70"),
				recordSet("apps", "wild", "*.apps", "192.0.2.71"),
				recordSet("apps", "idn", "bücher", "192.0.2.72"),
				func() *dnsv1alpha1.RecordSet {
					rs := recordSet("apps", "ttl0", "ttl0", "192.0.2.73")
					rs.Spec.ForProvider.TTL = &ttl0
					return rs
				}(),
			} {
				e.create(rs)
				key := types.NamespacedName{Namespace: rs.Namespace, Name: rs.Name}
				e.reconcile(key)
				e.reconcile(key)
				got := e.get(key)
				if !ready(got) {
					t.Fatalf("%s not Ready/Synced: %+v", rs.Name, got.Status.Conditions)
				}
				fqdn, _ := dnsc.ToASCII(dnsc.FQDN(rs.Spec.ForProvider.Name, srv.Zone))
				if got.Status.AtProvider.FQDN != fqdn || !slices.Equal(srv.Records(fqdn, 1), rs.Spec.ForProvider.Records) {
					t.Fatalf("%s: atProvider %+v, server holds %q at %s", rs.Name, got.Status.AtProvider, srv.Records(fqdn, 1), fqdn)
				}
			}
			if got := srv.Records("xn--bcher-kva."+srv.Zone, 1); !slices.Equal(got, []string{"192.0.2.72"}) {
				t.Fatalf("bücher is not at its A-label: %q", got)
			}
			// The wildcard answered for shop before; it is untouched.
			if got := srv.Records("other.shops."+srv.Zone, 1); !slices.Equal(got, []string{"198.51.100.1"}) {
				t.Fatalf("wildcard now answers %q", got)
			}
		})
	}
}
