package postgres

import (
	"fmt"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/usage"
)

// Condition saying whether and why deletion is blocked.
const (
	typeDeletionProtection = "DeletionProtection"
	reasonProtected        = "Enabled"
	reasonUnprotected      = "Disabled"
)

const claimKind = "PostgreSQL"

// protection returns reason-only Usages that make the Usage webhook refuse
// deletes, keyed by composition resource name.
//
// A Usage of the postgresql alone does not keep the database when the claim
// is deleted: the garbage collector deletes that Usage together with the
// postgresql, and Crossplane releases a Usage without a "by" at once. So
// the claim is protected too: deleting it is refused until the flag is off.
func protection(req *compose.Request, p *params) map[string]*protectionv1beta1.Usage {
	if !p.DeletionProtection {
		return nil
	}
	reason := fmt.Sprintf("PostgreSQL %s/%s has deletionProtection on: set spec.parameters.deletionProtection to false to delete it and its data", req.Namespace, req.ClaimName)
	protect := func(name, apiVersion, kind, of string) *protectionv1beta1.Usage {
		return usage.Protect(req, "postgresql", name, usage.Ref{APIVersion: apiVersion, Kind: kind, Name: of}, reason)
	}
	return map[string]*protectionv1beta1.Usage{
		resourceUsageDatabase: protect(p.Cluster+"-protect-database", zalandoAPIVersion, zalandoKind, p.Cluster),
		resourceUsageClaim:    protect(p.Cluster+"-protect-claim", v1alpha1.GroupVersion.String(), claimKind, req.ClaimName),
	}
}

// protectionCondition says on the claim why it cannot be deleted, or that
// deleting it deletes the data.
func protectionCondition(p *params) compose.Condition {
	if p.DeletionProtection {
		return compose.Condition{
			Type: typeDeletionProtection, Status: metav1.ConditionTrue, Reason: reasonProtected,
			Message: "Deleting this claim or its postgresql is refused while spec.parameters.deletionProtection is true; set it to false first.",
		}
	}
	return compose.Condition{
		Type: typeDeletionProtection, Status: metav1.ConditionFalse, Reason: reasonUnprotected,
		Message: "Deleting this claim deletes the database and its data.",
	}
}
