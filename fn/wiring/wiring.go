// Package wiring is the one stage that connects an app to the world and
// guards it, the same way for every composite kind: the Ingress or HTTPRoute,
// the cert-manager Certificate, the DNS RecordSets, the OIDC client, the
// NetworkPolicies, the Usages that order and refuse deletion, and the claim
// conditions that report each of them (DNS, TLS, SSO, DeletionProtection).
//
// An app states what it exposes in an Exposure and builds only its own
// objects; it never composes wiring itself. Plan checks the exposure before
// the app builds anything (a dns block that cannot work costs no generated
// secret), and Apply adds the wiring to the app's result.
package wiring

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Reasons of the conditions the stage sets besides Available and Creating.
const (
	// ReasonDisabled: the claim does not ask for the piece.
	ReasonDisabled = "Disabled"
	// ReasonEnabled: deletion protection is on.
	ReasonEnabled = "Enabled"
	// ReasonIngressAnnotation: cert-manager issues the certificate from the
	// Ingress's annotation; Homeplane does not observe it.
	ReasonIngressAnnotation = "IngressAnnotation"
	// ReasonDefaultIngressNamespace: the NetworkPolicy admits the default
	// ingress namespace while the route goes through a Gateway.
	ReasonDefaultIngressNamespace = "DefaultIngressNamespace"
)

// ConditionDeletionProtection says whether and why deleting the claim is
// refused.
const ConditionDeletionProtection = "DeletionProtection"

// Claim field paths the stage names in errors and messages.
const (
	FieldDNS                = "spec.parameters.dns"
	FieldRoute              = "spec.parameters.route"
	FieldNetwork            = "spec.parameters.network"
	FieldDeletionProtection = "spec.parameters.deletionProtection"
)

// Exposure is what an app states about itself: what it serves and to whom,
// what it needs from an identity provider, and what must outlive what. The
// claim's own wiring blocks (route, dns, network, sso) are passed defaulted
// and validated.
type Exposure struct {
	// App is the app.kubernetes.io/name of the wiring's objects.
	App string

	// Claim is the claim's wiring (spec.parameters.route, .dns, .network),
	// defaulted and validated. Its route is used only with Routes; without
	// a dns block no record is published; its network block lets the
	// ingress namespace and the pods it names reach an app behind a route,
	// and turns policies off when it says so.
	Claim common.Wiring

	// Routes are the app's routes, one Ingress or HTTPRoute each. Their hosts
	// are the hosts the certificate covers and DNS publishes. None: the app
	// is not served over HTTP (e.g. PostgreSQL) and has no DNS or TLS.
	Routes []RouteSpec

	// ExtraRecords are record sets beyond the hosts' (e.g. Matrix SRV).
	ExtraRecords []ExtraRecord

	// Hosts are the hosts the claim chose, with their fields, and Images the
	// images it makes the app run: the platform admin's policy (the function
	// input) must allow them.
	Hosts  []Host
	Images []Image

	// Policy selects the app's pods and ports, and the peers the app itself
	// needs. Nil: no NetworkPolicies.
	Policy *Policy

	// SSO is the OIDC client the app needs; nil when the claim asks for no
	// single sign-on. SSOSupported makes the stage report SSO as disabled
	// then, so a condition from before the block was removed does not linger.
	SSO          *ClientSpec
	SSOSupported bool

	// Uses keep objects while their users exist.
	Uses []Use
	// Protection is the kind's deletion protection; nil when it has none.
	Protection *Protection
}

// Policy is who may reach an app's pods.
type Policy struct {
	// PodSelector selects the app's pods.
	PodSelector map[string]string
	// Ports the app serves (TCP).
	Ports []int32
	// Peers the app needs besides those of the claim's network block.
	Peers []Peer
}

// Use keeps Of while By exists, and replays Of's refused delete once By is
// gone.
type Use struct {
	// Resource is the Usage's composition resource name.
	Resource resource.Name
	Of, By   Ref
	Reason   string
}

// Protection is deletion protection: reason-only Usages of the claim and of
// the objects that hold its data, while Enabled. The claim is protected too
// because a Usage of the data alone is deleted with the composite, and the
// data right after it: refusing the claim's delete keeps everything in place.
type Protection struct {
	Enabled bool
	// Claim is the Usage of the claim, Data those of the objects holding data.
	Claim Protected
	Data  []Protected
	// Guarded names the data for people, e.g. "its data volume".
	Guarded string
	// Unprotected says what deleting the claim deletes when Enabled is false.
	Unprotected string
}

