// Package collabora composes an XCollabora into Collabora Online (CODE): an
// admin Secret and a WOPI proof-key Secret generated once, a Deployment that
// every WOPI host can reach through a Service and a route, and a
// PodDisruptionBudget when there is more than one replica. Around it, the
// wiring: a DNS RecordSet for the host (spec.parameters.dns), a cert-manager
// certificate for the route (route.tls: an Ingress annotation, or a
// Certificate next to a Gateway), and a default-deny NetworkPolicy that lets
// in only the ingress controller and the pods the claim names
// (spec.parameters.network). Each of DNS and TLS reports a condition on the
// claim. There is no single sign-on: CODE has no login of its own, users come
// through the WOPI host.
//
// Security mode: capabilities. The image runs as uid 1001 and isolates each
// document in a chroot jail through file capabilities on coolforkit (CHOWN,
// FOWNER, MKNOD, SYS_CHROOT) and coolmount (SYS_ADMIN). The container drops
// every other capability and allows privilege escalation, without which the
// kernel ignores file capabilities; the runtime's default seccomp profile
// stays on. By default the pods meet the Pod Security baseline level: no
// SYS_ADMIN, and coolwsd copies each jail's template instead of bind
// mounting it (mount_jail_tree=false). Where the platform admin allows it
// (function input collabora.allowSysAdmin) the pods add SYS_ADMIN, which needs
// the namespace's level to be privileged, and documents load faster.
package collabora

import (
	"context"
	"io"

	"github.com/crossplane/function-sdk-go/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/app"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// App is the app.kubernetes.io/name of everything this package composes.
const App = "collabora"

// Composition resource names, one per composed piece.
const (
	ResourceAdminSecret    = "admin-secret"
	ResourceProofKeySecret = "proof-key-secret"
	ResourceDeployment     = "deployment"
	ResourceService        = "service"
	ResourcePDB            = "pdb"
	// ResourceRoute is the base of the route's resource name: route-ingress
	// or route-httproute.
	ResourceRoute = "route"
	// ResourceAnyService and ResourceAnyRoute (any-route-ingress) send the
	// stateless paths to any replica, with more than one behind an Ingress.
	ResourceAnyService = "any-service"
	ResourceAnyRoute   = "any-route"
)

// Connection details, as the XRD's connectionSecretKeys list them.
const (
	ConnectionWOPIURL       = "wopiUrl"
	ConnectionDiscoveryURL  = "discoveryUrl"
	ConnectionAdminUsername = "adminUsername"
	ConnectionAdminPassword = "adminPassword"
)

// Error strings.
const (
	errAdminSecret   = "cannot compose Collabora admin Secret"
	errProofKey      = "cannot compose Collabora WOPI proof key Secret"
	errObserved      = "cannot read observed Collabora deployment"
	errObservedRoute = "cannot read the observed Collabora Service and route"
)

// A KeyGenerator returns a new PEM encoded RSA private key. Tests inject a
// fixed one: since Go 1.26 crypto/rsa ignores the random source it is given.
type KeyGenerator func(rand io.Reader) ([]byte, error)

// Composer composes XCollabora.
type Composer struct {
	newProofKey KeyGenerator
}

// An Option configures a Composer.
type Option func(*Composer)

// WithProofKeyGenerator replaces the generator of WOPI proof keys.
func WithProofKeyGenerator(g KeyGenerator) Option {
	return func(c *Composer) { c.newProofKey = g }
}

// NewComposer returns a Composer.
func NewComposer(o ...Option) *Composer {
	c := &Composer{newProofKey: GenerateProofKey}
	for _, fn := range o {
		fn(c)
	}
	return c
}

// Compose an XCollabora through the app contract (fn/app).
func (c *Composer) Compose(ctx context.Context, req *compose.Request) (*compose.Result, error) {
	return c.app().Compose(ctx, req)
}

func (c *Composer) app() app.App[*v1alpha1.XCollabora, params] {
	return app.App[*v1alpha1.XCollabora, params]{
		New:     func() *v1alpha1.XCollabora { return &v1alpha1.XCollabora{} },
		Resolve: resolve,
		Expose:  expose,
		Build:   c.build,
	}
}

// build composes Collabora's own objects.
func (c *Composer) build(_ context.Context, req *compose.Request, p params, _ *wiring.Wiring) (*compose.Result, error) {
	n := p.names
	res := compose.NewResult()

	admin, creds, err := adminSecret(req, n)
	if err != nil {
		return nil, wrap(err, errAdminSecret)
	}
	res.Add(ResourceAdminSecret, admin, resource.ReadyTrue)

	proof, err := c.proofKeySecret(req, n)
	if err != nil {
		return nil, wrap(err, errProofKey)
	}
	res.Add(ResourceProofKeySecret, proof, resource.ReadyTrue)

	ready, err := deploymentReady(req, p.Replicas)
	if err != nil {
		return nil, wrap(err, errObserved)
	}
	res.Add(ResourceDeployment, deployment(req, p, n, checksum(admin, proof)), ready)
	res.Add(ResourceService, service(req, p), resource.ReadyTrue)
	if p.move.keepOldService {
		res.Add(ResourceBlockedService, blockedService(req, n), resource.ReadyTrue)
	}
	if hashes(p) {
		res.Add(ResourceAnyService, anyService(req, n), resource.ReadyTrue)
	}
	if pdb := podDisruptionBudget(req, p, n); pdb != nil {
		res.Add(ResourcePDB, pdb, resource.ReadyTrue)
	}

	url := "https://" + p.Host
	res.ConnectionDetails[ConnectionWOPIURL] = []byte(url)
	res.ConnectionDetails[ConnectionDiscoveryURL] = []byte(url + "/hosting/discovery")
	res.ConnectionDetails[ConnectionAdminUsername] = creds.username
	res.ConnectionDetails[ConnectionAdminPassword] = creds.password
	res.Status = v1alpha1.XCollaboraStatus{URL: url}
	res.SetCondition(sysAdminCondition(p))
	return res, nil
}

// ConditionSysAdmin says whether the pods add SYS_ADMIN, and why not.
const ConditionSysAdmin = "SysAdmin"

// sysAdminCondition says whether the server's jails are bind mounted with
// SYS_ADMIN (Pod Security privileged) or copied (baseline), and why.
func sysAdminCondition(p params) compose.Condition {
	switch {
	case p.sysAdmin:
		return compose.Condition{Type: ConditionSysAdmin, Status: metav1.ConditionTrue, Reason: "Allowed",
			Message: "The pods add SYS_ADMIN to bind mount document jails (spec.parameters.mountJailTree): their namespace's Pod Security level must be privileged"}
	case p.MountJailTree:
		return compose.Condition{Type: ConditionSysAdmin, Status: metav1.ConditionFalse, Reason: "NotAllowed",
			Message: "spec.parameters.mountJailTree asks for SYS_ADMIN, which the platform admin's policy does not allow (function input collabora.allowSysAdmin): jails are copied instead and the pods meet the Pod Security baseline level"}
	default:
		return compose.Condition{Type: ConditionSysAdmin, Status: metav1.ConditionFalse, Reason: "NotRequested",
			Message: "Jails are copied, without SYS_ADMIN: the pods meet the Pod Security baseline level"}
	}
}
