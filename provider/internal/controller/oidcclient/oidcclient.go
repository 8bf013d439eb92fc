// Package oidcclient reconciles OIDCClient managed resources.
package oidcclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc/authentik"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc/keycloak"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc/rfc7591"
	"github.com/homeplane/homeplane/provider/internal/controller/pcfg"
)

const (
	errConnect    = "cannot connect to %s backend"
	errNoBlock    = "%s %s has type %s but no %s block"
	errGetSecret  = "cannot read connection secret %s/%s"
	errNeedSecret = "the rfc7591 backend needs writeConnectionSecretToRef: the registration access token lives there"
	errIssuer     = "cannot read issuer"
	errObserve    = "cannot observe OIDC client"
	errCreate     = "cannot create OIDC client"
	errUpdate     = "cannot update OIDC client"
	errRotate     = "cannot rotate client secret"
	errDelete     = "cannot delete OIDC client"
	errNotOurs    = "%s: client %q"
	errLostToken  = "cannot delete OIDC client %q: %w; it may still exist at the OpenID provider. To let the resource go without deleting it, leave Delete out of spec.managementPolicies and delete the client there"
	errRecord     = "created client %q but cannot record it in status.atProvider"
	msgSecretLost = "the backend cannot return the client secret and none is stored; set the " + v1alpha1.AnnotationRotateSecret + " annotation to issue a new one"
)

// SetupGated registers Setup to run once the OIDCClient CRD exists.
func SetupGated(mgr ctrl.Manager, o controller.Options) error {
	o.Gate.Register(func() {
		if err := Setup(mgr, o); err != nil {
			panic(fmt.Errorf("cannot set up OIDCClient controller: %w", err))
		}
	}, v1alpha1.OIDCClientGroupVersionKind)
	return nil
}

// Setup adds a controller that reconciles OIDCClients.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	name := managed.ControllerName(v1alpha1.OIDCClientGroupKind)
	opts := []managed.ReconcilerOption{
		managed.WithTypedExternalConnector[*v1alpha1.OIDCClient](&Connector{
			Resolver: pcfg.NewResolver(mgr.GetClient()),
			Kube:     mgr.GetClient(),
			HTTP:     &http.Client{Timeout: 30 * time.Second},
			Tokens:   &TokenStash{},
		}),
		// The backend issues the client id; the external name is set on
		// Create, or by hand to adopt an existing client.
		managed.WithInitializers(),
		managed.WithLogger(o.Logger.WithValues("controller", name)),
		managed.WithPollInterval(o.PollInterval),
		managed.WithRecorder(event.NewAPIRecorder(mgr.GetEventRecorderFor(name))), //nolint:staticcheck // as provider-template
	}
	if o.Features.Enabled(feature.EnableBetaManagementPolicies) {
		opts = append(opts, managed.WithManagementPolicies())
	}
	if o.MetricOptions != nil {
		opts = append(opts, managed.WithMetricRecorder(o.MetricOptions.MRMetrics))
		if o.MetricOptions.MRStateMetrics != nil {
			sm := statemetrics.NewMRStateRecorder(mgr.GetClient(), o.Logger, o.MetricOptions.MRStateMetrics,
				&v1alpha1.OIDCClientList{}, o.MetricOptions.PollStateMetricInterval)
			if err := mgr.Add(sm); err != nil {
				return fmt.Errorf("cannot register OIDCClient state metrics: %w", err)
			}
		}
	}
	r := managed.NewReconciler(mgr, resource.ManagedKind(v1alpha1.OIDCClientGroupVersionKind), opts...)
	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		WithEventFilter(resource.DesiredStateChanged()).
		For(&v1alpha1.OIDCClient{}).
		Complete(ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter))
}

// Connector builds an OIDC backend client from the provider config.
type Connector struct {
	Resolver *pcfg.Resolver
	Kube     client.Client
	HTTP     *http.Client
	// Tokens outlive a reconcile: credentials a backend issued that the
	// connection Secret may not hold yet.
	Tokens *TokenStash
}