// Protected is one object refused deletion.
type Protected struct {
	// Resource is the Usage's composition resource name, Name its object name.
	Resource resource.Name
	Name     string
	Of       Ref
}

// Wiring is the planned wiring of one composite.
type Wiring struct {
	req    *compose.Request
	e      Exposure
	routes []routed
	// owners[i] is the index of the route whose certificate route i uses.
	owners  []int
	records []record
	client  *OIDCClient
}

type routed struct {
	name resource.Name
	obj  runtime.Object
}

// Plan checks the exposure against the platform admin's policy and composes
// the wiring. An error names the claim field at fault.
func Plan(req *compose.Request, e Exposure) (*Wiring, error) {
	if err := checkPolicy(req, e); err != nil {
		return nil, err
	}
	w := &Wiring{req: req, e: e}
	// Ingresses share certificates per host; through a Gateway one
	// Certificate covers every host (addTLS), so each route is its own.
	owners := make([]int, len(e.Routes))
	for i := range owners {
		owners[i] = i
	}
	if !IsGateway(e.Claim.Route) {
		var err error
		if owners, err = certificateOwners(e.Routes); err != nil {
			return nil, fmt.Errorf("cannot compose %s routes: %w", e.App, err)
		}
	}
	w.owners = owners
	for i, s := range e.Routes {
		var owner *RouteSpec
		if owners[i] != i {
			owner = &e.Routes[owners[i]]
		}
		name, obj, err := composeRoute(req, e.Claim.Route, s, owner)
		if err != nil {
			return nil, fmt.Errorf("cannot compose %s route: %w", e.App, err)
		}
		w.routes = append(w.routes, routed{name, obj})
	}
	if e.Claim.DNS != nil && len(e.Routes) > 0 {
		rs, err := composeRecords(req, FieldDNS, *e.Claim.DNS, w.hosts(), e.ExtraRecords...)
		if err != nil {
			return nil, err
		}
		w.records = rs
	}
	if e.SSO != nil {
		s := *e.SSO
		s.App = e.App
		w.client = composeClient(req, s)
	}
	return w, nil
}

// Client is the app's OIDC client, whose connection Secret the app reads its
// credentials from, or nil without SSO.
func (w *Wiring) Client() *OIDCClient { return w.client }

// Apply adds the wiring's objects to res, and its conditions after the app's
// own, in the same order for every kind: DNS, TLS, SSO, DeletionProtection.
func (w *Wiring) Apply(res *compose.Result) {
	for _, r := range w.routes {
		res.Add(r.name, r.obj, resource.ReadyTrue)
	}
	w.addPolicies(res)
	for _, u := range w.e.Uses {
		res.Add(u.Resource, usageBy(w.req, w.e.App, u.Of, u.By, u.Reason), resource.ReadyTrue)
	}
	if len(w.e.Routes) > 0 {
		w.addDNS(res)
		w.addTLS(res)
	}
	switch {
	case w.client != nil:
		addClient(res, w.client)
	case w.e.SSOSupported:
		res.SetCondition(compose.Condition{Type: ConditionSSO, Status: metav1.ConditionFalse, Reason: ReasonDisabled,
			Message: "No OIDC client is registered: users log in with the app's own accounts; set spec.parameters.sso for single sign-on"})
	}
	w.addProtection(res)
}

