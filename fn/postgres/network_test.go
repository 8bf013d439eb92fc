package postgres

import (
	"testing"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	if len(consumers) > 0 {
		c = consumers[0]
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
