package postgres

import (
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

const claimKind = "PostgreSQL"

// protection is the database's deletion protection: reason-only Usages that
// make the Usage webhook refuse deleting the postgresql and the claim.
//
// A Usage of the postgresql alone does not keep the database when the claim
// is deleted: the garbage collector deletes that Usage together with the
// postgresql, and Crossplane releases a Usage without a "by" at once. So the
// claim is protected too: deleting it is refused until the flag is off.
func protection(req *compose.Request, p *params) *wiring.Protection {
	pr := &wiring.Protection{
		Enabled: p.DeletionProtection,
		Claim: wiring.Protected{Resource: resourceUsageClaim, Name: p.Cluster + "-protect-claim",
			Of: claimRef(req)},
		Data: []wiring.Protected{{Resource: resourceUsageDatabase, Name: p.Cluster + "-protect-database",
			Of: wiring.Ref{APIVersion: zalandoAPIVersion, Kind: zalandoKind, Name: p.Cluster}}},
		Guarded:     "its postgresql",
		Unprotected: "Deleting " + req.Subject() + " deletes the database and its data.",
	}
	if p.wait != nil {
		// No postgresql is composed while a restore waits for its source:
		// nothing to keep but the claim.
		pr.Data = nil
	}
	return pr
}

// claimRef is the tenant's own object: the PostgreSQL claim, or the
// namespaced composite itself.
func claimRef(req *compose.Request) wiring.Ref {
	gvk := req.ClaimKind(v1alpha1.GroupVersion.WithKind(claimKind))
	return wiring.Ref{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: req.ClaimName}
}
