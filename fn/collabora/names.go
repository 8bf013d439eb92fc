package collabora

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/homeplane/homeplane/fn/compose"
)

// Suffixes of the names of composed objects, after the claim's name.
const (
	suffixBase     = "-collabora"
	suffixAdmin    = "-collabora-admin"
	suffixProofKey = "-collabora-proof-key"
	// suffixAny names the Service and Ingress of the stateless paths, which
	// any replica answers. The longest Service suffix: claim names of up to
	// 49 characters make valid Service names.
	suffixAny = "-collabora-any"
)

const errClaimName = "claim name %q cannot name the Service %q: %s"

// names are the names of the composed objects of one claim.
type names struct {
	// base names the Deployment, Service, PodDisruptionBudget and route.
	base     string
	admin    string
	proofKey string
	// any names the Service and Ingress of the stateless paths (composed
	// only with more than one replica behind an Ingress).
	any string
}

// newNames derives the object names from the claim's name. Service names are
// DNS-1035 labels (at most 63 characters, starting with a letter), stricter
// than claim names: a claim whose name cannot make them is rejected here
// rather than by the API server on every reconcile.
func newNames(claim string) (names, error) {
	n := names{
		base:     claim + suffixBase,
		admin:    claim + suffixAdmin,
		proofKey: claim + suffixProofKey,
		any:      claim + suffixAny,
	}
	for _, svc := range []string{n.base, n.any} {
		if errs := validation.IsDNS1035Label(svc); len(errs) > 0 {
			return names{}, compose.InvalidField("metadata.name", errClaimName, claim, svc, strings.Join(errs, "; "))
		}
	}
	return n, nil
}
