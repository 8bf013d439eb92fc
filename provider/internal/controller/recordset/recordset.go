// Package recordset reconciles RecordSet managed resources.
package recordset

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
	mdns "github.com/miekg/dns"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/homeplane/homeplane/apis/dns/v1alpha1"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/powerdns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/rfc2136"
	"github.com/homeplane/homeplane/provider/internal/controller/pcfg"
)

const (
	errSpec         = "invalid spec.forProvider"
	errExternalName = "external name %q does not match spec (%q); zone, name and type are immutable"
	errConnect      = "cannot connect to %s backend"
	errObserve      = "cannot observe record set"
	errCreate       = "cannot create record set"
	errUpdate       = "cannot update record set"
	errDelete       = "cannot delete record set"
	errNoBlock      = "%s %s has type %s but no %s block"
	errNotApplied   = "the server accepted the update but does not serve the new set (a CNAME next to other data at the same name?)"

	defaultTTL = 300
)

// SetupGated registers Setup to run once the RecordSet CRD exists (safe-start).
func SetupGated(mgr ctrl.Manager, o controller.Options) error {
	o.Gate.Register(func() {
		if err := Setup(mgr, o); err != nil {
			panic(fmt.Errorf("cannot set up RecordSet controller: %w", err))
		}
	}, v1alpha1.RecordSetGroupVersionKind)
	return nil
}

// Setup adds a controller that reconciles RecordSets.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	name := managed.ControllerName(v1alpha1.RecordSetGroupKind)
	opts := []managed.ReconcilerOption{
		managed.WithTypedExternalConnector[*v1alpha1.RecordSet](&Connector{
			Resolver: pcfg.NewResolver(mgr.GetClient()),
			HTTP:     &http.Client{Timeout: 30 * time.Second},
		}),
		managed.WithInitializers(managed.InitializerFn(InitExternalName)),
		managed.WithDeterministicExternalName(true),
		// The primary answers from what it committed, so a set that is not
		// there after Create is really not there; a repeated Create is
		// refused by its prerequisite anyway.
		managed.WithCreationGracePeriod(0),
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
				&v1alpha1.RecordSetList{}, o.MetricOptions.PollStateMetricInterval)
			if err := mgr.Add(sm); err != nil {
				return fmt.Errorf("cannot register RecordSet state metrics: %w", err)
			}
		}
	}
	r := managed.NewReconciler(mgr, resource.ManagedKind(v1alpha1.RecordSetGroupVersionKind), opts...)
	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		WithEventFilter(resource.DesiredStateChanged()).
		For(&v1alpha1.RecordSet{}).
		Complete(ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter))
}

// ExternalName is "<fqdn without trailing dot>/<type>", the name in its
// ASCII form (dnsc.ToASCII; as written when it has none).
func ExternalName(cr *v1alpha1.RecordSet) string {
	return externalName(dnsc.FQDN(cr.Spec.ForProvider.Name, cr.Spec.ForProvider.Zone), string(cr.Spec.ForProvider.Type))
}

func externalName(fqdn, typ string) string {
	if a, err := dnsc.ToASCII(fqdn); err == nil {
		fqdn = a
	}
	return strings.TrimSuffix(fqdn, ".") + "/" + strings.ToUpper(typ)
}

// sameExternalName compares external names in their ASCII form: releases
// before IDNA support wrote an internationalised name as the user did.
func sameExternalName(a, b string) bool {
	ascii := func(en string) string {
		i := strings.LastIndexByte(en, '/')
		if i < 0 {
			return en
		}
		return externalName(en[:i], en[i+1:])
	}
	return strings.EqualFold(ascii(a), ascii(b))
}

// InitExternalName derives the external name from the spec when unset, so
// Observe-only resources find their set without a Create.
func InitExternalName(_ context.Context, mg resource.Managed) error {
	cr, ok := mg.(*v1alpha1.RecordSet)
	if !ok {
		return errors.New("not a RecordSet")
	}
	if meta.GetExternalName(cr) == "" {
		meta.SetExternalName(cr, ExternalName(cr))
	}
	return nil
}

// Connector builds a DNS client from the resource's provider config.
type Connector struct {
	Resolver *pcfg.Resolver
	HTTP     *http.Client
	// Wrap, when set, wraps every backend client (measurements in tests).
	Wrap func(dnsc.Client) dnsc.Client
}

