package controller_test

import (
	"context"
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
)

// A tenant's NS RecordSet below the apex is a delegation: refused unless
// the provider config allows delegations (a condition naming the knob),
// and then still refused over another tenant's names, through the managed
// reconciler and the provider config as an admin writes it.
func TestDelegations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		start   func(testing.TB, string) *testservers.DNS
		backend apisv1alpha1.BackendType
	}{
		{"bind", testservers.BIND, apisv1alpha1.BackendRFC2136},
		{"api", testservers.PowerDNS, apisv1alpha1.BackendPowerDNS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t, "deleg.test")
			e := newEnvFor(t, srv, tc.backend)
			ctx := context.Background()
			key := func(ns, name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }
			synced := func(k types.NamespacedName) xpv2.Condition {
				t.Helper()
				e.reconcile(k)
				e.reconcile(k)
				return e.get(k).GetCondition(xpv2.TypeSynced)
			}
			ns := func(tenant, name, host string) types.NamespacedName {
				rs := recordSet(tenant, name, host, "ns.attacker.example.")
				rs.Spec.ForProvider.Type = "NS"
				e.create(rs)
				return key(tenant, name)
			}

			e.create(recordSet("victim", "www", "www.shop", "192.0.2.1"))
			e.reconcile(key("victim", "www"))
			e.reconcile(key("victim", "www"))
			if !ready(e.get(key("victim", "www"))) {
				t.Fatalf("victim not ready: %+v", e.get(key("victim", "www")).Status.Conditions)
			}

			shop := ns("evil", "shop", "shop")
			knob := "spec." + string(tc.backend) + ".allowDelegations"
			if c := synced(shop); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, knob) {
				t.Fatalf("delegation without the knob: %+v; want Synced=False naming %s", c, knob)
			}

			cpc := &apisv1alpha1.ClusterProviderConfig{}
			if err := e.kube.Get(ctx, types.NamespacedName{Name: "default"}, cpc); err != nil {
				t.Fatal(err)
			}
			if cpc.Spec.RFC2136 != nil {
				cpc.Spec.RFC2136.AllowDelegations = true
			}
			if cpc.Spec.PowerDNS != nil {
				cpc.Spec.PowerDNS.AllowDelegations = true
			}
			if err := e.kube.Update(ctx, cpc); err != nil {
				t.Fatal(err)
			}
			if c := synced(shop); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, "another owner holds") ||
				!strings.Contains(c.Message, "www.shop.deleg.test") {
				t.Fatalf("delegation over another tenant's name: %+v; want Synced=False naming www.shop", c)
			}
			if !ready(e.get(key("victim", "www"))) {
				t.Fatal("victim no longer ready")
			}
			free := ns("evil", "free", "free")
			e.reconcile(free)
			e.reconcile(free)
			if rs := e.get(free); !ready(rs) {
				t.Fatalf("an allowed delegation over free names: %+v", rs.Status.Conditions)
			}
		})
	}
}