// Connect resolves the provider config and returns an external client.
func (c *Connector) Connect(ctx context.Context, cr *v1alpha1.OIDCClient) (managed.TypedExternalClient[*v1alpha1.OIDCClient], error) {
	cfg, err := c.Resolver.Resolve(ctx, cr, apisv1alpha1.BackendRFC7591, apisv1alpha1.BackendKeycloak, apisv1alpha1.BackendAuthentik)
	if err != nil {
		return nil, err
	}
	cred := strings.TrimSpace(string(cfg.Credentials))
	var cl oidc.Client
	switch cfg.Spec.Type {
	case apisv1alpha1.BackendRFC7591:
		b := cfg.Spec.RFC7591
		if b == nil {
			return nil, fmt.Errorf(errNoBlock, cfg.Kind, cfg.Name, cfg.Spec.Type, "rfc7591")
		}
		if cr.Spec.WriteConnectionSecretToReference == nil {
			return nil, errors.New(errNeedSecret)
		}
		cl, err = rfc7591.New(rfc7591.Config{IssuerURL: b.IssuerURL, RegistrationEndpoint: b.RegistrationEndpoint,
			AdminURL: b.AdminURL, InitialAccessToken: cred, HTTP: c.HTTP})
	case apisv1alpha1.BackendKeycloak:
		b := cfg.Spec.Keycloak
		if b == nil {
			return nil, fmt.Errorf(errNoBlock, cfg.Kind, cfg.Name, cfg.Spec.Type, "keycloak")
		}
		cl, err = keycloak.New(keycloak.Config{URL: b.URL, Realm: b.Realm, AuthRealm: b.AuthRealm,
			ClientID: b.ClientID, Username: b.Username, Secret: cred, HTTP: c.HTTP})
	case apisv1alpha1.BackendAuthentik:
		b := cfg.Spec.Authentik
		if b == nil {
			return nil, fmt.Errorf(errNoBlock, cfg.Kind, cfg.Name, cfg.Spec.Type, "authentik")
		}
		cl, err = authentik.New(authentik.Config{URL: b.URL, Token: cred, AuthorizationFlow: b.AuthorizationFlow,
			InvalidationFlow: b.InvalidationFlow, Slug: Spec(cr).Slug, LegacySlugs: LegacySlugs(cr), HTTP: c.HTTP})
	default: // Resolve lets only the types above through
		err = fmt.Errorf("not an OIDC backend type: %q", cfg.Spec.Type)
	}
	if err != nil {
		return nil, fmt.Errorf(errConnect+": %w", cfg.Spec.Type, err)
	}
	e := NewExternal(cl, c.Kube).WithOwnership(oidc.OwnerMarker(cfg.OwnerID(), cr.GetNamespace(), cr.GetName()),
		cfg.Kind == apisv1alpha1.ClusterProviderConfigKind)
	e.status = c.Kube
	e.tokens = c.Tokens
	return e, nil
}

// External reconciles one OIDCClient.
type External struct {
	oidc oidc.Client
	kube client.Reader
	// owner is this resource's ownership marker (oidc.OwnerMarker).
	owner string
	// shared is true when the backend credentials are the admin's
	// (ClusterProviderConfig), so any client they can see is not
	// necessarily the tenant's.
	shared bool
	// status, when set, records the new client's ID in the resource's
	// status right after Create (see recordCreated).
	status client.StatusClient
	// tokens, when set, keeps what Create and Update return until the
	// connection Secret holds it.
	tokens *TokenStash
}

// NewExternal returns an external client; kube reads the connection secret.
func NewExternal(c oidc.Client, kube client.Reader) *External {
	return &External{oidc: c, kube: kube}
}

// WithOwnership sets the ownership marker e writes and accepts, and whether
// the backend credentials come from a ClusterProviderConfig.
func (e *External) WithOwnership(owner string, shared bool) *External {
	e.owner, e.shared = owner, shared
	return e
}

