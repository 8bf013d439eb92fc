package collabora

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/homeplane/homeplane/fn/compose"
)

// ResourceBlockedService is the Service the admin paths were routed to
// before they went to BlockedPort of the claim's Service.
const ResourceBlockedService = "blocked-service"

// Observed route resources, as the wiring stage names them from
// ResourceRoute.
const (
	observedIngress   = ResourceRoute + "-ingress"
	observedHTTPRoute = ResourceRoute + "-httproute"
)

// blockedServiceInUse reports whether an observed route of the claim still
// sends a path to the old blocked Service, which then stays composed, as it
// was, for one more reconcile. Crossplane deletes what a function no longer
// composes before it applies the rest (v2.4 FunctionComposer: garbage
// collection, then apply), so dropping the Service in the reconcile that
// moves the route would leave the admin paths on a missing Service until
// the route is applied, and some controllers then drop the paths and serve
// / instead: the admin console.
func blockedServiceInUse(req *compose.Request, n names) (bool, error) {
	blocked := blockedServiceName(n)
	in := &networkingv1.Ingress{}
	ok, err := req.ObservedInto(observedIngress, in)
	if err != nil {
		return false, err
	}
	if ok && ingressSendsTo(in, blocked) {
		return true, nil
	}
	hr := &gatewayv1.HTTPRoute{}
	ok, err = req.ObservedInto(observedHTTPRoute, hr)
	if err != nil {
		return false, err
	}
	return ok && httpRouteSendsTo(hr, blocked), nil
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

func httpRouteSendsTo(hr *gatewayv1.HTTPRoute, svc string) bool {
	for _, r := range hr.Spec.Rules {
		for _, b := range r.BackendRefs {
			kind := "Service"
			if b.Kind != nil {
				kind = string(*b.Kind)
			}
			if kind == "Service" && (b.Group == nil || *b.Group == "") && string(b.Name) == svc {
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