// Connect resolves the provider config and returns an external client.
func (c *Connector) Connect(ctx context.Context, cr *v1alpha1.RecordSet) (managed.TypedExternalClient[*v1alpha1.RecordSet], error) {
	cfg, err := c.Resolver.Resolve(ctx, cr, apisv1alpha1.BackendRFC2136, apisv1alpha1.BackendPowerDNS)
	if err != nil {
		return nil, err
	}
	var cl dnsc.Client
	var delegations bool
	switch cfg.Spec.Type {
	case apisv1alpha1.BackendRFC2136:
		b := cfg.Spec.RFC2136
		if b == nil {
			return nil, fmt.Errorf(errNoBlock, cfg.Kind, cfg.Name, cfg.Spec.Type, "rfc2136")
		}
		delegations = b.AllowDelegations
		cl, err = rfc2136.New(rfc2136.Config{Server: b.Server, KeyName: b.TSIGKeyName, Algorithm: b.TSIGAlgorithm,
			Secret: strings.TrimSpace(string(cfg.Credentials))})
	case apisv1alpha1.BackendPowerDNS:
		b := cfg.Spec.PowerDNS
		if b == nil {
			return nil, fmt.Errorf(errNoBlock, cfg.Kind, cfg.Name, cfg.Spec.Type, "powerdns")
		}
		delegations = b.AllowDelegations
		cl, err = powerdns.New(powerdns.Config{URL: b.URL, ServerID: b.ServerID,
			APIKey: strings.TrimSpace(string(cfg.Credentials)), HTTP: c.HTTP})
	default: // Resolve lets only the types above through
		err = fmt.Errorf("not a DNS backend type: %q", cfg.Spec.Type)
	}
	if err != nil {
		return nil, fmt.Errorf(errConnect+": %w", cfg.Spec.Type, err)
	}
	if c.Wrap != nil {
		cl = c.Wrap(cl)
	}
	e := NewExternal(cl, dnsc.ResourceOwner(cfg.OwnerID(), cr.GetNamespace(), cr.GetName()))
	e.knob = fmt.Sprintf("%s %s: spec.%s.allowDelegations", cfg.Kind, cfg.Name, cfg.Spec.Type)
	if delegations {
		e = e.WithDelegations()
	}
	return e, nil
}

// External reconciles one RecordSet against a DNS backend.
type External struct {
	dns   dnsc.Client
	owner dnsc.Owner
	// delegations lets NS sets below the apex be written; knob names the
	// setting in messages.
	delegations bool
	knob        string
}

// NewExternal returns an external client acting as owner.
func NewExternal(c dnsc.Client, owner dnsc.Owner) *External {
	return &External{dns: c, owner: owner, knob: "spec.<backend>.allowDelegations"}
}

// WithDelegations lets e write NS sets below the zone's apex (the
// provider config's allowDelegations).
func (e *External) WithDelegations() *External {
	e.delegations = true
	return e
}

// checkGlue refuses an A/AAAA set at the in-zone name server of a
// delegation (its glue, RFC 9471) unless nothing of another owner is at or
// below that delegation: the glue is where resolvers send every name the
// delegation covers, so it is the delegation owner's to write. It looks for
// the delegation among fqdn's parents (one NS query each, on writes only).
func (e *External) checkGlue(ctx context.Context, zone string, want *dnsc.Set) error {
	for parent := want.FQDN; ; {
		i := strings.IndexByte(parent, '.')
		if i < 0 || i+1 >= len(parent) {
			return nil
		}
		parent = parent[i+1:]
		if len(parent) <= len(zone) {
			return nil
		}
		ns, err := e.dns.Get(ctx, zone, parent, mdns.TypeNS)
		if errors.Is(err, dnsc.ErrBelowZoneCut) {
			continue // the delegation is further up
		}
		if err != nil {
			return fmt.Errorf("cannot look for a delegation above %s: %w", want.FQDN, err)
		}
		if ns == nil || !namesServer(ns, want.FQDN) {
			continue
		}
		foreign, complete, err := e.dns.ForeignBelow(ctx, zone, parent, e.owner)
		if err != nil {
			return fmt.Errorf("cannot check the owner of the delegation %s: %w", parent, err)
		}
		if len(foreign) > 0 {
			return fmt.Errorf("%w: %s is glue of the delegation %s, which another owner holds (%s)",
				dnsc.ErrOwnedByOther, want.FQDN, parent, strings.Join(foreign[:min(len(foreign), 5)], ", "))
		}
		if !complete {
			return fmt.Errorf("%s is glue of the delegation %s: %w", want.FQDN, parent, dnsc.ErrDelegationUnverifiable)
		}
		return nil
	}
}

