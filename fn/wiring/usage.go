package wiring

// Composes Crossplane protection Usages that order deletion: the
// used object cannot be deleted while its user exists, and with
// replayDeletion the blocked delete is replayed as soon as the user is gone.

import (
	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

func init() {
	utilruntime.Must(protectionv1beta1.AddToScheme(composed.Scheme))
}

// Ref names an object in the claim's namespace.
type Ref struct {
	APIVersion string
	Kind       string
	Name       string
}

// usageBy returns a Usage saying that by uses of: Kubernetes refuses to delete of
// while by exists, and replays the refused delete once by is gone.
func usageBy(req *compose.Request, app string, of, by Ref, reason string) *protectionv1beta1.Usage {
	return &protectionv1beta1.Usage{
		TypeMeta:   metav1.TypeMeta{APIVersion: protectionv1beta1.SchemeGroupVersion.String(), Kind: protectionv1beta1.UsageKind},
		ObjectMeta: req.ObjectMeta(compose.DNSLabel(by.Name, "uses", of.Name), app, "usage"),
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{
				APIVersion: of.APIVersion, Kind: of.Kind,
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: of.Name},
			},
			By: &protectionv1beta1.Resource{
				APIVersion: by.APIVersion, Kind: by.Kind,
				ResourceRef: &protectionv1beta1.ResourceRef{Name: by.Name},
			},
			Reason:         ptr.To(reason),
			ReplayDeletion: ptr.To(true),
		},
	}
}

// protect returns a reason-only Usage of of: Kubernetes refuses to delete it
// while the Usage exists, whoever asks, and says why.
func protect(req *compose.Request, app, name string, of Ref, reason string) *protectionv1beta1.Usage {
	return &protectionv1beta1.Usage{
		TypeMeta:   metav1.TypeMeta{APIVersion: protectionv1beta1.SchemeGroupVersion.String(), Kind: protectionv1beta1.UsageKind},
		ObjectMeta: req.ObjectMeta(name, app, "deletion-protection"),
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{
				APIVersion: of.APIVersion, Kind: of.Kind,
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: of.Name},
			},
			Reason: ptr.To(reason),
		},
	}
}