// checkOwner decides whether the observed client (read with state st) is
// cr's. Nothing the tenant can write (the connection Secret, the external
// name) is proof of anything; status is written by the provider only.
//   - a client with another client ID than the one asked for never is
//     (ErrWrongClient);
//   - a client whose marker names another owner never is (ErrOwnedByOther),
//     whatever the connection secret says: a tenant that may write Secrets
//     can make one look like a connection secret;
//   - a client with cr's marker is;
//   - an unmarked client is when the credentials are the tenant's own
//     (namespaced ProviderConfig: what they reach is the tenant's anyway);
//   - through a ClusterProviderConfig an unmarked client is cr's only with
//     proof a tenant cannot forge: the server answered its RFC 7592
//     registration access token at the URL the provider derives from the
//     client ID (rfc7591 ignores any URL in the Secret), or its client ID is
//     the one the provider recorded in cr's status (clients registered
//     before markers existed; backends without a place for a marker).
//     Otherwise ErrUnmarked.
func (e *External) checkOwner(cr *v1alpha1.OIDCClient, obs *oidc.Observed, st oidc.State) error {
	switch got := obs.Spec.Owner; {
	case obs.Spec.ClientID != st.ClientID:
		return fmt.Errorf("%w (%q)", oidc.ErrWrongClient, obs.Spec.ClientID)
	case got == e.owner:
		return nil
	case got != "":
		return oidc.ErrOwnedByOther
	case !e.shared, obs.ReadWithClientToken:
		return nil
	case st.ClientID != "" && cr.Status.AtProvider.ClientID == st.ClientID:
		return nil
	default:
		return oidc.ErrUnmarked
	}
}

// DefaultClientID is the client ID asked for when spec.forProvider.clientID
// is empty: "<namespace>.<name>". A namespace holds no ".", so two resources
// never ask for the same one (with "-", a-b/c and a/b-c would). Clients
// registered earlier under "<namespace>-<name>" keep their ID: Update sends
// the stored one.
func DefaultClientID(cr *v1alpha1.OIDCClient) string {
	return cr.GetNamespace() + "." + cr.GetName()
}

// Spec maps the resource to the backend-neutral spec.
func Spec(cr *v1alpha1.OIDCClient) oidc.Spec {
	p := cr.Spec.ForProvider
	s := oidc.Spec{
		ClientID: p.ClientID, DisplayName: p.DisplayName,
		RedirectURIs: p.RedirectURIs, PostLogoutRedirectURIs: p.PostLogoutRedirectURIs,
		GrantTypes: p.GrantTypes, Scopes: p.Scopes,
		Public: p.ClientType == v1alpha1.ClientTypePublic, PKCE: p.PKCE,
		TokenEndpointAuthMethod: string(p.TokenEndpointAuthMethod),
	}
	if s.ClientID == "" {
		s.ClientID = DefaultClientID(cr)
	}
	if len(s.GrantTypes) == 0 {
		s.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	if len(s.Scopes) == 0 {
		s.Scopes = []string{"openid", "profile", "email"}
	}
	if k := p.Keycloak; k != nil {
		s.DefaultClientScopes, s.OptionalClientScopes = k.DefaultClientScopes, k.OptionalClientScopes
	}
	// "_" appears in no namespace or resource name (DNS labels and
	// subdomains) but is valid in an authentik slug, so a-b/c and a/b-c get
	// different slugs.
	s.Slug = cr.GetNamespace() + "_" + cr.GetName()
	if a := p.Authentik; a != nil && a.Slug != "" {
		s.Slug = a.Slug
	}
	return s
}

// LegacySlugs are the authentik application slugs earlier releases gave cr
// by default (the bare resource name), looked at for an existing client's
// application; the authentik backend changes or deletes one only when it
// exposes cr's own provider.
func LegacySlugs(cr *v1alpha1.OIDCClient) []string {
	if a := cr.Spec.ForProvider.Authentik; a != nil && a.Slug != "" {
		return nil
	}
	return []string{cr.GetName()}
}

// stored is the state of cr's client: its client ID is the external name
// or, when that is empty (the runtime could not write it after Create, and
// the user removed the external-create-pending annotation), the ID this
// process kept from Create or the provider recorded in status; the
// credentials come from the connection secret. Only the credentials are
// taken from the secret: the tenant can write it (and forge its
// ownerReference), so its backend_id and registration_client_uri are never
// used, and what it holds is no proof of ownership (checkOwner).
func (e *External) stored(ctx context.Context, cr *v1alpha1.OIDCClient) (oidc.State, error) {
	st := oidc.State{ClientID: meta.GetExternalName(cr)}
	if st.ClientID == "" {
		st.ClientID = e.tokens.ClientID(cr.GetUID())
	}
	if st.ClientID == "" {
		st.ClientID = cr.Status.AtProvider.ClientID
	}
	defer func() {
		if st.ClientID != "" && st.ClientID == cr.Status.AtProvider.ClientID {
			st.ID = cr.Status.AtProvider.BackendID
		}
	}()
	ref := cr.Spec.WriteConnectionSecretToReference
	if ref == nil {
		return st, nil
	}
	s := &corev1.Secret{}
	err := e.kube.Get(ctx, types.NamespacedName{Namespace: cr.GetNamespace(), Name: ref.Name}, s)
	if kerrors.IsNotFound(err) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf(errGetSecret+": %w", cr.GetNamespace(), ref.Name, err)
	}
	// Only read a secret that says this resource controls it (which the
	// tenant can fake: this keeps mistakes out, not attacks).
	if c := metav1.GetControllerOf(s); c == nil || c.UID != cr.GetUID() {
		return st, nil
	}
	d := s.Data
	if id := string(d[oidc.KeyClientID]); id != "" && (st.ClientID == "" || st.ClientID == id) {
		st.ClientID = id
		st.ClientSecret = string(d[oidc.KeyClientSecret])
		st.RegistrationAccessToken = string(d[oidc.KeyRegistrationAccessToken])
	}
	return st, nil
}

