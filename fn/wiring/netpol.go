package wiring

// Composes an app's NetworkPolicies: a default-deny ingress
// policy for the app's pods, plus one allow policy listing exactly who may
// reach which port.

import (
	"sort"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/homeplane/homeplane/fn/compose"
)

// LabelNamespaceName is set by Kubernetes on every namespace.
const LabelNamespaceName = "kubernetes.io/metadata.name"

// Resource names of the composed policies.
const (
	DenyResource  resource.Name = "network-policy-deny"
	AllowResource resource.Name = "network-policy-allow"
)

// Peer is one allowed source of traffic.
type Peer struct {
	// Namespace allows pods of another namespace; empty means the claim's.
	Namespace string
	// PodLabels limits the source to pods with these labels; nil means every
	// pod of the namespace.
	PodLabels map[string]string
	// Anywhere allows every source, in and outside the cluster.
	Anywhere bool
	// Ports the peer may reach; empty means every port of the app.
	Ports []int32
}

// policySpec describes an app's policies.
type policySpec struct {
	// App names the app, for object names and labels.
	App string
	// PodSelector selects the app's pods.
	PodSelector map[string]string
	// Ports the app serves (TCP).
	Ports []int32
	// Peers may reach the app.
	Peers []Peer
}

// composePolicies returns the deny and allow policies.
func composePolicies(req *compose.Request, s policySpec) (deny, allow *networkingv1.NetworkPolicy) {
	tm := metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"}
	sel := metav1.LabelSelector{MatchLabels: copyMap(s.PodSelector)}
	deny = &networkingv1.NetworkPolicy{
		TypeMeta:   tm,
		ObjectMeta: req.ObjectMeta(compose.DNSLabel(req.ClaimName, s.App, "deny"), s.App, "network-policy"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: sel,
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}
	allow = &networkingv1.NetworkPolicy{
		TypeMeta:   tm,
		ObjectMeta: req.ObjectMeta(compose.DNSLabel(req.ClaimName, s.App, "allow"), s.App, "network-policy"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *sel.DeepCopy(),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}
	for _, p := range s.Peers {
		rule := networkingv1.NetworkPolicyIngressRule{Ports: ports(p.Ports, s.Ports)}
		if !p.Anywhere {
			ns := p.Namespace
			if ns == "" {
				ns = req.Namespace
			}
			peer := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelNamespaceName: ns}}}
			if p.PodLabels != nil {
				peer.PodSelector = &metav1.LabelSelector{MatchLabels: copyMap(p.PodLabels)}
			}
			rule.From = []networkingv1.NetworkPolicyPeer{peer}
		}
		allow.Spec.Ingress = append(allow.Spec.Ingress, rule)
	}
	return deny, allow
}

// addPolicies adds both policies to the result; they are ready as soon as they exist.
func addPolicies(req *compose.Request, res *compose.Result, s policySpec) {
	deny, allow := composePolicies(req, s)
	res.Add(DenyResource, deny, resource.ReadyTrue)
	res.Add(AllowResource, allow, resource.ReadyTrue)
}

func ports(want, all []int32) []networkingv1.NetworkPolicyPort {
	ps := want
	if len(ps) == 0 {
		ps = all
	}
	ps = append([]int32(nil), ps...)
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	tcp := corev1.ProtocolTCP
	out := make([]networkingv1.NetworkPolicyPort, 0, len(ps))
	for _, p := range ps {
		port := intstr.FromInt32(p)
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &port})
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
