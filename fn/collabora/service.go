package collabora

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/homeplane/homeplane/fn/compose"
)

// closedPort is where the Service's blocked port sends requests. Nothing in
// the pod can listen below 1024 (uid 1001 without NET_BIND_SERVICE), so every
// request fails with a 502 or 503 from the ingress controller; with the
// NetworkPolicies, which do not open this port (see networkPolicies), with a
// 504 once the controller's connect timeout passes.
const closedPort int32 = 1

// BlockedPort is the Service port the route sends the admin paths to while
// the admin console is private; it forwards to closedPort.
const BlockedPort int32 = 9981

// blockedPortName names BlockedPort in the Service.
const blockedPortName = "blocked"

// service returns the ClusterIP Service in front of the server pods: port
// 9980, and while the admin console is private BlockedPort, which selects the
// same pods (every controller keeps a path whose Service has endpoints; some
// drop one without and fall back to /, which would expose the admin console)
// but forwards to a port nothing listens on. A port rather than a second
// Service: each Service takes a ClusterIP, which kube-apiserver (1.33+)
// allocates one at a time, and which the cluster's service CIDR has a finite
// number of.
func service(req *compose.Request, p params) *corev1.Service {
	s := podService(req, p.names.base, componentPod)
	if !p.AdminConsole.Public {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{
			Name: blockedPortName, Port: BlockedPort, TargetPort: intstr.FromInt32(closedPort), Protocol: corev1.ProtocolTCP,
		})
	}
	return s
}

// anyService returns the Service the stateless paths are routed to with more
// than one replica: the same pods and port as service, under another name, so
// that the ingress controller builds a second upstream (backend) for it,
// without the WOPISrc hashing of the first. ingress-nginx and both HAProxy
// controllers keep load-balancing settings per Service and port, not per
// Ingress: a second Ingress to the same Service would share its hashing
// (ingress-nginx createUpstreams: the first Ingress to name an upstream sets
// its upstream-hash-by).
func anyService(req *compose.Request, n names) *corev1.Service {
	return podService(req, n.any, componentAny)
}

// podService returns a ClusterIP Service named name that sends port 9980 to
// the server pods.
func podService(req *compose.Request, name, component string) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: req.ObjectMeta(name, App, component),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: podLabels(req),
			Ports: []corev1.ServicePort{{
				Name: portName, Port: Port, TargetPort: intstr.FromString(portName), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}
