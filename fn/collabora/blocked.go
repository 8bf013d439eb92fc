package collabora

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// ResourceBlockedService is the Service the admin paths were routed to
// before they went to BlockedPort of the claim's Service.
const ResourceBlockedService = "blocked-service"

// blockedMove is where a claim composed before BlockedPort stands in the
// move of its admin paths from the old blocked Service to that port. Every
// step waits for the observed state of the previous one, because Crossplane
// applies a reconcile's objects in no set order and deletes what is no
// longer composed before it applies the rest (v2.4 FunctionComposer): a
// route to a port the Service does not have yet, or to a Service already
// deleted, is what makes some controllers drop the paths and serve /
// instead, the admin console.
type blockedMove struct {
	// viaOldService: the route still sends the admin paths to the old
	// Service, until the observed Service has BlockedPort.
	viaOldService bool
	// keepOldService: the old Service stays composed, as it was, while the
	// route is to send to it or the observed route still does.
	keepOldService bool
}

// planBlockedMove reads the step from the observed state. Without an
// observed old Service (every claim composed since) there is nothing to
// move; with a public admin console the route sends no admin paths
// anywhere, and the old Service only waits for the route to leave it.
func planBlockedMove(req *compose.Request, n names, public bool) (blockedMove, error) {
	if _, ok := req.Observed[ResourceBlockedService]; !ok {
		return blockedMove{}, nil
	}
	if public {
		routed, err := routesTo(req, blockedServiceName(n))
		return blockedMove{keepOldService: routed}, err
	}
	svc := &corev1.Service{}
	ok, err := req.ObservedInto(ResourceService, svc)
	if err != nil {
		return blockedMove{}, err
	}
	hasPort := ok && slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool {
		return p.Name == blockedPortName && p.Port == BlockedPort
	})
	if !hasPort {
		return blockedMove{viaOldService: true, keepOldService: true}, nil
	}
	routed, err := routesTo(req, blockedServiceName(n))
	return blockedMove{keepOldService: routed}, err
}

// routesTo reports whether an observed route of the claim sends a path to
// the Service svc of the claim's namespace.
func routesTo(req *compose.Request, svc string) (bool, error) {
	route := wiring.RouteSpec{Resource: ResourceRoute}
	in := &networkingv1.Ingress{}
	ok, err := req.ObservedInto(string(route.IngressResource()), in)
	if err != nil {
		return false, err
	}
	if ok && ingressSendsTo(in, svc) {
		return true, nil
	}
	hr := &gatewayv1.HTTPRoute{}
	ok, err = req.ObservedInto(string(route.HTTPRouteResource()), hr)
	if err != nil {
		return false, err
	}
	return ok && httpRouteSendsTo(hr, svc), nil
}

func ingressSendsTo(in *networkingv1.Ingress, svc string) bool {
	if b := in.Spec.DefaultBackend; b != nil && b.Service != nil && b.Service.Name == svc {
		return true
	}
	for _, r := range in.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		if slices.ContainsFunc(r.HTTP.Paths, func(p networkingv1.HTTPIngressPath) bool {
			return p.Backend.Service != nil && p.Backend.Service.Name == svc
		}) {
			return true
		}
	}
	return false
}

// httpRouteSendsTo: a backendRef to a Service named svc in the route's own
// namespace (no namespace, or the route's).
func httpRouteSendsTo(hr *gatewayv1.HTTPRoute, svc string) bool {
	for _, r := range hr.Spec.Rules {
		for _, b := range r.BackendRefs {
			core := (b.Group == nil || *b.Group == "") && (b.Kind == nil || *b.Kind == "Service")
			local := b.Namespace == nil || string(*b.Namespace) == hr.Namespace
			if core && local && string(b.Name) == svc {
				return true
			}
		}
	}
	return false
}

// blockedServiceName is <claim>-collabora-blocked.
func blockedServiceName(n names) string { return n.base + "-blocked" }

// blockedService returns the old blocked Service as it was composed: the
// server pods' port 9980 forwarded to closedPort.
func blockedService(req *compose.Request, n names) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: req.ObjectMeta(blockedServiceName(n), App, "blocked"),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: podLabels(req),
			Ports: []corev1.ServicePort{{
				Name: portName, Port: Port, TargetPort: intstr.FromInt32(closedPort), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}
