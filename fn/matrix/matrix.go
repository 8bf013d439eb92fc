// Package matrix composes an XMatrixServer into a Matrix homeserver (Conduit,
// tuwunel or continuwuity): a data volume kept by a Usage while the
// Deployment exists, a ConfigMap of its environment, a generated registration
// token, a Deployment, a Service, its routes and NetworkPolicies, and when
// asked for DNS records, a Certificate (gateway routes) and an OIDC client.
package matrix

import (
	"context"
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/app"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// Error strings.
const (
	errConfig     = "cannot render homeserver configuration"
	errToken      = "cannot compose registration token"
	errData       = "cannot compose data volume"
	errRestore    = "cannot restore data volume"
	errSnapshots  = "cannot compose volume snapshots"
	errServerName = "is immutable: the homeserver's data belongs to %s, not %s (Matrix IDs are bound to the server name)"
)

// ConditionHomeserver says whether the homeserver is up, and what it waits
// for when it is not.
const ConditionHomeserver = "Homeserver"

// Composer composes XMatrixServer.
type Composer struct{}

// NewComposer returns a Composer.
func NewComposer() *Composer { return &Composer{} }

// Compose an XMatrixServer through the app contract (fn/app).
func (c *Composer) Compose(ctx context.Context, req *compose.Request) (*compose.Result, error) {
	return c.app().Compose(ctx, req)
}

func (c *Composer) app() app.App[*v1alpha1.XMatrixServer, *params] {
	return app.App[*v1alpha1.XMatrixServer, *params]{
		New:     func() *v1alpha1.XMatrixServer { return &v1alpha1.XMatrixServer{} },
		Resolve: resolve,
		Expose:  expose,
		Build:   build,
	}
}

// build composes the homeserver's own objects.
func build(_ context.Context, req *compose.Request, p *params, w *wiring.Wiring) (*compose.Result, error) {
	// Before the ConfigMap and Deployment, which read the client's Secret.
	p.OIDC = w.Client()
	res := compose.NewResult()
	cm, err := ConfigMap(req, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errConfig, err)
	}
	t, err := registrationToken(req, p, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errToken, err)
	}
	source, restoring, err := restoreSource(req, p, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errRestore, err)
	}
	pvc, err := PVC(req, p, res, source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errData, err)
	}

	bound := pvcBound(req)
	available := deploymentAvailable(req)
	// With SSO the homeserver is not ready before its OIDC client is: its
	// pods wait for the client's connection Secret anyway.
	clientReady := p.OIDC == nil || p.OIDC.Ready
	// A volume to restore is not composed before its snapshot can seed it
	// (an empty volume would never be restored), nor the homeserver that
	// would start on it.
	if restoring == "" {
		res.Add(ResourceData, pvc, ready(bound))
	}
	// Objects without a status of their own are ready once applied; the
	// composite is ready when the volume is bound and the server available.
	res.Add(ResourceEnv, cm, resource.ReadyTrue)
	if t.Secret != nil {
		res.Add(ResourceRegistration, t.Secret, resource.ReadyTrue)
	}
	if restoring == "" {
		res.Add(ResourceDeployment, Deployment(req, p, cm, t), ready(available && clientReady))
	}
	res.Add(ResourceService, Service(req), resource.ReadyTrue)

	url := "https://" + p.Host
	res.Status = v1alpha1.XMatrixServerStatus{URL: url}
	res.ConnectionDetails[KeyHomeserverURL] = []byte(url)
	res.ConnectionDetails[KeyServerName] = []byte(p.ServerName)
	if t.Value != nil {
		res.ConnectionDetails[KeyRegistrationToken] = t.Value
	}
	waitingClient := ""
	if !clientReady {
		waitingClient = fmt.Sprintf("the OIDC client %s (%s)", p.OIDC.Object.Spec.ForProvider.ClientID, p.OIDC.NotReady)
	}
	res.SetCondition(condition(restoring, bound, available, t.Waiting, waitingClient))
	if err := addSnapshots(req, p, res); err != nil {
		return nil, fmt.Errorf("%s: %w", errSnapshots, err)
	}
	return res, nil
}

// condition says in words what the homeserver waits for.
func condition(restoring string, bound, available bool, token, client string) compose.Condition {
	var waiting []string
	if restoring != "" {
		waiting = append(waiting, restoring)
	}
	if !bound {
		waiting = append(waiting, "the data volume to be bound")
	}
	if client != "" {
		waiting = append(waiting, client)
	}
	if !available {
		waiting = append(waiting, "the homeserver to answer "+ProbePath)
	}
	if token != "" {
		waiting = append(waiting, token)
	}
	if len(waiting) == 0 {
		return compose.Condition{Type: ConditionHomeserver, Status: metav1.ConditionTrue, Reason: "Available"}
	}
	return compose.Condition{
		Type:    ConditionHomeserver,
		Status:  metav1.ConditionFalse,
		Reason:  "Waiting",
		Message: "Waiting for " + strings.Join(waiting, ", "),
	}
}

// checkServerName refuses to move an existing homeserver to another server
// name, which the XRD also forbids: its database would not match.
func checkServerName(req *compose.Request, p *params) error {
	cm := &corev1.ConfigMap{}
	ok, err := req.ObservedInto(ResourceEnv, cm)
	if err != nil || !ok {
		return err
	}
	was := cm.Data[p.impl().Env(keyServerName)]
	if was != "" && was != p.ServerName {
		return compose.InvalidField(fieldServerName, errServerName, was, p.ServerName)
	}
	return nil
}

func ready(b bool) resource.Ready {
	if b {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}