// hosts are the hosts of every route, in order, without repeats.
func (w *Wiring) hosts() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range w.e.Routes {
		for _, h := range routeHosts(s) {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// addDNS adds the records and sets the DNS condition, also when there is no
// dns block, so that a condition from before the block was removed does not
// linger. A record no longer composed is deleted by Crossplane.
func (w *Wiring) addDNS(res *compose.Result) {
	if w.e.Claim.DNS == nil {
		res.SetCondition(compose.Condition{Type: ConditionDNS, Status: metav1.ConditionFalse, Reason: ReasonDisabled,
			Message: fmt.Sprintf("No DNS record is composed: %s must resolve to the ingress by other means, or set %s", strings.Join(w.hosts(), ", "), FieldDNS)})
		return
	}
	addRecords(w.req, res, w.records)
}

// addTLS composes the route's certificate and sets the TLS condition.
//
//   - Gateway with tls: a cert-manager Certificate in the claim's namespace
//     and a ReferenceGrant that lets the Gateway's namespace read its Secret,
//     observed, so the condition says whether it is issued.
//   - Ingress with tls: the cert-manager annotation of the route that owns
//     each host's certificate (certificateOwners). cert-manager's
//     ingress-shim creates the Certificate, not Crossplane, so Homeplane
//     cannot see whether it is issued: the condition is Unknown and says
//     where to look.
//   - No tls: the route has no certificate of its own; browsers get whatever
//     the controller or listener serves for the host.
func (w *Wiring) addTLS(res *compose.Result) {
	t, hosts := w.e.Claim.Route.TLS, strings.Join(w.hosts(), ", ")
	switch {
	case t == nil:
		where := "the ingress controller's default certificate"
		if IsGateway(w.e.Claim.Route) {
			where = "the certificate of the Gateway's listener"
		}
		res.SetCondition(compose.Condition{Type: ConditionTLS, Status: metav1.ConditionFalse, Reason: ReasonDisabled,
			Message: fmt.Sprintf("No certificate is requested for %s: browsers get %s; set %s.tls.issuer to have cert-manager issue one", hosts, where, FieldRoute)})
	case IsGateway(w.e.Claim.Route):
		addCertificate(res, composeCertificate(w.req, w.e.App, *t, *w.e.Claim.Route.Gateway, w.hosts()))
	default:
		kind := t.IssuerKind
		if kind == "" {
			kind = common.IssuerKindClusterIssuer
		}
		// One certificate per host: only the routes that ask for one.
		secrets := make([]string, 0, len(w.e.Routes))
		for i, s := range w.e.Routes {
			if w.owners[i] == i {
				secrets = append(secrets, s.tlsSecretName())
			}
		}
		res.SetCondition(compose.Condition{Type: ConditionTLS, Status: metav1.ConditionUnknown, Reason: ReasonIngressAnnotation,
			Message: fmt.Sprintf("The Ingress asks cert-manager (%s %q) for a certificate for %s in Secret %s of namespace %s; cert-manager creates it, so Homeplane does not observe it: see kubectl -n %s get certificates",
				kind, t.Issuer, hosts, strings.Join(secrets, ", "), w.req.Namespace, w.req.Namespace)})
	}
}

// addPolicies adds the NetworkPolicies: the app's own peers, then for an app
// behind a route the ingress namespace and the pods the claim names. Through a
// Gateway with the default ingress namespace it warns: Gateway proxies seldom
// run there, and the policy would then shut clients out.
func (w *Wiring) addPolicies(res *compose.Result) {
	p, n := w.e.Policy, w.e.Claim.Network
	if p == nil || !n.PoliciesEnabled() {
		return
	}
	s := policySpec{App: w.e.App, PodSelector: p.PodSelector, Ports: p.Ports, Peers: append([]Peer(nil), p.Peers...)}
	if len(w.e.Routes) > 0 {
		s.Peers = append(s.Peers, Peer{Namespace: n.Namespace()})
		if n != nil && len(n.AllowFromPods) > 0 {
			s.Peers = append(s.Peers, Peer{PodLabels: common.Labels(n.AllowFromPods)})
		}
		if IsGateway(w.e.Claim.Route) && n.Namespace() == common.DefaultIngressNamespace {
			res.Events = append(res.Events, compose.Event{Severity: compose.SeverityWarning, Reason: ReasonDefaultIngressNamespace,
				Message: fmt.Sprintf("The NetworkPolicy lets the route in from namespace %s, the default; through a Gateway, set %s.ingressNamespace to the namespace of the Gateway's proxy pods", n.Namespace(), FieldNetwork)})
		}
	}
	addPolicies(w.req, res, s)
}

// addProtection adds the reason-only Usages while protection is on, and says
// on the claim whether deleting it is refused.
func (w *Wiring) addProtection(res *compose.Result) {
	p := w.e.Protection
	if p == nil {
		return
	}
	if !p.Enabled {
		res.SetCondition(compose.Condition{Type: ConditionDeletionProtection, Status: metav1.ConditionFalse, Reason: ReasonDisabled, Message: p.Unprotected})
		return
	}
	reason := fmt.Sprintf("%s %s/%s has deletionProtection on: set %s to false to delete it and its data", p.Claim.Of.Kind, w.req.Namespace, w.req.ClaimName, FieldDeletionProtection)
	for _, o := range append([]Protected{p.Claim}, p.Data...) {
		res.Add(o.Resource, protect(w.req, w.e.App, o.Name, o.Of, reason), resource.ReadyTrue)
	}
	res.SetCondition(compose.Condition{Type: ConditionDeletionProtection, Status: metav1.ConditionTrue, Reason: ReasonEnabled,
		Message: fmt.Sprintf("Deleting %s or %s is refused while %s is true; set it to false first.", w.req.Subject(), p.Guarded, FieldDeletionProtection)})
}