// spec is Spec(cr) with this resource's ownership marker, keeping the
// client ID of an existing client (st) when the resource does not set one.
func (e *External) spec(cr *v1alpha1.OIDCClient, st oidc.State) oidc.Spec {
	s := Spec(cr)
	s.Owner = e.owner
	if cr.Spec.ForProvider.ClientID == "" && st.ClientID != "" {
		s.ClientID = st.ClientID
	}
	return s
}

func (e *External) details(ctx context.Context, st oidc.State) (managed.ConnectionDetails, string, error) {
	iss, err := e.oidc.Issuer(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", errIssuer, err)
	}
	cd := managed.ConnectionDetails{
		oidc.KeyClientID:     []byte(st.ClientID),
		oidc.KeyIssuerURL:    []byte(iss),
		oidc.KeyDiscoveryURL: []byte(oidc.DiscoveryURL(iss)),
	}
	for k, v := range map[string]string{
		oidc.KeyClientSecret:            st.ClientSecret,
		oidc.KeyID:                      st.ID,
		oidc.KeyRegistrationAccessToken: st.RegistrationAccessToken,
		oidc.KeyRegistrationClientURI:   st.RegistrationClientURI,
	} {
		if v != "" {
			cd[k] = []byte(v)
		}
	}
	return cd, iss, nil
}

// get reads the client with the stored state or, when this process keeps
// newer credentials for it (TokenStash), with those first, falling back to
// the stored ones if the server rejects them. It returns the state that
// worked.
func (e *External) get(ctx context.Context, cr *v1alpha1.OIDCClient, stored oidc.State) (*oidc.Observed, oidc.State, error) {
	e.tokens.Stored(cr.GetUID(), stored)
	kept, ok := e.tokens.Recover(cr.GetUID(), stored)
	if !ok {
		obs, err := e.oidc.Get(ctx, stored)
		return obs, stored, err
	}
	obs, err := e.oidc.Get(ctx, kept)
	if !errors.Is(err, oidc.ErrTokenRejected) {
		return obs, kept, err
	}
	obs, err2 := e.oidc.Get(ctx, stored)
	if err2 == nil {
		// The stored token works: what was kept is stale.
		e.tokens.Forget(cr.GetUID())
		return obs, stored, nil
	}
	return nil, kept, err
}

// current is the stored state with whatever newer credentials this process
// keeps for the client (see get, which drops stale ones).
func (e *External) current(ctx context.Context, cr *v1alpha1.OIDCClient) (oidc.State, error) {
	st, err := e.stored(ctx, cr)
	if err != nil {
		return st, err
	}
	st, _ = e.tokens.Recover(cr.GetUID(), st)
	return st, nil
}

