package collabora

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/dns"
	"github.com/homeplane/homeplane/fn/netpol"
	"github.com/homeplane/homeplane/fn/route"
	"github.com/homeplane/homeplane/fn/tls"
)

// Reasons of the DNS and TLS conditions this package sets itself (fn/dns and
// fn/tls set Available and Creating).
const (
	// ReasonDisabled: the claim does not ask for the piece.
	ReasonDisabled = "Disabled"
	// ReasonIngressAnnotation: cert-manager issues the certificate from the
	// Ingress's annotation; Homeplane does not observe it.
	ReasonIngressAnnotation = "IngressAnnotation"
	// ReasonDefaultIngressNamespace: the NetworkPolicy admits the default
	// ingress namespace while the route goes through a Gateway.
	ReasonDefaultIngressNamespace = "DefaultIngressNamespace"
)

// records returns the DNS record of the host, or none without a dns block:
// a record no longer composed is deleted by Crossplane.
func records(req *compose.Request, p params) ([]dns.Record, error) {
	if p.DNS == nil {
		return nil, nil
	}
	return dns.Compose(req, fieldDNS, *p.DNS, []string{p.Host})
}

// addDNS adds the record and sets the DNS condition, also when there is no
// dns block, so that a condition from before the block was removed does not
// linger.
func addDNS(req *compose.Request, res *compose.Result, p params, rs []dns.Record) {
	if p.DNS == nil {
		res.SetCondition(compose.Condition{Type: dns.ConditionType, Status: metav1.ConditionFalse, Reason: ReasonDisabled,
			Message: fmt.Sprintf("No DNS record is composed: %s must resolve to the ingress by other means, or set %s", p.Host, fieldDNS)})
		return
	}
	dns.Add(req, res, rs)
}

// addTLS composes the certificate of the route and sets the TLS condition.
//
//   - Gateway with tls: a cert-manager Certificate next to the Gateway
//     (fn/tls), observed, so the condition says whether it is issued. The
//     Gateway's listener must reference its Secret. The route is composed
//     first, so this only happens where fn/route allows tls with a gateway.
//   - Ingress with tls: fn/route's cert-manager annotation. cert-manager's
//     ingress-shim creates the Certificate, not Crossplane, so Homeplane
//     cannot see whether it is issued: the condition is Unknown and says
//     where to look.
//   - No tls: the route has no certificate of its own; TLS still ends at the
//     route (coolwsd runs with ssl.termination), with whatever certificate the
//     controller or listener serves for the host.
func addTLS(req *compose.Request, res *compose.Result, p params, n names) {
	t := p.Route.TLS
	switch {
	case t == nil:
		where := "the ingress controller's default certificate"
		if route.IsGateway(p.Route) {
			where = "the certificate of the Gateway's listener"
		}
		res.SetCondition(compose.Condition{Type: tls.ConditionType, Status: metav1.ConditionFalse, Reason: ReasonDisabled,
			Message: fmt.Sprintf("No certificate is requested for %s: browsers get %s; set %s.tls.issuer to have cert-manager issue one", p.Host, where, fieldRoute)})
	case route.IsGateway(p.Route):
		tls.Add(res, tls.Compose(req, App, *t, *p.Route.Gateway, []string{p.Host}))
	default:
		kind := t.IssuerKind
		if kind == "" {
			kind = common.IssuerKindClusterIssuer
		}
		secret := n.base + "-tls"
		res.SetCondition(compose.Condition{Type: tls.ConditionType, Status: metav1.ConditionUnknown, Reason: ReasonIngressAnnotation,
			Message: fmt.Sprintf("The Ingress asks cert-manager (%s %q) for a certificate for %s in Secret %s/%s; cert-manager creates it, so Homeplane does not observe it: see kubectl -n %s get certificate %s",
				kind, t.Issuer, p.Host, req.Namespace, secret, req.Namespace, secret)})
	}
}

// networkPolicies says who reaches the server pods, on port 9980 only:
//
//   - the ingress controller's namespace: browsers, and the WOPI host, which
//     calls /hosting/discovery through the public URL it is configured with;
//   - the pods of the claim's namespace labelled network.allowFromPods, for a
//     WOPI host configured with the Service's URL instead. Without the label
//     no pod of the namespace is let in: the route is the way.
//
// Nothing else: replicas of CODE do not talk to each other, and coolwsd's
// calls to the WOPI host are egress, which these policies leave alone.
// kubectl port-forward to the admin console enters the pod's network
// namespace directly and is not affected.
//
// The blocked-admin-path Service sends to port 1, where nothing listens; the
// policy does not open it. Opening it would let an admin path fail fast with
// a 502 instead of the controller's 504 after its connect timeout, but it
// would also admit anything that ever came to listen there (runtimes such as
// containerd 2 let unprivileged processes bind low ports). Blocked stays
// blocked.
func networkPolicies(req *compose.Request, p params) (netpol.Spec, bool) {
	n := p.Network
	if !n.PoliciesEnabled() {
		return netpol.Spec{}, false
	}
	s := netpol.Spec{
		App:         App,
		PodSelector: podLabels(req),
		Ports:       []int32{Port},
		Peers:       []netpol.Peer{{Namespace: n.Namespace()}},
	}
	if n != nil && len(n.AllowFromPods) > 0 {
		s.Peers = append(s.Peers, netpol.Peer{PodLabels: common.Labels(n.AllowFromPods)})
	}
	return s, true
}

// addNetworkPolicies adds the policies. Through a Gateway with the default
// ingress namespace, it warns: Gateway proxies seldom run there, and the
// policy would then shut browsers out.
func addNetworkPolicies(req *compose.Request, res *compose.Result, p params) {
	s, ok := networkPolicies(req, p)
	if !ok {
		return
	}
	netpol.Add(req, res, s)
	if route.IsGateway(p.Route) && !p.ingressNamespaceChosen {
		res.Events = append(res.Events, compose.Event{Severity: compose.SeverityWarning, Reason: ReasonDefaultIngressNamespace,
			Message: fmt.Sprintf("The NetworkPolicy lets the route in from namespace %s, the default; through a Gateway, set %s.ingressNamespace to the namespace of the Gateway's proxy pods", p.Network.Namespace(), fieldNetwork)})
	}
}
