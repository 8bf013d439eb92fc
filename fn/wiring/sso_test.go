package wiring

import (
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

var spec = ClientSpec{
	App:               "matrix",
	ProviderConfigRef: common.ProviderConfigReference{Name: "keycloak-main"},
	ClientID:          "chat-chat-matrix",
	DisplayName:       "Matrix (chat)",
	RedirectURIs:      []string{"https://matrix.example.org/_matrix/client/unstable/login/sso/callback/chat-chat-matrix"},
	Scopes:            []string{"openid", "profile", "email"},
}

func wantClient() *oidcv1alpha1.OIDCClient {
	return &oidcv1alpha1.OIDCClient{
		TypeMeta: metav1.TypeMeta{APIVersion: "oidc.homeplane.dev/v1alpha1", Kind: "OIDCClient"},
		ObjectMeta: metav1.ObjectMeta{Name: "chat-matrix-oidc", Namespace: "chat", Labels: map[string]string{
			"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "oidc-client",
		}},
		Spec: oidcv1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference:          &xpv2.ProviderConfigReference{Name: "keycloak-main", Kind: "ClusterProviderConfig"},
				WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: "chat-matrix-oidc"},
			},
			ForProvider: oidcv1alpha1.OIDCClientParameters{
				ClientID:     "chat-chat-matrix",
				DisplayName:  "Matrix (chat)",
				RedirectURIs: []string{"https://matrix.example.org/_matrix/client/unstable/login/sso/callback/chat-chat-matrix"},
				GrantTypes:   []string{"authorization_code", "refresh_token"},
				Scopes:       []string{"openid", "profile", "email"},
				ClientType:   "Confidential",
				PKCE:         true,
			},
		},
	}
}

func observedClient(status map[string]any) map[resource.Name]resource.ObservedComposed {
	return map[resource.Name]resource.ObservedComposed{ClientResource: {Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{
		Object: map[string]any{"apiVersion": "oidc.homeplane.dev/v1alpha1", "kind": "OIDCClient", "metadata": map[string]any{"name": "chat-matrix-oidc"}, "status": status},
	}}}}
}

func TestComposeClient(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed map[resource.Name]resource.ObservedComposed
		want     *OIDCClient
		wantCond compose.Condition
	}{
		"NotCreatedYet": {
			reason:   "Before the client exists, the app waits and the condition says so.",
			want:     &OIDCClient{Object: wantClient(), SecretName: "chat-matrix-oidc", NotReady: "OIDC client is being created"},
			wantCond: compose.Condition{Type: "SSO", Status: "False", Reason: "Creating", Message: "OIDC client is being created"},
		},
		"ProviderConfigMissing": {
			reason: "The provider's reason reaches the claim so a person can act on it.",
			observed: observedClient(map[string]any{"conditions": []any{
				map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": `cannot get provider config: ClusterProviderConfig "keycloak-main" not found`},
			}}),
			want: &OIDCClient{Object: wantClient(), SecretName: "chat-matrix-oidc",
				NotReady: `OIDC client not ready: cannot get provider config: ClusterProviderConfig "keycloak-main" not found`},
			wantCond: compose.Condition{Type: "SSO", Status: "False", Reason: "Creating", Message: `OIDC client not ready: cannot get provider config: ClusterProviderConfig "keycloak-main" not found`},
		},
		"Ready": {
			reason: "A ready client gives the issuer URL and a true condition.",
			observed: observedClient(map[string]any{
				"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "Available"}},
				"atProvider": map[string]any{"clientID": "chat-chat-matrix", "issuerURL": "https://id.example.org/"},
			}),
			want:     &OIDCClient{Object: wantClient(), SecretName: "chat-matrix-oidc", IssuerURL: "https://id.example.org/", Ready: true},
			wantCond: compose.Condition{Type: "SSO", Status: "True", Reason: "Available", Message: "OIDC client chat-chat-matrix is registered"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &compose.Request{ClaimName: "chat", Namespace: "chat", Observed: tc.observed}
			got := composeClient(req, spec)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
			res := compose.NewResult()
			addClient(res, got)
			if diff := cmp.Diff([]compose.Condition{tc.wantCond}, res.Conditions); diff != "" {
				t.Errorf("%s\nAdd(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
