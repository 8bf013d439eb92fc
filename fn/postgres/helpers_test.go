package postgres

import (
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// resolveClaim defaults, validates and resolves the parameters of claim
// claim (in namespace wiki) as the app contract does.
func resolveClaim(claim string, in v1alpha1.PostgreSQLParameters) (*params, error) {
	req := &compose.Request{ClaimName: claim, Namespace: "wiki"}
	return NewComposer().app().Params(req, &v1alpha1.XPostgreSQL{Spec: v1alpha1.XPostgreSQLSpec{Parameters: *in.DeepCopy()}})
}