// Observe reads the client and republishes the stored secret, which some
// backends cannot return on read.
func (e *External) Observe(ctx context.Context, cr *v1alpha1.OIDCClient) (managed.ExternalObservation, error) {
	if meta.WasDeleted(cr) && !deletes(cr) {
		// The resource goes without Delete: nothing kept is needed after.
		defer e.tokens.Forget(cr.GetUID())
	}
	st, err := e.stored(ctx, cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	if st.ClientID == "" {
		return e.gone(cr), nil
	}
	obs, st, err := e.get(ctx, cr, st)
	if errors.Is(err, oidc.ErrNotFound) {
		return e.gone(cr), nil
	}
	// A rejected registration access token is not proof that the client
	// is gone, so it is reported (Synced=False) rather than replaced. While
	// the resource is being deleted it is taken as gone only after this
	// resource's own delete was confirmed (which makes the server answer
	// 401); before that, Delete is tried and says why it cannot.
	// The confirmed delete is in status or, if that status write failed,
	// in the TokenStash.
	if errors.Is(err, oidc.ErrTokenRejected) && meta.WasDeleted(cr) {
		deleted := cr.Status.AtProvider.DeletedClientID
		if deleted == "" || deleted != st.ClientID {
			deleted = e.tokens.Deleted(cr.GetUID())
		}
		if deleted != "" && deleted == st.ClientID {
			cr.Status.AtProvider.DeletedClientID = deleted
			return e.gone(cr), nil
		}
		return managed.ExternalObservation{ResourceExists: true}, nil
	}
	if err != nil {
		return managed.ExternalObservation{}, fmt.Errorf("%s: %w", errObserve, err)
	}
	// Nothing of a client that is not ours is published or changed.
	if err := e.checkOwner(cr, obs, st); err != nil {
		if meta.WasDeleted(cr) {
			// Deleting the resource leaves someone else's client alone.
			return e.gone(cr), nil
		}
		return managed.ExternalObservation{}, fmt.Errorf(errNotOurs+": %w", errObserve, st.ClientID, err)
	}
	if obs.ClientSecret != "" {
		st.ClientSecret = obs.ClientSecret
	}
	if obs.Spec.Public {
		// A public client has no secret: one kept from when it was
		// confidential would be published but never work.
		st.ClientSecret = ""
	}
	st.ID = obs.ID
	st.RegistrationClientURI = obs.RegistrationClientURI
	cd, iss, err := e.details(ctx, st)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	// An external name lost after Create is written back (the runtime
	// persists it for a late-initialized resource).
	restored := meta.GetExternalName(cr) == ""
	if restored {
		meta.SetExternalName(cr, st.ClientID)
	}
	cr.Status.AtProvider.ClientID = st.ClientID
	cr.Status.AtProvider.BackendID = st.ID
	cr.Status.AtProvider.IssuerURL = iss
	cr.Status.AtProvider.RegistrationClientURI = st.RegistrationClientURI
	want := e.spec(cr, st)
	if st.ClientSecret == "" && !want.Public {
		cr.SetConditions(xpv2.Available().WithMessage(msgSecretLost))
	} else {
		cr.SetConditions(xpv2.Available())
	}
	rotated := cr.GetAnnotations()[v1alpha1.AnnotationRotateSecret] == cr.Status.AtProvider.SecretRotation
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        rotated && e.oidc.UpToDate(want, obs),
		ResourceLateInitialized: restored,
		ConnectionDetails:       cd,
	}, nil
}

// deletes reports whether cr's management policies let it delete the client.
func deletes(cr *v1alpha1.OIDCClient) bool {
	p := cr.GetManagementPolicies()
	return len(p) == 0 || slices.Contains(p, xpv2.ManagementActionAll) || slices.Contains(p, xpv2.ManagementActionDelete)
}

// gone is the observation of a client that does not exist (or, for a
// resource being deleted, is no longer this resource's concern); a deleted
// resource's stash entry goes with it.
func (e *External) gone(cr *v1alpha1.OIDCClient) managed.ExternalObservation {
	if meta.WasDeleted(cr) {
		e.tokens.Forget(cr.GetUID())
	}
	return managed.ExternalObservation{ResourceExists: false}
}

