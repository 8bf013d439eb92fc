package wiring

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/homeplane/homeplane/fn/compose"
)

func port(p int32) networkingv1.NetworkPolicyPort {
	tcp := corev1.ProtocolTCP
	ip := intstr.FromInt32(p)
	return networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &ip}
}

func nsPeer(ns string, pods map[string]string) networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}
	if pods != nil {
		p.PodSelector = &metav1.LabelSelector{MatchLabels: pods}
	}
	return p
}

func policy(name string, ingress []networkingv1.NetworkPolicyIngressRule) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "chat", Labels: map[string]string{
			"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "network-policy",
		}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/instance": "chat"}},
			PolicyTypes: []networkingv1.PolicyType{"Ingress"},
			Ingress:     ingress,
		},
	}
}

func TestComposePolicies(t *testing.T) {
	cases := map[string]struct {
		reason    string
		spec      policySpec
		wantAllow []networkingv1.NetworkPolicyIngressRule
	}{
		"IngressOnly": {
			reason: "Only the ingress controller's namespace may reach the app's ports.",
			spec: policySpec{App: "matrix", PodSelector: map[string]string{"app.kubernetes.io/instance": "chat"}, Ports: []int32{6167},
				Peers: []Peer{{Namespace: "ingress-nginx"}}},
			wantAllow: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{port(6167)}, From: []networkingv1.NetworkPolicyPeer{nsPeer("ingress-nginx", nil)}}},
		},
		"ConsumersAndAnywhere": {
			reason: "Labelled pods of the claim's namespace reach every port; anyone reaches the federation port.",
			spec: policySpec{App: "matrix", PodSelector: map[string]string{"app.kubernetes.io/instance": "chat"}, Ports: []int32{8448, 6167},
				Peers: []Peer{{PodLabels: map[string]string{"matrix-client": "true"}}, {Anywhere: true, Ports: []int32{8448}}}},
			wantAllow: []networkingv1.NetworkPolicyIngressRule{
				{Ports: []networkingv1.NetworkPolicyPort{port(6167), port(8448)}, From: []networkingv1.NetworkPolicyPeer{nsPeer("chat", map[string]string{"matrix-client": "true"})}},
				{Ports: []networkingv1.NetworkPolicyPort{port(8448)}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			deny, allow := composePolicies(&compose.Request{ClaimName: "chat", Namespace: "chat"}, tc.spec)
			if diff := cmp.Diff(policy("chat-matrix-deny", nil), deny); diff != "" {
				t.Errorf("%s\ndeny: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(policy("chat-matrix-allow", tc.wantAllow), allow); diff != "" {
				t.Errorf("%s\nallow: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
