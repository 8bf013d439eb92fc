package postgres

import (
	"testing"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

func npPorts(ps ...int32) []networkingv1.NetworkPolicyPort {
	tcp := corev1.ProtocolTCP
	out := make([]networkingv1.NetworkPolicyPort, 0, len(ps))
	for _, p := range ps {
		ip := intstr.FromInt32(p)
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &ip})
	}
	return out
}

func npFrom(ns string, pods map[string]string) []networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}
	if pods != nil {
		p.PodSelector = &metav1.LabelSelector{MatchLabels: pods}
	}
	return []networkingv1.NetworkPolicyPeer{p}
}

// wantNetworkPolicies are the policies of the test cluster, written out.
func wantNetworkPolicies(pooler bool, consumers ...map[string]string) (deny, allow *networkingv1.NetworkPolicy) {
	members := map[string]string{"application": "spilo", "cluster-name": "homeplane-wiki-db"}
	policy := func(name string, rules []networkingv1.NetworkPolicyIngressRule) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "wiki", Labels: labels("network-policy")},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: members},
				PolicyTypes: []networkingv1.PolicyType{"Ingress"},
				Ingress:     rules,
			},
		}
	}
	rules := []networkingv1.NetworkPolicyIngressRule{
		{Ports: npPorts(5432, 8008), From: npFrom("wiki", members)},
		{Ports: npPorts(5432, 8008), From: npFrom("postgres-operator", nil)},
	}
	if pooler {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{Ports: npPorts(5432),
			From: npFrom("wiki", map[string]string{"application": "db-connection-pooler", "connection-pooler": "homeplane-wiki-db-pooler"})})
	}
	var c map[string]string
	if len(consumers) > 0 && consumers[0] != nil {
		c = consumers[0]
		// Copies of this cluster in its namespace clone from it.
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{Ports: npPorts(5432), From: npFrom("wiki", map[string]string{"application": "spilo"})})
	}
	rules = append(rules, networkingv1.NetworkPolicyIngressRule{Ports: npPorts(5432), From: npFrom("wiki", c)})
	return policy("wiki-db-postgresql-deny", nil), policy("wiki-db-postgresql-allow", rules)
}

func TestNetworkPolicies(t *testing.T) {
	cases := map[string]struct {
		reason    string
		network   *v1alpha1.Network
		pooler    bool
		disabled  bool
		consumers map[string]string
	}{
		"Default": {
			reason: "Without a network block the cluster, the operator and every pod of the claim's namespace may connect.",
		},
		"PoolerAndLabelledConsumers": {
			reason:    "Only labelled pods connect; the pooler may reach the database.",
			network:   &v1alpha1.Network{AllowFromPods: map[string]common.LabelValue{"app": "wiki"}},
			pooler:    true,
			consumers: map[string]string{"app": "wiki"},
		},
		"Disabled": {
			reason:   "Policies can be turned off for CNIs that do not enforce them.",
			network:  &v1alpha1.Network{Policies: "Disabled"},
			disabled: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := &params{Cluster: "homeplane-wiki-db", Pooler: tc.pooler}
			p.Network = tc.network
			req := &compose.Request{ClaimName: "wiki-db", Namespace: "wiki"}
			w, err := wiring.Plan(req, wiring.Exposure{App: App, Policy: policy(p)})
			if err != nil {
				t.Fatal(err)
			}
			res := compose.NewResult()
			w.Apply(res)
			if got := len(res.Resources) > 0; got == tc.disabled {
				t.Fatalf("%s\npolicy(...): enabled %v, want %v", tc.reason, got, !tc.disabled)
			}
			if tc.disabled {
				return
			}
			deny, allow := res.Resources["network-policy-deny"].Object, res.Resources["network-policy-allow"].Object
			wantDeny, wantAllow := wantNetworkPolicies(tc.pooler, tc.consumers)
			if diff := cmp.Diff(wantDeny, deny); diff != "" {
				t.Errorf("%s\ndeny: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(wantAllow, allow); diff != "" {
				t.Errorf("%s\nallow: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestSourceAdmitsItsCopies: a source that names its consumers still
// admits the pods of a copy (restore.fromClaim without a timestamp), which
// pg_basebackup from the source's master Service, and nothing else that the
// claim did not name.
func TestSourceAdmitsItsCopies(t *testing.T) {
	src := &params{Cluster: "homeplane-wiki-db"}
	src.Network = &v1alpha1.Network{AllowFromPods: map[string]common.LabelValue{"app": "wiki"}}
	req := &compose.Request{ClaimName: "wiki-db", Namespace: "wiki"}
	w, err := wiring.Plan(req, wiring.Exposure{App: App, Policy: policy(src)})
	if err != nil {
		t.Fatal(err)
	}
	res := compose.NewResult()
	w.Apply(res)
	allow, ok := res.Resources["network-policy-allow"].Object.(*networkingv1.NetworkPolicy)
	if !ok {
		t.Fatalf("no allow policy composed")
	}
	// The labels the operator puts on a copy's pods (and on other pods).
	copyPod := map[string]string{labelApplication: appSpilo, labelClusterName: "homeplane-wiki-db-copy"}
	cases := []struct {
		from   map[string]string
		ns     string
		port   int32
		admits bool
	}{
		{from: copyPod, ns: "wiki", port: portPostgres, admits: true},
		{from: copyPod, ns: "other-tenant", port: portPostgres, admits: false},
		{from: copyPod, ns: "wiki", port: portPatroni, admits: false},
		{from: map[string]string{"app": "other"}, ns: "wiki", port: portPostgres, admits: false},
		{from: map[string]string{"app": "wiki"}, ns: "wiki", port: portPostgres, admits: true},
	}
	for _, c := range cases {
		if got := admits(t, allow, c.ns, c.from, c.port); got != c.admits {
			t.Errorf("pod %v in %s to port %d: admitted %v, want %v", c.from, c.ns, c.port, got, c.admits)
		}
	}
}

// admits evaluates an ingress policy as a CNI would, for a pod of namespace
// ns with labels to port.
func admits(t *testing.T, np *networkingv1.NetworkPolicy, ns string, pod map[string]string, port int32) bool {
	t.Helper()
	match := func(s *metav1.LabelSelector, l map[string]string) bool {
		if s == nil {
			return true
		}
		sel, err := metav1.LabelSelectorAsSelector(s)
		if err != nil {
			t.Fatal(err)
		}
		return sel.Matches(k8slabels.Set(l))
	}
	nsLabels := map[string]string{"kubernetes.io/metadata.name": ns}
	for _, r := range np.Spec.Ingress {
		portOK := len(r.Ports) == 0
		for _, p := range r.Ports {
			portOK = portOK || p.Port.IntVal == port
		}
		for _, f := range r.From {
			if portOK && match(f.NamespaceSelector, nsLabels) && match(f.PodSelector, pod) {
				return true
			}
		}
	}
	return false
}
