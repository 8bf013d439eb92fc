//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/internal/testservers"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var gvkOIDCClient = schema.GroupVersionKind{Group: "oidc.homeplane.dev", Version: "v1alpha1", Kind: "OIDCClient"}

// A tuwunel MatrixServer with sso gets an OIDC client registered in Hydra
// (RFC 7591, through the provider) with tuwunel's callback as redirect URI
// and a confidential secret;
// the claim is not Ready before the client exists; deleting the claim
// deletes the client in Hydra.
func TestMatrixServerSSOWithHydra(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-sso")
	claim := createClaim(t, `
apiVersion: matrix.homeplane.dev/v1alpha1
kind: MatrixServer
metadata: {name: team, namespace: `+ns+`}
spec:
  parameters:
    serverName: team.homeplane.test
    implementation: tuwunel
    storage: 1Gi
    sso:
      providerConfigRef: {name: hydra}
  writeConnectionSecretToRef: {name: team-matrix}
`)
	pvc := waitComposed(t, claim, gvkPVC, 1)[0]
	deploy := waitComposed(t, claim, gvkDeployment, 1)[0]
	oc := waitComposed(t, claim, gvkOIDCClient, 1)[0]
	volumeBound(t, &pvc)
	deploymentAvailable(t, &deploy)

	oc = *waitCondition(t, &oc, "Ready", "True", 60*time.Second)
	id, _, _ := unstructured.NestedString(oc.Object, "status", "atProvider", "clientID")
	if id == "" {
		t.Fatalf("OIDCClient %s is Ready without status.atProvider.clientID", oc.GetName())
	}
	c, err := env.idp.Client(ctx, id)
	if err != nil || c == nil {
		t.Fatalf("client %s not in Hydra: %v", id, err)
	}
	var uris []string
	for _, u := range c["redirect_uris"].([]any) {
		uris = append(uris, fmt.Sprint(u))
	}
	// tuwunel resolves the callback's provider by client_id or by brand;
	// the composition registers the ID it chose (forProvider.clientID, also
	// tuwunel's brand) because an RFC 7591 backend like Hydra assigns its own.
	cb := id
	if chosen, _, _ := unstructured.NestedString(oc.Object, "spec", "forProvider", "clientID"); chosen != "" {
		cb = chosen
	}
	want := "https://team.homeplane.test/_matrix/client/unstable/login/sso/callback/" + cb
	if !slices.Contains(uris, want) {
		t.Errorf("Hydra client %s redirect URIs %v, want %s", id, uris, want)
	}
	secretName, _, _ := unstructured.NestedString(oc.Object, "spec", "writeConnectionSecretToRef", "name")
	data, err := secretData(ctx, ns, secretName)
	if err != nil {
		t.Fatalf("OIDCClient connection Secret %q: %v", secretName, err)
	}
	if len(data["client_secret"]) == 0 || string(data["client_id"]) != id {
		t.Errorf("OIDCClient connection Secret %s: client_id %q (want %q), client_secret set: %v", secretName, data["client_id"], id, len(data["client_secret"]) > 0)
	}
	waitCondition(t, claim, "Ready", "True", 90*time.Second)
	loginAsTheHomeserver(ctx, t, ns, deploy.GetName())

	if err := env.c.Delete(ctx, claim.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	waitGone(t, claim, 90*time.Second)
	err = poll(ctx, 60*time.Second, "client "+id+" deleted in Hydra", func() (bool, string, error) {
		c, err := env.idp.Client(ctx, id)
		return c == nil && err == nil, fmt.Sprintf("%v %v", c != nil, err), nil
	})
	if err != nil {
		t.Error(err)
	}
}

// loginAsTheHomeserver runs an OpenID Connect login at Hydra with what the
// composed Deployment gives tuwunel: the client ID and secret from the
// Secrets its environment references, the callback URL and scopes from its
// environment (its ConfigMap and its own variables). Hydra must issue an ID token: SSO True means a login works.
func loginAsTheHomeserver(ctx context.Context, t *testing.T, ns, name string) {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := env.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	const prefix = "CONDUIT_IDENTITY_PROVIDER__0__"
	c := d.Spec.Template.Spec.Containers[0]
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		cm := &corev1.ConfigMap{}
		if err := env.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: from.ConfigMapRef.Name}, cm); err != nil {
			t.Fatal(err)
		}
		for k, v := range cm.Data {
			if suffix, ok := strings.CutPrefix(k, prefix); ok {
				got[suffix] = v
			}
		}
	}
	for _, e := range c.Env {
		suffix, ok := strings.CutPrefix(e.Name, prefix)
		if !ok {
			continue
		}
		switch v := e.ValueFrom; {
		case v == nil:
			got[suffix] = e.Value
		case v.SecretKeyRef != nil:
			data, err := secretData(ctx, ns, v.SecretKeyRef.Name)
			if err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
			got[suffix] = string(data[v.SecretKeyRef.Key])
		}
	}
	var scopes []string
	// A TOML array of strings, written in the JSON subset (fn/matrix tomlList).
	if err := json.Unmarshal([]byte(got["SCOPE"]), &scopes); err != nil {
		t.Fatalf("CONDUIT_IDENTITY_PROVIDER__0__SCOPE %q: %v", got["SCOPE"], err)
	}
	l := testservers.Login{ClientID: got["CLIENT_ID"], ClientSecret: got["CLIENT_SECRET"], RedirectURI: got["CALLBACK_URL"], Scopes: scopes}
	if err := env.idp.LogIn(ctx, l); err != nil {
		t.Errorf("log in with the homeserver's client %q and callback %q: %v", l.ClientID, l.RedirectURI, err)
	}
}
