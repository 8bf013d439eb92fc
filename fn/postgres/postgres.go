// Package postgres composes an XPostgreSQL into a Zalando postgres-operator
// cluster, the Secret an app connects with, and the Usages that protect the
// data from deletion.
package postgres

import (
	"context"
	"fmt"
	"strconv"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/app"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

func init() {
	// composed.From needs these kinds to set apiVersion and kind.
	utilruntime.Must(acidv1.AddToScheme(composed.Scheme))
	utilruntime.Must(protectionv1beta1.AddToScheme(composed.Scheme))
}

// Composition resource names.
const (
	resourceDatabase                    = "postgresql"
	resourceConnection                  = "connection"
	resourceUsageDatabase resource.Name = "protect-postgresql"
	resourceUsageClaim    resource.Name = "protect-claim"
)

// Error strings.
const (
	errObserved  = "cannot read the observed postgresql"
	errDowngrade = "cannot go from PostgreSQL %s down to %s: a major version cannot be downgraded in place; restore into a new claim instead"
	errRenamed   = "the database is named %s and cannot be renamed to %s: that would be a new, empty database; keep the teamId"
)

// Events.
const reasonOperatorFailed = "DatabaseFailed"

// App is the app.kubernetes.io/name of the wiring's objects.
const App = "postgresql"

// Composer composes XPostgreSQL.
type Composer struct{}

// NewComposer returns a Composer.
func NewComposer() *Composer { return &Composer{} }

// Compose an XPostgreSQL through the app contract (fn/app).
func (c *Composer) Compose(ctx context.Context, req *compose.Request) (*compose.Result, error) {
	return c.app().Compose(ctx, req)
}

func (c *Composer) app() app.App[*v1alpha1.XPostgreSQL, *params] {
	return app.App[*v1alpha1.XPostgreSQL, *params]{
		New:     func() *v1alpha1.XPostgreSQL { return &v1alpha1.XPostgreSQL{} },
		Resolve: resolveComposite,
		Expose:  expose,
		Build:   build,
	}
}

// resolveComposite resolves the parameters and refuses what would harm the
// running cluster.
func resolveComposite(req *compose.Request, xr *v1alpha1.XPostgreSQL) (*params, error) {
	p, err := resolve(req.ClaimName, xr.Spec.Parameters)
	if err != nil {
		return nil, err
	}
	if err := checkParameters(req.Policy.PostgreSQL, p.Parameters); err != nil {
		return nil, err
	}
	if p.observed, err = observedCluster(req); err != nil {
		return nil, err
	}
	if err := checkTransition(p, p.observed); err != nil {
		return nil, err
	}
	if err := placeArchive(req, p, p.observed); err != nil {
		return nil, err
	}
	if p.wait, err = resolveRestore(req, p, p.observed); err != nil {
		return nil, err
	}
	return p, nil
}

// expose states what the database needs from the wiring: who may reach its
// pods, and that the postgresql and the claim refuse deletion while
// protection is on. It is not routed: no DNS, TLS or SSO.
func expose(req *compose.Request, p *params) wiring.Exposure {
	return wiring.Exposure{App: App, Policy: policy(p), Protection: protection(req, p)}
}

// build composes the postgresql, the claim's connection Secret and each
// role's.
func build(_ context.Context, req *compose.Request, p *params, _ *wiring.Wiring) (*compose.Result, error) {
	observed := p.observed
	res := compose.NewResult()
	if p.AskSource {
		// Asked every time until the cluster exists, like the credentials.
		res.Requirements[requirementSource] = sourceRequirement(req, p)
	}
	if p.SourceCluster != "" {
		res.Requirements[requirementSourceCluster] = sourceClusterRequirement(req, p.SourceCluster)
	}
	if p.wait != nil {
		// No postgresql: a cluster without its source would start empty, or
		// clone the wrong data.
		res.Status = status(req, p, observed)
		res.SetCondition(*p.wait)
		return res, nil
	}
	pg, err := desired(cluster(req, p))
	if err != nil {
		return nil, err
	}
	res.Add(resourceDatabase, pg, readiness(running(observed)))

	waiting, err := connections(req, p, res)
	if err != nil {
		return nil, err
	}
	// The claim's connection details: the first owner's, as before.
	user, password, ok, err := credentials(req, credentialsRequirementName(p.Roles[0]))
	if err != nil {
		return nil, err
	}
	var details map[string][]byte
	if ok {
		details = connectionDetails(req, p, user, password)
	} else if details, _, err = observedConnection(req); err != nil {
		return nil, err
	}
	if details != nil {
		res.Add(resourceConnection, connectionSecret(req, details), resource.ReadyTrue)
		res.ConnectionDetails = details
	}

	res.Status = status(req, p, observed)
	res.SetCondition(databaseCondition(p, observed, waiting))
	if failed(observed) {
		res.Events = append(res.Events, compose.Event{
			Severity: compose.SeverityWarning, Reason: reasonOperatorFailed,
			Message: fmt.Sprintf("The Zalando operator reports %s for postgresql %s", phase(observed), p.Cluster),
		})
	}
	return res, nil
}

func readiness(ok bool) resource.Ready {
	if ok {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// observedCluster is the postgresql as it exists, or nil.
func observedCluster(req *compose.Request) (*acidv1.Postgresql, error) {
	pg := &acidv1.Postgresql{}
	found, err := req.ObservedInto(resourceDatabase, pg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errObserved, err)
	}
	if !found {
		return nil, nil
	}
	return pg, nil
}

// checkTransition refuses what would harm the running cluster, for XRs that
// got past the XRD's CEL rules (they were created before the rules, or the
// rules were bypassed by editing the XR).
func checkTransition(p *params, observed *acidv1.Postgresql) error {
	if observed == nil {
		return nil
	}
	if n := observed.GetName(); n != "" && n != p.Cluster {
		return compose.InvalidField(pathTeamID, errRenamed, n, p.Cluster)
	}
	was, errWas := strconv.Atoi(observed.Spec.PgVersion)
	is, errIs := strconv.Atoi(p.Version)
	if errWas == nil && errIs == nil && is < was {
		return compose.InvalidField(pathVersion, errDowngrade, observed.Spec.PgVersion, p.Version)
	}
	old, errOld := apiresource.ParseQuantity(observed.Spec.Size)
	cur, errCur := apiresource.ParseQuantity(p.Storage)
	if errOld == nil && errCur == nil {
		return compose.CheckGrow(pathStorage, old, cur)
	}
	return nil
}
