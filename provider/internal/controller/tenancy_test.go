package controller_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/dnstest"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/rfc2136"
	"github.com/homeplane/homeplane/provider/internal/controller/pcfg"
)

// Two tenants' RecordSets for the same name in one zone, through the real
// managed reconciler and a real server: the second never takes the first's
// set over, with adopt or without, nor through its marker's name, nor with
// a namespaced ProviderConfig reading the provider's own files.
func TestRecordSetTenants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		start   func(testing.TB, string) *testservers.DNS
		backend apisv1alpha1.BackendType
	}{
		{"rfc2136/BIND", testservers.BIND, apisv1alpha1.BackendRFC2136},
		{"rfc2136/Knot", testservers.Knot, apisv1alpha1.BackendRFC2136},
		{"powerdns-api/PowerDNS", testservers.PowerDNS, apisv1alpha1.BackendPowerDNS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t, "tenants.test")
			testRecordSetTenants(t, srv, newEnvFor(t, srv, tc.backend))
		})
	}
}

func testRecordSetTenants(t *testing.T, srv *testservers.DNS, e *env) {
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
	synced := func(key types.NamespacedName) xpv2.Condition {
		t.Helper()
		e.reconcile(key)
		e.reconcile(key)
		return e.get(key).GetCondition(xpv2.TypeSynced)
	}
	markerA := dnsc.ResourceOwner("homeplane", "tenant-a", "web").MarkerText()
	assertA := func(when string) {
		t.Helper()
		if got := inDNS("shared"); !slices.Equal(got, []string{"192.0.2.10"}) {
			t.Fatalf("%s: DNS has %v, want tenant-a's 192.0.2.10", when, got)
		}
		m, err := check.Marker(ctx, srv.Zone, dnsc.FQDN("shared", srv.Zone), 1)
		if err != nil || !slices.Equal(m, []string{markerA}) {
			t.Fatalf("%s: marker %q, %v; want tenant-a's", when, m, err)
		}
	}

	a := types.NamespacedName{Namespace: "tenant-a", Name: "web"}
	e.create(recordSet(a.Namespace, a.Name, "shared", "192.0.2.10"))
	e.reconcile(a)
	e.reconcile(a)
	if !ready(e.get(a)) {
		t.Fatalf("tenant-a not Ready: %+v", e.get(a).Status.Conditions)
	}
	assertA("tenant-a created")

	// Same namespace-relative name in another namespace, no adopt.
	b := types.NamespacedName{Namespace: "tenant-b", Name: "web"}
	e.create(recordSet(b.Namespace, b.Name, "shared", "203.0.113.66"))
	if c := synced(b); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, dnsc.ErrNotOwned.Error()) {
		t.Fatalf("tenant-b without adopt: Synced %s %q", c.Status, c.Message)
	}
	if c := e.get(b).GetCondition(xpv2.TypeReady); c.Status == corev1.ConditionTrue {
		t.Fatalf("tenant-b without adopt: Ready on tenant-a's set: %+v", c)
	}
	assertA("tenant-b without adopt")

	// Nor with the very same records: not reported Ready without owning it.
	same := types.NamespacedName{Namespace: "tenant-b", Name: "same"}
	e.create(recordSet(same.Namespace, same.Name, "shared", "192.0.2.10"))
	if c := synced(same); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, dnsc.ErrNotOwned.Error()) {
		t.Fatalf("tenant-b with tenant-a's records: Synced %s %q", c.Status, c.Message)
	}
	if c := e.get(same).GetCondition(xpv2.TypeReady); c.Status == corev1.ConditionTrue {
		t.Fatalf("tenant-b with tenant-a's records: Ready on a set it does not own: %+v", c)
	}
	assertA("tenant-b with tenant-a's records")

	// adopt: true does not take a set another resource owns.
	bAdopt := types.NamespacedName{Namespace: "tenant-b", Name: "grab"}
	rs := recordSet(bAdopt.Namespace, bAdopt.Name, "shared", "203.0.113.66")
	rs.Spec.ForProvider.Adopt = true
	e.create(rs)
	if c := synced(bAdopt); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, dnsc.ErrOwnedByOther.Error()) {
		t.Fatalf("tenant-b with adopt: Synced %s %q", c.Status, c.Message)
	}
	assertA("tenant-b with adopt")

	// Nor by managing tenant-a's marker record itself.
	bMarker := types.NamespacedName{Namespace: "tenant-b", Name: "marker"}
	// (Marker text as data is refused on its own: TestParseSetRefusesMarkerText.)
	rs = recordSet(bMarker.Namespace, bMarker.Name, "_homeplane-a.shared", `"grab"`)
	rs.Spec.ForProvider.Type = "TXT"
	rs.Spec.ForProvider.Adopt = true
	e.create(rs)
	if c := synced(bMarker); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, dnsc.ErrReservedName.Error()) {
		t.Fatalf("tenant-b managing the marker: Synced %s %q", c.Status, c.Message)
	}
	assertA("tenant-b managing the marker")

	// Deleting tenant-b's resources leaves tenant-a's set alone.
	for _, k := range []types.NamespacedName{b, same, bAdopt, bMarker} {
		if err := e.kube.Delete(ctx, e.get(k)); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			e.reconcile(k)
		}
		if e.get(k) != nil {
			t.Fatalf("%s not deleted", k)
		}
	}
	assertA("tenant-b's resources deleted")

	// adopt: true takes a hand-made set with the very same records: it is
	// marked as the adopter's, so it is really managed (and deleted) now.
	hand, _ := dnsc.ParseSet(srv.Zone, "hand", "A", 300, []string{"198.51.100.20"})
	dnstest.OutOfBand(t, srv, hand)
	adopt := types.NamespacedName{Namespace: "tenant-c", Name: "hand"}
	rs = recordSet(adopt.Namespace, adopt.Name, "hand", "198.51.100.20")
	rs.Spec.ForProvider.Adopt = true
	e.create(rs)
	if c := synced(adopt); c.Status != corev1.ConditionTrue || !ready(e.get(adopt)) {
		t.Fatalf("adopting a hand-made set: Synced %s %q", c.Status, c.Message)
	}
	if m, err := check.Marker(ctx, srv.Zone, hand.FQDN, hand.Type); err != nil ||
		!slices.Equal(m, []string{dnsc.ResourceOwner("homeplane", "tenant-c", "hand").MarkerText()}) {
		t.Fatalf("adopted set's marker %q, %v", m, err)
	}

	// A namespaced ProviderConfig may not read the provider's files.
	pc := &apisv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "own"},
		Spec: apisv1alpha1.ProviderConfigSpec{Type: e.backend,
			RFC2136:  &apisv1alpha1.RFC2136Config{Server: srv.Addr, TSIGKeyName: srv.KeyName},
			PowerDNS: &apisv1alpha1.PowerDNSConfig{URL: srv.APIURL},
			Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceFilesystem,
				CommonCredentialSelectors: xpv2.CommonCredentialSelectors{Fs: &xpv2.FsSelector{Path: "/var/run/secrets/kubernetes.io/serviceaccount/token"}}}},
	}
	if err := e.kube.Create(ctx, pc); err != nil {
		t.Fatal(err)
	}
	fs := types.NamespacedName{Namespace: "tenant-b", Name: "fs"}
	rs = recordSet(fs.Namespace, fs.Name, "fs", "203.0.113.67")
	rs.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: apisv1alpha1.ProviderConfigKind, Name: "own"}
	e.create(rs)
	if c := synced(fs); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, "spec.credentials.source") ||
		!strings.Contains(c.Message, pcfg.ErrTenantSource.Error()) {
		t.Fatalf("namespaced Filesystem config: Synced %s %q", c.Status, c.Message)
	}

	// tenant-a still owns and manages its set.
	e.reconcile(a)
	if !ready(e.get(a)) {
		t.Fatalf("tenant-a no longer Ready: %+v", e.get(a).Status.Conditions)
	}
	assertA("end")
}
