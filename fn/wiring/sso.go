package wiring

// Composes an app's OpenID Connect client as a Homeplane provider
// OIDCClient, and tells the app where to find its credentials: the client's
// connection Secret, by reference, never copied.

import (
	"fmt"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func init() {
	utilruntime.Must(oidcv1alpha1.AddToScheme(composed.Scheme))
}

// ConditionSSO is the claim condition that reports the app's OIDC client.
const ConditionSSO = "SSO"

// ClientResource is the composition resource name of the OIDC client.
const ClientResource resource.Name = "oidc-client"

// Keys of the client's connection Secret.
const (
	KeyClientID     = "client_id"
	KeyClientSecret = "client_secret"
	KeyIssuerURL    = "issuer_url"
)

// ClientSpec is what the app needs from its identity provider.
type ClientSpec struct {
	// App names the app, for object names and labels.
	App string
	// ProviderConfigRef selects the identity provider.
	ProviderConfigRef common.ProviderConfigReference
	// ClientID is chosen by Homeplane so that redirect URIs that embed it
	// are known before the client exists.
	ClientID               string
	DisplayName            string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	Scopes                 []string
}

// OIDCClient is the composed OIDC client and what the app reads from it.
type OIDCClient struct {
	Object *oidcv1alpha1.OIDCClient
	// SecretName is the client's connection Secret in the claim's namespace,
	// with keys client_id, client_secret, issuer_url and discovery_url.
	SecretName string
	// IssuerURL is observed from the provider once the client exists.
	IssuerURL string
	// Ready is whether the provider reports the client Ready.
	Ready bool
	// NotReady explains why not, for the SSO condition.
	NotReady string
}

// ClientID is the OIDC client ID of the claim's app, known before the client
// exists (a redirect URI may embed it). A client already composed keeps the
// ID it was registered with, so upgrading Homeplane never replaces a running
// client. A new one is <namespace>.<claim>.<app>: injective over (namespace,
// claim), because a namespace is a DNS-1123 label and has no dot, so the
// first dot ends it, and the app suffix is fixed. Two tenants can therefore
// never ask a shared identity provider for the same client.
func ClientID(req *compose.Request, app string) string {
	obs := &oidcv1alpha1.OIDCClient{}
	if ok, err := req.ObservedInto(string(ClientResource), obs); ok && err == nil && obs.Spec.ForProvider.ClientID != "" {
		return obs.Spec.ForProvider.ClientID
	}
	return req.Namespace + "." + req.ClaimName + "." + app
}

// composeClient returns the OIDC client of an app.
func composeClient(req *compose.Request, s ClientSpec) *OIDCClient {
	name := compose.DNSLabel(req.ClaimName, s.App, "oidc")
	c := &oidcv1alpha1.OIDCClient{
		TypeMeta:   metav1.TypeMeta{APIVersion: oidcv1alpha1.SchemeGroupVersion.String(), Kind: oidcv1alpha1.OIDCClientKind},
		ObjectMeta: req.ObjectMeta(name, s.App, "oidc-client"),
		Spec: oidcv1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference:          &xpv2.ProviderConfigReference{Name: s.ProviderConfigRef.Name, Kind: s.ProviderConfigRef.KindOrDefault()},
				WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: name},
			},
			ForProvider: oidcv1alpha1.OIDCClientParameters{
				ClientID:               s.ClientID,
				DisplayName:            s.DisplayName,
				RedirectURIs:           append([]string(nil), s.RedirectURIs...),
				PostLogoutRedirectURIs: append([]string(nil), s.PostLogoutRedirectURIs...),
				GrantTypes:             []string{"authorization_code", "refresh_token"},
				Scopes:                 append([]string(nil), s.Scopes...),
				ClientType:             oidcv1alpha1.ClientTypeConfidential,
				PKCE:                   true,
			},
		},
	}
	out := &OIDCClient{Object: c, SecretName: name}
	obs := &oidcv1alpha1.OIDCClient{}
	if ok, err := req.ObservedInto(string(ClientResource), obs); ok && err == nil {
		out.IssuerURL = obs.Status.AtProvider.IssuerURL
	}
	ready := req.ObservedConditionOf(string(ClientResource), "Ready")
	synced := req.ObservedConditionOf(string(ClientResource), "Synced")
	switch {
	case ready.True():
		out.Ready = true
	case !ready.Exists:
		out.NotReady = "OIDC client is being created"
	case synced.Status == "False" && synced.Message != "":
		out.NotReady = "OIDC client not ready: " + synced.Message
	case ready.Message != "":
		out.NotReady = "OIDC client not ready: " + ready.Message
	default:
		out.NotReady = fmt.Sprintf("OIDC client not ready with provider config %s %q", s.ProviderConfigRef.KindOrDefault(), s.ProviderConfigRef.Name)
	}
	return out
}

// SecretKeyRef points an environment variable at a key of the client's
// connection Secret.
func (c *OIDCClient) SecretKeyRef(key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: c.SecretName}, Key: key,
	}}
}

// addClient adds the client to the result and sets the SSO condition.
func addClient(res *compose.Result, c *OIDCClient) {
	ready := resource.ReadyFalse
	if c.Ready {
		ready = resource.ReadyTrue
	}
	res.Add(ClientResource, c.Object, ready)
	if c.Ready {
		res.SetCondition(compose.Condition{Type: ConditionSSO, Status: metav1.ConditionTrue, Reason: "Available",
			Message: fmt.Sprintf("OIDC client %s is registered", c.Object.Spec.ForProvider.ClientID)})
		return
	}
	res.SetCondition(compose.Condition{Type: ConditionSSO, Status: metav1.ConditionFalse, Reason: "Creating", Message: c.NotReady})
}
