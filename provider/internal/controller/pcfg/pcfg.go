// Package pcfg resolves a managed resource's ProviderConfig or
// ClusterProviderConfig into its spec and credentials.
package pcfg

import (
	"context"
	"errors"
	"fmt"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
)

const (
	errNoRef        = "managed resource has no providerConfigRef"
	errGetPC        = "cannot get ProviderConfig %s/%s"
	errGetCPC       = "cannot get ClusterProviderConfig %s"
	errKind         = "unsupported provider config kind %q"
	errTrack        = "cannot track ProviderConfig usage"
	errCreds        = "cannot read credentials of %s %s"
	errNeedSecret   = "%s %s: credentials source %s needs a secretRef with a namespace"
	errForeignNS    = "ProviderConfig %s/%s: spec.credentials.secretRef.namespace is %q; a namespaced ProviderConfig may only read a Secret in its own namespace"
	errTenantSource = "ProviderConfig %s/%s: spec.credentials.source is %q"
	errWrongBackend = "%s %s is of type %s; %s needs one of %v"
)

// ErrTenantSource is returned (wrapped, with the config's name and source)
// for a namespaced ProviderConfig whose credentials do not come from a
// Secret: a tenant must not make the provider read its own filesystem (its
// service-account token) or environment and send it to a URL of the tenant's
// choosing. The CRD refuses the same through CEL; this is the check for
// objects stored before that rule existed.
var ErrTenantSource = errors.New("a namespaced ProviderConfig may only use credentials.source Secret; Filesystem, Environment and None are reserved to ClusterProviderConfig")

// Config is a resolved provider config.
type Config struct {
	Kind, Name  string
	Spec        apisv1alpha1.ProviderConfigSpec
	Credentials []byte
}

// Resolver reads provider configs and records their usage.
type Resolver struct {
	Kube  client.Client
	Usage resource.ModernTracker
}

// NewResolver returns a resolver that tracks usage with ProviderConfigUsages.
func NewResolver(kube client.Client) *Resolver {
	return &Resolver{Kube: kube, Usage: resource.NewProviderConfigUsageTracker(kube, &apisv1alpha1.ProviderConfigUsage{})}
}

// Resolve tracks the usage, then returns the config of mg. allowed lists the
// backend types the caller can serve.
func (r *Resolver) Resolve(ctx context.Context, mg resource.ModernManaged, allowed ...apisv1alpha1.BackendType) (*Config, error) {
	if err := r.Usage.Track(ctx, mg); err != nil {
		return nil, fmt.Errorf("%s: %w", errTrack, err)
	}
	ref := mg.GetProviderConfigReference()
	if ref == nil {
		return nil, errors.New(errNoRef)
	}
	cfg := &Config{Kind: ref.Kind, Name: ref.Name}
	switch ref.Kind {
	case apisv1alpha1.ProviderConfigKind:
		pc := &apisv1alpha1.ProviderConfig{}
		if err := r.Kube.Get(ctx, types.NamespacedName{Namespace: mg.GetNamespace(), Name: ref.Name}, pc); err != nil {
			return nil, fmt.Errorf(errGetPC+": %w", mg.GetNamespace(), ref.Name, err)
		}
		cfg.Spec = pc.Spec
		if err := tenantCredentials(pc); err != nil {
			return nil, err
		}
	case apisv1alpha1.ClusterProviderConfigKind:
		cpc := &apisv1alpha1.ClusterProviderConfig{}
		if err := r.Kube.Get(ctx, types.NamespacedName{Name: ref.Name}, cpc); err != nil {
			return nil, fmt.Errorf(errGetCPC+": %w", ref.Name, err)
		}
		cfg.Spec = cpc.Spec
	default:
		return nil, fmt.Errorf(errKind, ref.Kind)
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a == cfg.Spec.Type
	}
	if !ok {
		return nil, fmt.Errorf(errWrongBackend, cfg.Kind, cfg.Name, cfg.Spec.Type, mg.GetObjectKind().GroupVersionKind().Kind, allowed)
	}
	c := cfg.Spec.Credentials
	if c.Source == "" || c.Source == xpv2.CredentialsSourceNone {
		return cfg, nil
	}
	if c.Source == xpv2.CredentialsSourceSecret && (c.SecretRef == nil || c.SecretRef.Namespace == "") {
		return nil, fmt.Errorf(errNeedSecret, cfg.Kind, cfg.Name, c.Source)
	}
	data, err := resource.CommonCredentialExtractor(ctx, c.Source, r.Kube, c.CommonCredentialSelectors)
	if err != nil {
		return nil, fmt.Errorf(errCreds+": %w", cfg.Kind, cfg.Name, err)
	}
	cfg.Credentials = data
	return cfg, nil
}

// tenantCredentials enforces what a namespaced ProviderConfig may read: only a
// Secret, and only in the config's own namespace.
func tenantCredentials(pc *apisv1alpha1.ProviderConfig) error {
	c := pc.Spec.Credentials
	if c.Source != xpv2.CredentialsSourceSecret {
		return fmt.Errorf(errTenantSource+": %w", pc.GetNamespace(), pc.GetName(), c.Source, ErrTenantSource)
	}
	if c.SecretRef != nil && c.SecretRef.Namespace != pc.GetNamespace() {
		return fmt.Errorf(errForeignNS, pc.GetNamespace(), pc.GetName(), c.SecretRef.Namespace)
	}
	return nil
}

// OwnerID is the DNS ownership id, defaulted.
func (c *Config) OwnerID() string {
	if c.Spec.OwnerID == "" {
		return "homeplane"
	}
	return c.Spec.OwnerID
}
