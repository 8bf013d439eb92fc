package postgres

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// checkParameters refuses the PostgreSQL settings that run commands, load
// code or name server files (fnv1alpha1.DeniedParameters) unless the platform
// admin allows them: Patroni applies them as the database's operating system
// user, with the pod's access to its volumes, its network and its service
// account.
func checkParameters(pol fnv1alpha1.PostgreSQLPolicy, params map[string]string) error {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	slices.Sort(names)
	var errs field.ErrorList
	for _, n := range names {
		if !pol.AllowsParameter(n) {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "parameters", "parameters").Key(n),
				fmt.Sprintf("%s runs commands, loads code or names server files; the platform admin does not allow it (allowed of those: %s)", n, allowedOr(pol.AllowedParameters))))
		}
	}
	return compose.FieldErrors(errs)
}

func allowedOr(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
