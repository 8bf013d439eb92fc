// Package sso composes an app's OpenID Connect client as a Homeplane provider
// OIDCClient, and tells the app where to find its credentials: the client's
// connection Secret, by reference, never copied.
package sso

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

// ConditionType is the claim condition that reports the app's OIDC client.
const ConditionType = "SSO"

// ClientResource is the composition resource name of the OIDC client.
const ClientResource resource.Name = "oidc-client"

// Keys of the client's connection Secret.
const (
	KeyClientID     = "client_id"
	KeyClientSecret = "client_secret"
	KeyIssuerURL    = "issuer_url"
)

// Spec is what the app needs from its identity provider.
type Spec struct {
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

// Client is the composed OIDC client and what the app reads from it.
type Client struct {
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

// Compose returns the OIDC client of an app.
func Compose(req *compose.Request, s Spec) *Client {
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
	out := &Client{Object: c, SecretName: name}
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
func (c *Client) SecretKeyRef(key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: c.SecretName}, Key: key,
	}}
}

// Add adds the client to the result and sets the SSO condition.
func Add(res *compose.Result, c *Client) {
	ready := resource.ReadyFalse
	if c.Ready {
		ready = resource.ReadyTrue
	}
	res.Add(ClientResource, c.Object, ready)
	if c.Ready {
		res.SetCondition(compose.Condition{Type: ConditionType, Status: metav1.ConditionTrue, Reason: "Available",
			Message: fmt.Sprintf("OIDC client %s is registered", c.Object.Spec.ForProvider.ClientID)})
		return
	}
	res.SetCondition(compose.Condition{Type: ConditionType, Status: metav1.ConditionFalse, Reason: "Creating", Message: c.NotReady})
}
