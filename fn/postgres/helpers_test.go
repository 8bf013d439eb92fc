package postgres

import (
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// resolveClaim defaults, validates and resolves the parameters of claim
// claim (in namespace wiki) as the app contract does. The composite has a
// UID, as every composite Crossplane sends has: a new archive is placed by it.
func resolveClaim(claim string, in v1alpha1.PostgreSQLParameters) (*params, error) {
	xr := composite.New()
	xr.SetUID(testUID)
	req := &compose.Request{Composite: xr, ClaimName: claim, Namespace: "wiki"}
	return NewComposer().app().Params(req, &v1alpha1.XPostgreSQL{Spec: v1alpha1.XPostgreSQLSpec{Parameters: *in.DeepCopy()}})
}
