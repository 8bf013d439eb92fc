package matrix

import (
	"fmt"
	"slices"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// Paths of the OpenID Connect callbacks, the redirect URIs registered with
// the identity provider.
const (
	// tuwunel: /_matrix/client/unstable/login/sso/callback/<client_id>, see
	// its docs/authentication/providers.md ("callback_url") and the
	// IdentityProvider.callback_url doc in src/core/config/mod.rs (v1.9.0).
	PathTuwunelCallback = "/_matrix/client/unstable/login/sso/callback/"
	// continuwuity: <well_known.client>/_continuwuity/oidc/complete, built in
	// src/service/oidc/mod.rs (v26.7.0 to v26.7.3 and main of 2026-08) and
	// documented in docs/guides/oidc.mdx.
	PathContinuwuityCallback = "/_continuwuity/oidc/complete"
	// PathContinuwuity is where continuwuity serves its own pages (OAuth
	// login and the OIDC callback). It must be routed when SSO is on.
	PathContinuwuity = "/_continuwuity"
)

// ResourceDataUsage is the composition resource name of the Usage that keeps
// the data volume while the Deployment exists.
const ResourceDataUsage resource.Name = "data-usage"

// SRV record owner names (RFC 2782 form, relative to the server name).
const (
	srvMatrixFed = "_matrix-fed._tcp"
	srvMatrix    = "_matrix._tcp"
)

// scopes returns the OAuth scopes asked for, defaulted.
func (p *params) scopes() []string {
	if p.SSO == nil || len(p.SSO.Scopes) == 0 {
		return common.DefaultScopes
	}
	return p.SSO.Scopes
}

// redirectURI is the implementation's OpenID Connect callback on host.
func (p *params) redirectURI(clientID string) string {
	if p.impl().SSO == ssoOAuthOIDC {
		return "https://" + p.Host + PathContinuwuityCallback
	}
	return "https://" + p.Host + PathTuwunelCallback + clientID
}

// clientSpec is the homeserver's OIDC client, or nil without SSO. The
// client ID is known before the client exists (wiring.ClientID), because
// tuwunel's redirect URI embeds it.
func clientSpec(req *compose.Request, p *params) *wiring.ClientSpec {
	if p.SSO == nil {
		return nil
	}
	id := wiring.ClientID(req, App)
	return &wiring.ClientSpec{
		ProviderConfigRef: p.SSO.ProviderConfigRef,
		ClientID:          id,
		DisplayName:       fmt.Sprintf("Matrix (%s)", p.ServerName),
		RedirectURIs:      []string{p.redirectURI(id)},
		Scopes:            p.scopes(),
	}
}

// Config keys of single sign-on.
const (
	keyIdentityProvider = "identity_provider"
	// ssoIndex is the one entry Homeplane configures in tuwunel's
	// identity_provider list.
	ssoIndex            = "0"
	keyBrand            = "brand"
	keyName             = "name"
	keyClientID         = "client_id"
	keyClientSecret     = "client_secret"
	keyIssuerURL        = "issuer_url"
	keyCallbackURL      = "callback_url"
	keyScope            = "scope"
	keyOAuth            = "oauth"
	keyOIDC             = "oidc"
	keyDiscoveryURL     = "discovery_url"
	keyAdditionalScopes = "additional_scopes"
)

// ssoEnv adds the settings of single sign-on that are not secret to e.
//
// tuwunel (v1.9.0): identity providers are a list of tables,
// [[global.identity_provider]]; its Config deserializes the list from a map
// too (src/core/config/identity_provider_serde.rs) and reads the environment
// with figment's Env::prefixed(P).split("__") for P in CONDUIT_, CONDUWUIT_,
// TUWUNEL_ (ENV_PREFIXES in src/core/config/mod.rs). So
// CONDUIT_IDENTITY_PROVIDER__0__CLIENT_ID is identity_provider["0"].client_id,
// the form docs/authentication/providers.md ("Configuring via environment
// variables") documents with the TUWUNEL_ prefix. One provider is the
// implicit default.
//
// brand is required and any string is allowed (known brands only add
// defaults). It is the client ID Homeplane chose, because tuwunel finds the
// provider of a callback /_matrix/client/unstable/login/sso/callback/<id> by
// client_id or else by a unique brand (get_config in
// src/service/oauth/providers.rs): so the callback registered before the
// client existed still works when a backend (RFC 7591 registration) assigns
// another client_id, which the homeserver reads from the Secret. name, shown
// on the login page, is the provider config's name.
//
// continuwuity (v26.7): one provider, [global.oauth.oidc] with discovery_url
// (the issuer: /.well-known/openid-configuration is appended), client_id,
// client_secret and additional_scopes (openid is always asked for), read
// from CONDUIT_OAUTH__OIDC__* (Env::prefixed("CONDUIT_").split("__") in
// src/core/config/mod.rs). Setting it makes OAuth the only login.
func ssoEnv(p *params, e map[string]string) error {
	if p.SSO == nil || p.OIDC == nil {
		return nil
	}
	i := p.impl()
	switch i.SSO {
	case ssoIdentityProvider:
		scopes, err := tomlList(p.scopes())
		if err != nil {
			return err
		}
		e[i.Env(keyIdentityProvider, ssoIndex, keyBrand)] = p.OIDC.Object.Spec.ForProvider.ClientID
		e[i.Env(keyIdentityProvider, ssoIndex, keyName)] = p.SSO.ProviderConfigRef.Name
		e[i.Env(keyIdentityProvider, ssoIndex, keyCallbackURL)] = p.OIDC.Object.Spec.ForProvider.RedirectURIs[0]
		e[i.Env(keyIdentityProvider, ssoIndex, keyScope)] = scopes
	case ssoOAuthOIDC:
		extra := slices.DeleteFunc(slices.Clone(p.scopes()), func(s string) bool { return s == "openid" })
		scopes, err := tomlList(extra)
		if err != nil {
			return err
		}
		e[i.Env(keyOAuth, keyOIDC, keyAdditionalScopes)] = scopes
	}
	return nil
}

// ssoSecretEnv returns the environment variables the homeserver reads from
// the OIDC client's connection Secret: client ID, client secret and issuer.
// They are references, never copies, and not optional: the pod does not
// start before the provider has written the Secret.
//
// The client ID is read from the Secret too, as the provider wrote it: the ID
// Homeplane chose, or the one an RFC 7591 backend assigned.
func ssoSecretEnv(p *params) []corev1.EnvVar {
	if p.SSO == nil || p.OIDC == nil {
		return nil
	}
	i := p.impl()
	ref := func(name, key string) corev1.EnvVar {
		v := p.OIDC.SecretKeyRef(key)
		v.SecretKeyRef.Optional = ptr.To(false)
		return corev1.EnvVar{Name: name, ValueFrom: v}
	}
	switch i.SSO {
	case ssoIdentityProvider:
		return []corev1.EnvVar{
			ref(i.Env(keyIdentityProvider, ssoIndex, keyClientID), wiring.KeyClientID),
			ref(i.Env(keyIdentityProvider, ssoIndex, keyClientSecret), wiring.KeyClientSecret),
			ref(i.Env(keyIdentityProvider, ssoIndex, keyIssuerURL), wiring.KeyIssuerURL),
		}
	case ssoOAuthOIDC:
		return []corev1.EnvVar{
			ref(i.Env(keyOAuth, keyOIDC, keyClientID), wiring.KeyClientID),
			ref(i.Env(keyOAuth, keyOIDC, keyClientSecret), wiring.KeyClientSecret),
			ref(i.Env(keyOAuth, keyOIDC, keyDiscoveryURL), wiring.KeyIssuerURL),
		}
	}
	return nil
}

// expose states what the homeserver serves and needs: its routes, its hosts'
// records and the SRV records when asked for, the pods the network block
// lets in, its OIDC client, and that the data volume outlives the Deployment
// (and, with deletion protection, the claim's delete).
//
// Federation needs no policy rule of its own: other servers reach the
// homeserver through the same ingress (port 443, then the Service's only
// port), so the HTTP port is all there is to allow with federation on or off.
func expose(req *compose.Request, p *params) wiring.Exposure {
	n := namesFor(req.ClaimName)
	e := wiring.Exposure{
		App:          App,
		Claim:        p.Wiring,
		Routes:       routeSpecs(req, p),
		Policy:       &wiring.Policy{PodSelector: selector(req), Ports: []int32{Port}},
		Hosts:        hostsOf(p),
		Images:       []wiring.Image{{Field: fieldImage, Ref: p.image()}},
		SSO:          clientSpec(req, p),
		SSOSupported: p.impl().SSO != "",
		Uses: []wiring.Use{{
			Resource: ResourceDataUsage,
			Of:       wiring.Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: n.PVC()},
			By:       wiring.Ref{APIVersion: "apps/v1", Kind: "Deployment", Name: n.Deployment()},
			Reason:   fmt.Sprintf("the homeserver %s/%s keeps its database and media on this volume", req.Namespace, n.Deployment()),
		}},
		Protection: &wiring.Protection{
			Enabled: p.DeletionProtection,
			Claim: wiring.Protected{Resource: ResourceProtectClaim, Name: compose.DNSLabel(req.ClaimName, "protect-claim"),
				Of: claimRef(req)},
			Data: []wiring.Protected{{Resource: ResourceProtectData, Name: compose.DNSLabel(req.ClaimName, "protect-data"),
				Of: wiring.Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: n.PVC()}}},
			Guarded:     "its data volume",
			Unprotected: unprotectedMessage(req, p),
		},
	}
	if p.DNS != nil {
		if p.SRV {
			target := fmt.Sprintf("10 0 443 %s.", p.Host)
			e.ExtraRecords = []wiring.ExtraRecord{
				{Name: srvMatrixFed + "." + p.ServerName, Type: dnsv1alpha1.RecordType("SRV"), Records: []string{target}},
				{Name: srvMatrix + "." + p.ServerName, Type: dnsv1alpha1.RecordType("SRV"), Records: []string{target}},
			}
		}
	}
	return e
}

// unprotectedMessage says what deleting the claim deletes while deletion
// protection is off: its VolumeSnapshots too, owned by the composite like
// every composed object.
func unprotectedMessage(req *compose.Request, p *params) string {
	m := "Deleting " + req.Subject() + " deletes the homeserver; its data volume is deleted once the server is gone."
	if len(p.Snapshots) > 0 {
		m += " Its VolumeSnapshots are deleted with it, and their storage snapshots unless their VolumeSnapshotClass's deletionPolicy is Retain."
	}
	return m
}

// hostsOf are the hosts the claim chose, with their fields: the server name,
// and host when it differs.
func hostsOf(p *params) []wiring.Host {
	out := []wiring.Host{{Field: fieldServerName, Name: p.ServerName}}
	if p.Delegated() {
		out = append(out, wiring.Host{Field: fieldHost, Name: p.Host})
	}
	return out
}

// claimRef is the tenant's own object: the MatrixServer claim, or the
// namespaced composite itself.
func claimRef(req *compose.Request) wiring.Ref {
	gvk := req.ClaimKind(v1alpha1.GroupVersion.WithKind(v1alpha1.NamespacedKind))
	return wiring.Ref{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: req.ClaimName}
}