// Create registers the client and publishes its credentials.
func (e *External) Create(ctx context.Context, cr *v1alpha1.OIDCClient) (managed.ExternalCreation, error) {
	cr.SetConditions(xpv2.Creating())
	st, err := e.oidc.Create(ctx, e.spec(cr, oidc.State{}))
	if err != nil {
		return managed.ExternalCreation{}, fmt.Errorf("%s: %w", errCreate, err)
	}
	// Kept before anything else can fail: the secret and the registration
	// access token exist nowhere else until the connection Secret is written.
	e.tokens.Keep(cr.GetUID(), st)
	meta.SetExternalName(cr, st.ClientID)
	cr.Status.AtProvider.ClientID = st.ClientID
	cr.Status.AtProvider.BackendID = st.ID
	cr.Status.AtProvider.RegistrationClientURI = st.RegistrationClientURI
	// A new client has a new secret: any rotation request is satisfied.
	cr.Status.AtProvider.SecretRotation = cr.GetAnnotations()[v1alpha1.AnnotationRotateSecret]
	if err := e.recordCreated(ctx, cr); err != nil {
		return managed.ExternalCreation{}, err
	}
	cd, _, err := e.details(ctx, st)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	return managed.ExternalCreation{ConnectionDetails: cd}, nil
}

// recordCreated persists status.atProvider (the new client's ID, the
// satisfied rotation request) at once: the managed reconciler reverts status
// changes made in Create when it stores the external-name annotation, and
// the recorded ID is what proves, through a ClusterProviderConfig, that an
// unmarked client is this resource's (checkOwner). It patches a copy, so the
// reconciler's own update of cr meets a conflict, re-reads cr (with this
// status) and reapplies its annotations.
func (e *External) recordCreated(ctx context.Context, cr *v1alpha1.OIDCClient) error {
	if e.status == nil {
		return nil
	}
	cp := cr.DeepCopy()
	base := cp.DeepCopy()
	base.Status.AtProvider = v1alpha1.OIDCClientObservation{}
	if err := e.status.Status().Patch(ctx, cp, client.MergeFrom(base)); err != nil {
		return fmt.Errorf(errRecord+": %w", cr.Status.AtProvider.ClientID, err)
	}
	return nil
}

// Update applies spec changes and, when asked through the annotation,
// rotates the secret.
func (e *External) Update(ctx context.Context, cr *v1alpha1.OIDCClient) (managed.ExternalUpdate, error) {
	st, err := e.current(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if want := cr.GetAnnotations()[v1alpha1.AnnotationRotateSecret]; want != cr.Status.AtProvider.SecretRotation {
		if st, err = e.oidc.RotateSecret(ctx, st); err != nil {
			return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errRotate, err)
		}
		e.tokens.Keep(cr.GetUID(), st)
		cr.Status.AtProvider.SecretRotation = want
	}
	if st, err = e.oidc.Update(ctx, e.spec(cr, st), st); err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdate, err)
	}
	// Hydra has just replaced the token this update was made with.
	e.tokens.Keep(cr.GetUID(), st)
	cd, _, err := e.details(ctx, st)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	return managed.ExternalUpdate{ConnectionDetails: cd}, nil
}

// Delete removes the client.
func (e *External) Delete(ctx context.Context, cr *v1alpha1.OIDCClient) (managed.ExternalDelete, error) {
	cr.SetConditions(xpv2.Deleting())
	st, err := e.current(ctx, cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	err = e.oidc.Delete(ctx, st)
	if errors.Is(err, oidc.ErrTokenRejected) {
		return managed.ExternalDelete{}, fmt.Errorf(errLostToken, st.ClientID, err)
	}
	if err != nil {
		return managed.ExternalDelete{}, fmt.Errorf("%s: %w", errDelete, err)
	}
	// Recorded in status and, should that write fail, kept in this
	// process: only a confirmed delete lets a rejected token mean "gone".
	cr.Status.AtProvider.DeletedClientID = st.ClientID
	e.tokens.MarkDeleted(cr.GetUID(), st.ClientID)
	return managed.ExternalDelete{}, nil
}

// Disconnect has nothing to release.
func (e *External) Disconnect(context.Context) error { return nil }