// namesServer reports whether the NS set names host as a name server.
func namesServer(ns *dnsc.Set, host string) bool {
	for _, rr := range ns.RRs {
		if n, ok := rr.(*mdns.NS); ok && strings.EqualFold(n.Ns, host) {
			return true
		}
	}
	return false
}

// checkDelegation refuses to write a delegation (an NS set below the apex)
// unless the provider config allows them, and then over names another
// tenant holds: once the delegation exists the server refers queries for
// every name at and below it to the delegation's name servers.
func (e *External) checkDelegation(ctx context.Context, zone string, want *dnsc.Set) error {
	if want.Type == mdns.TypeA || want.Type == mdns.TypeAAAA {
		return e.checkGlue(ctx, zone, want)
	}
	if want.Type != mdns.TypeNS || want.FQDN == zone {
		return nil
	}
	if !e.delegations {
		return fmt.Errorf("%w (%s is false)", dnsc.ErrDelegationNotAllowed, e.knob)
	}
	// A delegation this resource already holds was checked when it was
	// made; names below it are not served, so no one has made sets there
	// through the provider since (Get reports ErrBelowZoneCut).
	if ours, err := e.dns.Owns(ctx, zone, want.FQDN, want.Type, e.owner); err != nil || ours {
		return err
	}
	foreign, complete, err := e.dns.ForeignBelow(ctx, zone, want.FQDN, e.owner)
	if err != nil {
		return fmt.Errorf("cannot check for other owners' sets at and below the delegation %s: %w", want.FQDN, err)
	}
	if len(foreign) > 0 {
		if len(foreign) > 5 {
			foreign = append(foreign[:5], "…")
		}
		return fmt.Errorf("%w: %s", dnsc.ErrDelegationOverOthers, strings.Join(foreign, ", "))
	}
	if !complete {
		return fmt.Errorf("%s: %w", want.FQDN, dnsc.ErrDelegationUnverifiable)
	}
	return nil
}

// proven reports whether the resource's status records that the set's
// marker is its own: written by the provider after it wrote or read the
// marker, and, unlike an annotation, not writable by tenants.
func (e *External) proven(cr *v1alpha1.RecordSet) bool {
	return cr.Status.AtProvider.Owner != "" && cr.Status.AtProvider.Owner == e.owner.MarkerText()
}

func desired(cr *v1alpha1.RecordSet) (string, *dnsc.Set, error) {
	p := cr.Spec.ForProvider
	ttl := int64(defaultTTL)
	if p.TTL != nil {
		ttl = *p.TTL
	}
	zone, err := dnsc.ToASCII(mdns.Fqdn(p.Zone))
	if err != nil {
		return "", nil, fmt.Errorf("%s: zone: %w", errSpec, err)
	}
	s, err := dnsc.ParseSet(zone, p.Name, string(p.Type), uint32(ttl), p.Records)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", errSpec, err)
	}
	if !mdns.IsSubDomain(zone, s.FQDN) {
		return "", nil, fmt.Errorf("%s: %s is outside zone %s", errSpec, s.FQDN, zone)
	}
	if s.FQDN == zone && (s.Type == mdns.TypeNS || s.Type == mdns.TypeCNAME) {
		return "", nil, fmt.Errorf("%s: %s %s: %w", errSpec, s.FQDN, mdns.TypeToString[s.Type], dnsc.ErrApex)
	}
	// Managing a marker would let one resource overwrite another's ownership.
	if dnsc.IsMarkerName(s.FQDN) {
		return "", nil, fmt.Errorf("%s: %s: %w", errSpec, s.FQDN, dnsc.ErrReservedName)
	}
	// The marker's name must fit DNS too; refuse before sending anything.
	if _, err := dnsc.MarkerName(zone, s.FQDN, s.Type); err != nil {
		return "", nil, fmt.Errorf("%s: %w", errSpec, err)
	}
	if en := meta.GetExternalName(cr); en != "" && !sameExternalName(en, ExternalName(cr)) {
		return "", nil, fmt.Errorf(errExternalName, en, ExternalName(cr))
	}
	return zone, s, nil
}

