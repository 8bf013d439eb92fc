package matrix

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func wantService() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta("chat-matrix", "homeserver"),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 6167, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		},
	}
}

func TestService(t *testing.T) {
	if diff := cmp.Diff(wantService(), Service(request(t, nil, nil))); diff != "" {
		t.Errorf("Service(...): -want, +got:\n%s", diff)
	}
}
