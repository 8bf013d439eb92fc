package matrix

import (
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/usage"
)

// Composition resource names of the deletion-protection Usages.
const (
	ResourceProtectClaim resource.Name = "protect-claim"
	ResourceProtectData  resource.Name = "protect-data"
)

// ConditionDeletionProtection says whether and why deletion is refused.
const ConditionDeletionProtection = "DeletionProtection"

// addProtection composes reason-only Usages of the claim and of its data
// volume while deletionProtection is on. The claim is protected too because a
// Usage of the volume alone is deleted with the composite, and the volume
// right after it; refusing the claim's delete keeps everything in place.
func addProtection(req *compose.Request, res *compose.Result, p *params) {
	if !p.DeletionProtection {
		return
	}
	n := namesFor(req.ClaimName)
	reason := fmt.Sprintf("MatrixServer %s/%s has deletionProtection on: set spec.parameters.deletionProtection to false to delete it and its data", req.Namespace, req.ClaimName)
	res.Add(ResourceProtectClaim, usage.Protect(req, App, compose.DNSLabel(req.ClaimName, "protect-claim"),
		usage.Ref{APIVersion: v1alpha1.GroupVersion.String(), Kind: "MatrixServer", Name: req.ClaimName}, reason), resource.ReadyTrue)
	res.Add(ResourceProtectData, usage.Protect(req, App, compose.DNSLabel(req.ClaimName, "protect-data"),
		usage.Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: n.PVC()}, reason), resource.ReadyTrue)
}

// protectionCondition says on the claim whether deleting it is refused.
func protectionCondition(p *params) compose.Condition {
	if p.DeletionProtection {
		return compose.Condition{Type: ConditionDeletionProtection, Status: metav1.ConditionTrue, Reason: "Enabled",
			Message: "Deleting this claim or its data volume is refused while spec.parameters.deletionProtection is true; set it to false first."}
	}
	return compose.Condition{Type: ConditionDeletionProtection, Status: metav1.ConditionFalse, Reason: "Disabled",
		Message: "Deleting this claim deletes the homeserver; its data volume is deleted once the server is gone."}
}