// Observe reads the set with one query; while deleting it also reads the
// marker, so a set we do not own is left alone and reported gone.
func (e *External) Observe(ctx context.Context, cr *v1alpha1.RecordSet) (managed.ExternalObservation, error) {
	zone, want, err := desired(cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	got, err := e.dns.Get(ctx, zone, want.FQDN, want.Type)
	if err != nil {
		return managed.ExternalObservation{}, fmt.Errorf("%s: %w", errObserve, err)
	}
	// A wildcard answers for names that do not exist: before this resource
	// created its set, ask whether what answered is stored at the name.
	// Once it has, its marker below the name keeps the name in existence,
	// so no wildcard answers there and Observe of an unchanged set stays
	// one query; a changed one is asked about too, in case set and marker
	// were deleted behind our back and a wildcard answers now.
	if got != nil && (!e.proven(cr) || !got.Equal(want)) {
		synthesized, err := e.dns.Synthesized(ctx, zone, want.FQDN, want.Type)
		if err != nil {
			return managed.ExternalObservation{}, fmt.Errorf("%s: %w", errObserve, err)
		}
		if synthesized {
			got = nil
		}
	}
	cr.Status.AtProvider = v1alpha1.RecordSetObservation{FQDN: want.FQDN, Owner: cr.Status.AtProvider.Owner}
	if got == nil {
		// Whatever appears here next is ours only once written or read so.
		cr.Status.AtProvider.Owner = ""
		return managed.ExternalObservation{ResourceExists: false}, nil
	}
	if meta.WasDeleted(cr) {
		ours, err := e.dns.Owns(ctx, zone, want.FQDN, want.Type, e.owner)
		if err != nil {
			return managed.ExternalObservation{}, fmt.Errorf("%s: %w", errObserve, err)
		}
		if !ours {
			return managed.ExternalObservation{ResourceExists: false}, nil
		}
	}
	upToDate := got.Equal(want)
	// A set this resource never created (another tenant's, a hand-made one
	// to adopt) may already hold the wanted records: read its marker, so it
	// goes through Update, which takes it over only when allowed and
	// otherwise reports why, instead of being reported Ready unowned. Sets
	// the resource created keep to one query per Observe.
	if upToDate && !e.proven(cr) {
		ours, err := e.dns.Owns(ctx, zone, want.FQDN, want.Type, e.owner)
		if err != nil {
			return managed.ExternalObservation{}, fmt.Errorf("%s: %w", errObserve, err)
		}
		upToDate = ours
		cr.Status.AtProvider.Owner = ""
		if ours {
			cr.Status.AtProvider.Owner = e.owner.MarkerText()
		}
	}
	ttl := int64(got.TTL)
	cr.Status.AtProvider.TTL = &ttl
	cr.Status.AtProvider.Records = got.Records()
	// Ready only on a set whose marker the status records as this
	// resource's, or that it just read as its own: never on another
	// tenant's set that Update is about to refuse.
	if upToDate || e.proven(cr) || !writes(cr.GetManagementPolicies()) {
		cr.SetConditions(xpv2.Available())
	} else {
		cr.SetConditions(xpv2.Unavailable())
	}
	return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: upToDate}, nil
}

// writes reports whether the management policies let the resource change the
// set (empty means all, crossplane-runtime's default). An observe-only
// resource is Ready on any set it can read: it reports, it never takes over.
func writes(p xpv2.ManagementPolicies) bool {
	return len(p) == 0 || slices.ContainsFunc(p, func(a xpv2.ManagementAction) bool {
		return a == xpv2.ManagementActionAll || a == xpv2.ManagementActionCreate || a == xpv2.ManagementActionUpdate
	})
}

