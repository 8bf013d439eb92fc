package wiring

import (
	"testing"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

func TestUsageBy(t *testing.T) {
	req := &compose.Request{ClaimName: "chat", Namespace: "chat"}
	got := usageBy(req, "matrix",
		Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: "chat-matrix-data"},
		Ref{APIVersion: "apps/v1", Kind: "Deployment", Name: "chat-matrix"},
		"the homeserver's database lives on this volume")
	want := &protectionv1beta1.Usage{
		TypeMeta: metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
		ObjectMeta: metav1.ObjectMeta{Name: "chat-matrix-uses-chat-matrix-data", Namespace: "chat", Labels: map[string]string{
			"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "usage",
		}},
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{APIVersion: "v1", Kind: "PersistentVolumeClaim",
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: "chat-matrix-data"}},
			By: &protectionv1beta1.Resource{APIVersion: "apps/v1", Kind: "Deployment",
				ResourceRef: &protectionv1beta1.ResourceRef{Name: "chat-matrix"}},
			Reason:         ptr.To("the homeserver's database lives on this volume"),
			ReplayDeletion: ptr.To(true),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("usageBy(...): -want, +got:\n%s", diff)
	}
}

func TestProtect(t *testing.T) {
	req := &compose.Request{ClaimName: "chat", Namespace: "chat"}
	got := protect(req, "matrix", "chat-protect-claim", Ref{APIVersion: "matrix.homeplane.dev/v1alpha1", Kind: "MatrixServer", Name: "chat"}, "protected")
	want := &protectionv1beta1.Usage{
		TypeMeta: metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
		ObjectMeta: metav1.ObjectMeta{Name: "chat-protect-claim", Namespace: "chat", Labels: map[string]string{
			"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "deletion-protection",
		}},
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{APIVersion: "matrix.homeplane.dev/v1alpha1", Kind: "MatrixServer",
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: "chat"}},
			Reason: ptr.To("protected"),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("protect(...): -want, +got:\n%s", diff)
	}
}
