package matrix

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/homeplane/homeplane/fn/compose"
)

// Service returns the ClusterIP Service in front of the homeserver.
func Service(req *compose.Request) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: req.ObjectMeta(namesFor(req.ClaimName).Service(), App, ComponentHomeserver),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector(req),
			Ports: []corev1.ServicePort{{
				Name:       PortName,
				Port:       Port,
				TargetPort: intstr.FromString(PortName),
				Protocol:   corev1.ProtocolTCP,
			}},
		},
	}
}