// Create writes the set and its ownership marker.
func (e *External) Create(ctx context.Context, cr *v1alpha1.RecordSet) (managed.ExternalCreation, error) {
	zone, want, err := desired(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	cr.SetConditions(xpv2.Creating())
	if err := e.checkDelegation(ctx, zone, want); err != nil {
		return managed.ExternalCreation{}, fmt.Errorf("%s: %w", errCreate, err)
	}
	if err := e.dns.Create(ctx, zone, *want, e.owner, cr.Spec.ForProvider.Adopt); err != nil {
		return managed.ExternalCreation{}, fmt.Errorf("%s: %w", errCreate, err)
	}
	if err := e.verify(ctx, zone, want); err != nil {
		return managed.ExternalCreation{}, fmt.Errorf("%s: %w", errCreate, err)
	}
	cr.Status.AtProvider.Owner = e.owner.MarkerText()
	meta.SetExternalName(cr, ExternalName(cr))
	// Best effort: Delete tries again and reports what fails.
	_ = e.dropUnicodeSet(ctx, zone, cr, want)
	return managed.ExternalCreation{}, nil
}

// dropUnicodeSet deletes the set an earlier release wrote for this resource
// at an internationalised name as the user wrote it (raw UTF-8, which Knot
// and PowerDNS stored), now that the set lives at its A-label: if its
// marker is ours, so an upgrade leaves nothing behind. Servers that refused
// such names (BIND: REFUSED) and sets of anyone else are left alone.
func (e *External) dropUnicodeSet(ctx context.Context, zone string, cr *v1alpha1.RecordSet, want *dnsc.Set) error {
	p := cr.Spec.ForProvider
	old := dnsc.FQDN(p.Name, mdns.Fqdn(strings.ToLower(p.Zone))) // as earlier releases computed it
	if old == want.FQDN || !mdns.IsSubDomain(zone, old) {
		return nil
	}
	err := e.dns.Delete(ctx, zone, old, want.Type, e.owner, false)
	if err == nil || errors.Is(err, dnsc.ErrNotOwned) || errors.Is(err, dnsc.ErrRefused) {
		return nil
	}
	return fmt.Errorf("cannot delete the set an earlier release wrote at %s: %w", old, err)
}

// verify reads the set back after a write: RFC 2136 servers silently skip
// some additions (a CNAME beside other data), answering NOERROR.
func (e *External) verify(ctx context.Context, zone string, want *dnsc.Set) error {
	got, err := e.dns.Get(ctx, zone, want.FQDN, want.Type)
	if err != nil {
		return err
	}
	if got == nil || !got.Equal(want) {
		return errors.New(errNotApplied)
	}
	return nil
}

// Update replaces the whole set in one message, if we own it.
func (e *External) Update(ctx context.Context, cr *v1alpha1.RecordSet) (managed.ExternalUpdate, error) {
	zone, want, err := desired(cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if err := e.checkDelegation(ctx, zone, want); err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdate, err)
	}
	if err := e.dns.Replace(ctx, zone, *want, e.owner, cr.Spec.ForProvider.Adopt); err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdate, err)
	}
	if err := e.verify(ctx, zone, want); err != nil {
		return managed.ExternalUpdate{}, fmt.Errorf("%s: %w", errUpdate, err)
	}
	cr.Status.AtProvider.Owner = e.owner.MarkerText()
	return managed.ExternalUpdate{}, nil
}

// Delete removes the set if we own it; a set someone else owns is left alone.
func (e *External) Delete(ctx context.Context, cr *v1alpha1.RecordSet) (managed.ExternalDelete, error) {
	zone, want, err := desired(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	cr.SetConditions(xpv2.Deleting())
	err = e.dns.Delete(ctx, zone, want.FQDN, want.Type, e.owner, false)
	if err != nil && !errors.Is(err, dnsc.ErrNotOwned) {
		return managed.ExternalDelete{}, fmt.Errorf("%s: %w", errDelete, err)
	}
	if err := e.dropUnicodeSet(ctx, zone, cr, want); err != nil {
		return managed.ExternalDelete{}, fmt.Errorf("%s: %w", errDelete, err)
	}
	return managed.ExternalDelete{}, nil
}

// Disconnect has nothing to release: every exchange dials its own connection.
func (e *External) Disconnect(context.Context) error { return nil }
