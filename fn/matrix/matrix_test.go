package matrix

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// conduitEnv is the environment of a Conduit homeserver for example.org
// reached at host.
func conduitEnv(host string) map[string]string {
	return map[string]string{
		"CONDUIT_CONFIG":             "",
		"CONDUIT_SERVER_NAME":        "example.org",
		"CONDUIT_ADDRESS":            "0.0.0.0",
		"CONDUIT_PORT":               "6167",
		"CONDUIT_DATABASE_PATH":      "/var/lib/matrix-conduit",
		"CONDUIT_DATABASE_BACKEND":   "rocksdb",
		"CONDUIT_MAX_REQUEST_SIZE":   "20971520",
		"CONDUIT_ALLOW_REGISTRATION": "true",
		"CONDUIT_ALLOW_FEDERATION":   "true",
		"CONDUIT_TRUSTED_SERVERS":    `["matrix.org"]`,
		"CONDUIT_WELL_KNOWN_CLIENT":  "https://" + host,
		"CONDUIT_WELL_KNOWN_SERVER":  host + ":443",
	}
}

func wantConfigMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta("chat-matrix-env", "config"),
		Data:       data,
	}
}

// result is what a first reconcile of a default Conduit homeserver for
// example.org at host composes; mod changes it.
func result(host string, env map[string]string, mod func(r *compose.Result, d *appsv1.Deployment)) *compose.Result {
	d := wantDeployment(configHash(env), nil)
	deny, allow := wantPolicies("ingress-nginx", nil)
	r := &compose.Result{
		Resources: map[resource.Name]compose.Desired{
			"data":               {Object: wantPVC("10Gi", nil), Ready: resource.ReadyFalse},
			"env":                {Object: wantConfigMap(env), Ready: resource.ReadyTrue},
			"registration-token": {Object: wantTokenSecret(generated(7)), Ready: resource.ReadyTrue},
			"deployment":         {Object: d, Ready: resource.ReadyFalse},
			"service":            {Object: wantService(), Ready: resource.ReadyTrue},
			"data-usage":         {Object: wantUsage(), Ready: resource.ReadyTrue},
			// Policies are on by default, the same with federation on or
			// off: federation arrives through the ingress.
			"network-policy-deny":  {Object: deny, Ready: resource.ReadyTrue},
			"network-policy-allow": {Object: allow, Ready: resource.ReadyTrue},
		},
		ConnectionDetails: map[string][]byte{
			"homeserverUrl":     []byte("https://" + host),
			"serverName":        []byte("example.org"),
			"registrationToken": generated(7),
		},
		Status: v1alpha1.XMatrixServerStatus{URL: "https://" + host},
		Conditions: []compose.Condition{{
			Type: "Homeserver", Status: metav1.ConditionFalse, Reason: "Waiting",
			Message: "Waiting for the data volume to be bound, the homeserver to answer /_matrix/client/versions",
		}},
		Requirements: map[string]compose.Requirement{},
	}
	if host == "example.org" {
		r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("chat-matrix", "route", host, bodySize, false, "/_matrix", "/.well-known/matrix"), Ready: resource.ReadyTrue}
	} else {
		r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("chat-matrix", "route", host, bodySize, false, "/"), Ready: resource.ReadyTrue}
		r.Resources["delegation-ingress"] = compose.Desired{Object: wantIngress("chat-matrix-delegation", "delegation", "example.org", nil, false, "/.well-known/matrix"), Ready: resource.ReadyTrue}
	}
	if mod != nil {
		mod(r, d)
		// mod may have changed the environment: keep the hash in step.
		if cm, ok := r.Resources["env"].Object.(*corev1.ConfigMap); ok {
			d.Spec.Template.Annotations["homeplane.dev/config-hash"] = configHash(cm.Data)
		}
	}
	return r
}

func with(m map[string]string, set map[string]string, unset ...string) map[string]string {
	out := maps.Clone(m)
	maps.Copy(out, set)
	for _, k := range unset {
		delete(out, k)
	}
	return out
}

var issuerAnnotation = map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt"}

func dnsParams() map[string]any {
	return map[string]any{"providerConfigRef": map[string]any{"name": "bind"}, "zone": "example.org", "target": "192.0.2.10"}
}

func ssoParams() map[string]any {
	return map[string]any{"providerConfigRef": map[string]any{"name": providerCfg}}
}

// tuwunelSSOEnv is the environment of a tuwunel homeserver at
// matrix.example.org with single sign-on.
func tuwunelSSOEnv() map[string]string {
	return with(conduitEnv("matrix.example.org"), map[string]string{
		"CONDUIT_DATABASE_PATH":                      "/var/lib/tuwunel",
		"CONDUIT_WELL_KNOWN__CLIENT":                 "https://matrix.example.org",
		"CONDUIT_WELL_KNOWN__SERVER":                 "matrix.example.org:443",
		"CONDUIT_IDENTITY_PROVIDER__0__BRAND":        oidcID,
		"CONDUIT_IDENTITY_PROVIDER__0__NAME":         providerCfg,
		"CONDUIT_IDENTITY_PROVIDER__0__CALLBACK_URL": tuwunelCB,
		"CONDUIT_IDENTITY_PROVIDER__0__SCOPE":        `["openid","profile","email"]`,
	}, "CONDUIT_CONFIG", "CONDUIT_DATABASE_BACKEND", "CONDUIT_WELL_KNOWN_CLIENT", "CONDUIT_WELL_KNOWN_SERVER")
}

// tuwunelSSODeployment changes a default Deployment into tuwunel's with
// single sign-on: the client's credentials and issuer from its Secret.
func tuwunelSSODeployment(d *appsv1.Deployment) {
	c := &d.Spec.Template.Spec.Containers[0]
	c.Image = "ghcr.io/matrix-construct/tuwunel:v1.9.3"
	c.VolumeMounts[0].MountPath = "/var/lib/tuwunel"
	c.Env = append(c.Env,
		fromSecret("CONDUIT_IDENTITY_PROVIDER__0__CLIENT_ID", "client_id"),
		fromSecret("CONDUIT_IDENTITY_PROVIDER__0__CLIENT_SECRET", "client_secret"),
		fromSecret("CONDUIT_IDENTITY_PROVIDER__0__ISSUER_URL", "issuer_url"),
	)
}

func TestCompose(t *testing.T) {
	type want struct {
		res *compose.Result
		err error
	}
	cases := map[string]struct {
		reason   string
		params   map[string]any
		observed map[string]runtime.Object
		want     want
	}{
		"Minimal": {
			reason: "Only a server name: Conduit on example.org itself, a generated token, a 10Gi volume, only the Matrix paths routed, waiting for volume and server.",
			params: map[string]any{"serverName": "example.org"},
			want:   want{res: result("example.org", conduitEnv("example.org"), nil)},
		},
		"Delegated": {
			reason: "host differs from serverName: the homeserver's own host gets every path and example.org delegates through /.well-known/matrix.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org"},
			want:   want{res: result("matrix.example.org", conduitEnv("matrix.example.org"), nil)},
		},
		"Tuwunel": {
			reason: "tuwunel: its image and data path, nested keys with __, no database backend key.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "implementation": "tuwunel"},
			want: want{res: result("matrix.example.org", nil, func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(with(conduitEnv("matrix.example.org"), map[string]string{
					"CONDUIT_DATABASE_PATH":      "/var/lib/tuwunel",
					"CONDUIT_WELL_KNOWN__CLIENT": "https://matrix.example.org",
					"CONDUIT_WELL_KNOWN__SERVER": "matrix.example.org:443",
				}, "CONDUIT_CONFIG", "CONDUIT_DATABASE_BACKEND", "CONDUIT_WELL_KNOWN_CLIENT", "CONDUIT_WELL_KNOWN_SERVER")), Ready: resource.ReadyTrue}
				d.Spec.Template.Spec.Containers[0].Image = "ghcr.io/matrix-construct/tuwunel:v1.9.3"
				d.Spec.Template.Spec.Containers[0].VolumeMounts[0].MountPath = "/var/lib/tuwunel"
			})},
		},
		"ContinuwuityOpen": {
			reason: "continuwuity with open registration: the abuse acknowledgement is set, and no token is generated or published.",
			params: map[string]any{"serverName": "example.org", "implementation": "continuwuity", "registration": "open"},
			want: want{res: result("example.org", nil, func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(with(conduitEnv("example.org"), map[string]string{
					"CONDUIT_DATABASE_PATH":      "/var/lib/continuwuity",
					"CONDUIT_WELL_KNOWN__CLIENT": "https://example.org",
					"CONDUIT_WELL_KNOWN__SERVER": "example.org:443",
					"CONDUIT_YES_I_AM_VERY_VERY_SURE_I_WANT_AN_OPEN_REGISTRATION_SERVER_PRONE_TO_ABUSE": "true",
				}, "CONDUIT_CONFIG", "CONDUIT_DATABASE_BACKEND", "CONDUIT_WELL_KNOWN_CLIENT", "CONDUIT_WELL_KNOWN_SERVER")), Ready: resource.ReadyTrue}
				delete(r.Resources, "registration-token")
				delete(r.ConnectionDetails, "registrationToken")
				c := &d.Spec.Template.Spec.Containers[0]
				c.Image = "forgejo.ellis.link/continuwuation/continuwuity:v26.9.1"
				c.VolumeMounts[0].MountPath = "/var/lib/continuwuity"
				c.Env = nil
			})},
		},
		"FederationOff": {
			reason: "Federation off is set explicitly (Conduit's own default is off too, but the forks' is on); trusted servers are dropped.",
			params: map[string]any{"serverName": "example.org", "federation": map[string]any{"enabled": false}},
			want: want{res: result("example.org", nil, func(r *compose.Result, _ *appsv1.Deployment) {
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(with(conduitEnv("example.org"), map[string]string{
					"CONDUIT_ALLOW_FEDERATION": "false",
				}, "CONDUIT_TRUSTED_SERVERS")), Ready: resource.ReadyTrue}
			})},
		},
		"Gateway": {
			reason: "Gateway API: HTTPRoutes attached to the Gateway instead of Ingresses, no nginx annotations; the default ingress namespace is warned about.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "route": map[string]any{"gateway": map[string]any{"name": "public", "namespace": "gateways"}}},
			want: want{res: result("matrix.example.org", conduitEnv("matrix.example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				delete(r.Resources, "route-ingress")
				delete(r.Resources, "delegation-ingress")
				r.Resources["route-httproute"] = compose.Desired{Object: wantHTTPRoute("chat-matrix", "route", "matrix.example.org", "/"), Ready: resource.ReadyTrue}
				r.Resources["delegation-httproute"] = compose.Desired{Object: wantHTTPRoute("chat-matrix-delegation", "delegation", "example.org", "/.well-known/matrix"), Ready: resource.ReadyTrue}
				r.Events = []compose.Event{gatewayNamespaceWarning}
			})},
		},
		"Ready": {
			reason: "A bound volume and an available replica make the homeserver ready; the observed token is reused.",
			params: map[string]any{"serverName": "example.org"},
			observed: map[string]runtime.Object{
				ResourceData:         observedPVC("10Gi", "standard", corev1.ClaimBound),
				ResourceDeployment:   &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, Status: appsv1.DeploymentStatus{AvailableReplicas: 1}},
				ResourceRegistration: wantTokenSecret([]byte("from-first-reconcile")),
			},
			want: want{res: result("example.org", conduitEnv("example.org"), func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["data"] = compose.Desired{Object: wantPVC("10Gi", nil), Ready: resource.ReadyTrue}
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyTrue}
				r.Resources["registration-token"] = compose.Desired{Object: wantTokenSecret([]byte("from-first-reconcile")), Ready: resource.ReadyTrue}
				r.ConnectionDetails["registrationToken"] = []byte("from-first-reconcile")
				r.Conditions = []compose.Condition{{Type: "Homeserver", Status: metav1.ConditionTrue, Reason: "Available"}}
			})},
		},
		"DNS": {
			reason: "dns: one A record per public host, the delegating server name included; not ready until the provider says so.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "dns": dnsParams()},
			want: want{res: result("matrix.example.org", conduitEnv("matrix.example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				r.Resources["dns-example-org-a"] = compose.Desired{Object: wantRecord("chat-example-org-a", "@", "A", "192.0.2.10"), Ready: resource.ReadyFalse}
				r.Resources["dns-matrix-example-org-a"] = compose.Desired{Object: wantRecord("chat-matrix-example-org-a", "matrix", "A", "192.0.2.10"), Ready: resource.ReadyFalse}
				r.Conditions = append(r.Conditions, compose.Condition{Type: "DNS", Status: metav1.ConditionFalse, Reason: "Creating",
					Message: "DNS records not ready: example.org A, matrix.example.org A"})
			})},
		},
		"DNSReadyWithSRV": {
			reason: "federation.srv on a server that is its own host: the _matrix-fed._tcp and _matrix._tcp SRV records too; all observed Ready.",
			params: map[string]any{"serverName": "example.org", "dns": dnsParams(), "federation": map[string]any{"srv": true}},
			observed: map[string]runtime.Object{
				"dns-example-org-a":                  observedWithConditions("dns.homeplane.dev/v1alpha1", "RecordSet", "chat-example-org-a", readyStatus(nil)),
				"dns-matrix-fed-tcp-example-org-srv": observedWithConditions("dns.homeplane.dev/v1alpha1", "RecordSet", "x", readyStatus(nil)),
				"dns-matrix-tcp-example-org-srv":     observedWithConditions("dns.homeplane.dev/v1alpha1", "RecordSet", "y", readyStatus(nil)),
			},
			want: want{res: result("example.org", conduitEnv("example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				r.Resources["dns-example-org-a"] = compose.Desired{Object: wantRecord("chat-example-org-a", "@", "A", "192.0.2.10"), Ready: resource.ReadyTrue}
				r.Resources["dns-matrix-fed-tcp-example-org-srv"] = compose.Desired{Object: wantRecord("chat-matrix-fed-tcp-example-org-srv", "_matrix-fed._tcp", "SRV", "10 0 443 example.org."), Ready: resource.ReadyTrue}
				r.Resources["dns-matrix-tcp-example-org-srv"] = compose.Desired{Object: wantRecord("chat-matrix-tcp-example-org-srv", "_matrix._tcp", "SRV", "10 0 443 example.org."), Ready: resource.ReadyTrue}
				r.Conditions = append(r.Conditions, compose.Condition{Type: "DNS", Status: metav1.ConditionTrue, Reason: "Available", Message: "3 DNS record sets are published"})
			})},
		},
		"SRVDelegated": {
			reason: "SRV records cannot serve a delegated server: the server found through SRV would be asked for the server name's certificate.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "dns": dnsParams(), "federation": map[string]any{"srv": true}},
			want:   want{err: &compose.FieldError{Path: "spec.parameters.federation.srv", Reason: `Invalid value: true: federation.srv needs host to equal serverName: servers found through SRV ask for the server name's certificate, which only the delegation route serves`}},
		},
		"DNSOutsideZone": {
			reason: "A host outside the zone is a FieldError on the zone.",
			params: map[string]any{"serverName": "example.net", "dns": dnsParams()},
			want:   want{err: compose.InvalidField("spec.parameters.dns.zone", `host "example.net" is not in zone "example.org"`)},
		},
		"TLSIngress": {
			reason: "tls with an ingress: cert-manager's annotation on both Ingresses, and a TLS condition that says so.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "route": map[string]any{"tls": map[string]any{"issuer": "letsencrypt"}}},
			want: want{res: result("matrix.example.org", conduitEnv("matrix.example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("chat-matrix", "route", "matrix.example.org", with(bodySize, issuerAnnotation), true, "/"), Ready: resource.ReadyTrue}
				r.Resources["delegation-ingress"] = compose.Desired{Object: wantIngress("chat-matrix-delegation", "delegation", "example.org", issuerAnnotation, true, "/.well-known/matrix"), Ready: resource.ReadyTrue}
				r.Conditions = append(r.Conditions, tlsIngress)
			})},
		},
		"TLSGateway": {
			reason: "tls with a gateway: one Certificate for both hosts in the claim's namespace, a ReferenceGrant for the Gateway's; TLS waits for cert-manager; the default ingress namespace is warned about.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "route": map[string]any{"gateway": map[string]any{"name": "public", "namespace": "gateways"}, "tls": map[string]any{"issuer": "letsencrypt"}}},
			want: want{res: result("matrix.example.org", conduitEnv("matrix.example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				delete(r.Resources, "route-ingress")
				delete(r.Resources, "delegation-ingress")
				r.Resources["route-httproute"] = compose.Desired{Object: wantHTTPRoute("chat-matrix", "route", "matrix.example.org", "/"), Ready: resource.ReadyTrue}
				r.Resources["delegation-httproute"] = compose.Desired{Object: wantHTTPRoute("chat-matrix-delegation", "delegation", "example.org", "/.well-known/matrix"), Ready: resource.ReadyTrue}
				r.Resources["certificate"] = compose.Desired{Object: wantCertificate("chat", "example.org", "matrix.example.org"), Ready: resource.ReadyFalse}
				r.Resources["certificate-reference-grant"] = compose.Desired{Object: wantReferenceGrant(), Ready: resource.ReadyTrue}
				r.Events = []compose.Event{gatewayNamespaceWarning}
				r.Conditions = append(r.Conditions, compose.Condition{Type: "TLS", Status: metav1.ConditionFalse, Reason: "Creating", Message: "Certificate is being created"})
			})},
		},
		"SSOTuwunel": {
			reason: "sso with tuwunel: an OIDC client with tuwunel's callback; brand, callback and scopes in the ConfigMap; client ID, secret and issuer from the client's Secret; the homeserver waits for the client.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "implementation": "tuwunel", "sso": ssoParams()},
			want: want{res: result("matrix.example.org", nil, func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(tuwunelSSOEnv()), Ready: resource.ReadyTrue}
				tuwunelSSODeployment(d)
				r.Resources["oidc-client"] = compose.Desired{Object: wantOIDCClient(tuwunelCB), Ready: resource.ReadyFalse}
				r.Conditions = []compose.Condition{
					{Type: "Homeserver", Status: metav1.ConditionFalse, Reason: "Waiting",
						Message: "Waiting for the data volume to be bound, the OIDC client chat.chat.matrix (OIDC client is being created), the homeserver to answer /_matrix/client/versions"},
					{Type: "SSO", Status: metav1.ConditionFalse, Reason: "Creating", Message: "OIDC client is being created"},
				}
			})},
		},
		"SSOClientFailing": {
			reason: "An OIDC client the provider cannot create: the Homeserver and SSO conditions carry the provider's reason, the Deployment is not ready even when available.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "implementation": "tuwunel", "sso": ssoParams()},
			observed: map[string]runtime.Object{
				ResourceData:       observedPVC("10Gi", "standard", corev1.ClaimBound),
				ResourceDeployment: &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, Status: appsv1.DeploymentStatus{AvailableReplicas: 1}},
				"oidc-client": observedWithConditions("oidc.homeplane.dev/v1alpha1", "OIDCClient", oidcSecret, map[string]any{"conditions": []any{
					map[string]any{"type": "Ready", "status": "False", "reason": "Creating"},
					map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "provider config keycloak not found"},
				}}),
			},
			want: want{res: result("matrix.example.org", nil, func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["data"] = compose.Desired{Object: wantPVC("10Gi", nil), Ready: resource.ReadyTrue}
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(tuwunelSSOEnv()), Ready: resource.ReadyTrue}
				tuwunelSSODeployment(d)
				r.Resources["oidc-client"] = compose.Desired{Object: wantOIDCClient(tuwunelCB), Ready: resource.ReadyFalse}
				r.Conditions = []compose.Condition{
					{Type: "Homeserver", Status: metav1.ConditionFalse, Reason: "Waiting",
						Message: "Waiting for the OIDC client chat.chat.matrix (OIDC client not ready: provider config keycloak not found)"},
					{Type: "SSO", Status: metav1.ConditionFalse, Reason: "Creating", Message: "OIDC client not ready: provider config keycloak not found"},
				}
			})},
		},
		"SSOContinuwuity": {
			reason: "sso with continuwuity: its [global.oauth.oidc] keys, its own callback, and /_continuwuity routed on the server name.",
			params: map[string]any{"serverName": "example.org", "implementation": "continuwuity", "sso": ssoParams()},
			want: want{res: result("example.org", nil, func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(with(conduitEnv("example.org"), map[string]string{
					"CONDUIT_DATABASE_PATH":                  "/var/lib/continuwuity",
					"CONDUIT_WELL_KNOWN__CLIENT":             "https://example.org",
					"CONDUIT_WELL_KNOWN__SERVER":             "example.org:443",
					"CONDUIT_OAUTH__OIDC__ADDITIONAL_SCOPES": `["profile","email"]`,
				}, "CONDUIT_CONFIG", "CONDUIT_DATABASE_BACKEND", "CONDUIT_WELL_KNOWN_CLIENT", "CONDUIT_WELL_KNOWN_SERVER")), Ready: resource.ReadyTrue}
				c := &d.Spec.Template.Spec.Containers[0]
				c.Image = "forgejo.ellis.link/continuwuation/continuwuity:v26.9.1"
				c.VolumeMounts[0].MountPath = "/var/lib/continuwuity"
				c.Env = append(c.Env,
					fromSecret("CONDUIT_OAUTH__OIDC__CLIENT_ID", "client_id"),
					fromSecret("CONDUIT_OAUTH__OIDC__CLIENT_SECRET", "client_secret"),
					fromSecret("CONDUIT_OAUTH__OIDC__DISCOVERY_URL", "issuer_url"),
				)
				r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("chat-matrix", "route", "example.org", bodySize, false, "/_matrix", "/.well-known/matrix", "/_continuwuity"), Ready: resource.ReadyTrue}
				r.Resources["oidc-client"] = compose.Desired{Object: wantOIDCClient("https://example.org/_continuwuity/oidc/complete"), Ready: resource.ReadyFalse}
				r.Conditions = []compose.Condition{
					{Type: "Homeserver", Status: metav1.ConditionFalse, Reason: "Waiting",
						Message: "Waiting for the data volume to be bound, the OIDC client chat.chat.matrix (OIDC client is being created), the homeserver to answer /_matrix/client/versions"},
					{Type: "SSO", Status: metav1.ConditionFalse, Reason: "Creating", Message: "OIDC client is being created"},
				}
			})},
		},
		"SSOConduit": {
			reason: "Conduit has no single sign-on: the claim is rejected naming sso.",
			params: map[string]any{"serverName": "example.org", "sso": ssoParams()},
			want:   want{err: &compose.FieldError{Path: "spec.parameters.sso", Reason: `Forbidden: sso needs implementation tuwunel (which migrates a Conduit database in place) or continuwuity: Conduit has no single sign-on`}},
		},
		"Wired": {
			reason: "dns + tls + sso together, all observed ready: records, the ingress certificate, the OIDC client, and a Ready homeserver.",
			params: map[string]any{"serverName": "example.org", "host": "matrix.example.org", "implementation": "tuwunel", "sso": ssoParams(), "dns": dnsParams(),
				"route": map[string]any{"tls": map[string]any{"issuer": "letsencrypt"}}},
			observed: map[string]runtime.Object{
				ResourceData:               observedPVC("10Gi", "standard", corev1.ClaimBound),
				ResourceDeployment:         &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, Status: appsv1.DeploymentStatus{AvailableReplicas: 1}},
				ResourceRegistration:       wantTokenSecret(generated(7)),
				"oidc-client":              observedWithConditions("oidc.homeplane.dev/v1alpha1", "OIDCClient", oidcSecret, readyStatus(map[string]any{"atProvider": map[string]any{"clientID": oidcID, "issuerURL": issuer}})),
				"dns-example-org-a":        observedWithConditions("dns.homeplane.dev/v1alpha1", "RecordSet", "chat-example-org-a", readyStatus(nil)),
				"dns-matrix-example-org-a": observedWithConditions("dns.homeplane.dev/v1alpha1", "RecordSet", "chat-matrix-example-org-a", readyStatus(nil)),
			},
			want: want{res: result("matrix.example.org", nil, func(r *compose.Result, d *appsv1.Deployment) {
				r.Resources["data"] = compose.Desired{Object: wantPVC("10Gi", nil), Ready: resource.ReadyTrue}
				r.Resources["env"] = compose.Desired{Object: wantConfigMap(tuwunelSSOEnv()), Ready: resource.ReadyTrue}
				tuwunelSSODeployment(d)
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyTrue}
				r.Resources["oidc-client"] = compose.Desired{Object: wantOIDCClient(tuwunelCB), Ready: resource.ReadyTrue}
				r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("chat-matrix", "route", "matrix.example.org", with(bodySize, issuerAnnotation), true, "/"), Ready: resource.ReadyTrue}
				r.Resources["delegation-ingress"] = compose.Desired{Object: wantIngress("chat-matrix-delegation", "delegation", "example.org", issuerAnnotation, true, "/.well-known/matrix"), Ready: resource.ReadyTrue}
				r.Resources["dns-example-org-a"] = compose.Desired{Object: wantRecord("chat-example-org-a", "@", "A", "192.0.2.10"), Ready: resource.ReadyTrue}
				r.Resources["dns-matrix-example-org-a"] = compose.Desired{Object: wantRecord("chat-matrix-example-org-a", "matrix", "A", "192.0.2.10"), Ready: resource.ReadyTrue}
				r.Conditions = []compose.Condition{
					{Type: "Homeserver", Status: metav1.ConditionTrue, Reason: "Available"},
					{Type: "DNS", Status: metav1.ConditionTrue, Reason: "Available", Message: "2 DNS record sets are published"},
					tlsIngress,
					{Type: "SSO", Status: metav1.ConditionTrue, Reason: "Available", Message: "OIDC client chat.chat.matrix is registered"},
				}
			})},
		},
		"SSOBadScope": {
			reason: "A scope with a space would split into two in the environment's list: rejected naming it.",
			params: map[string]any{"serverName": "example.org", "implementation": "tuwunel", "sso": map[string]any{"providerConfigRef": map[string]any{"name": providerCfg}, "scopes": []any{"openid", "a b"}}},
			want:   want{err: &compose.FieldError{Path: "spec.parameters.sso.scopes[1]", Reason: `Invalid value: "a b": must be an OAuth scope: printable ASCII without spaces, quotes or backslashes`}},
		},
		"NetworkBadPolicies": {
			reason: "policies is Enabled or Disabled, as the XRD's enum says.",
			params: map[string]any{"serverName": "example.org", "network": map[string]any{"policies": "Off"}},
			want:   want{err: &compose.FieldError{Path: "spec.parameters.network.policies", Reason: `Unsupported value: "Off": supported values: "Enabled", "Disabled"`}},
		},
		"NetworkCustom": {
			reason: "Another ingress namespace, and pods of the claim's namespace with a label (a bridge) reach the homeserver directly.",
			params: map[string]any{"serverName": "example.org", "network": map[string]any{"ingressNamespace": "traefik", "allowFromPods": map[string]any{"app": "bridge"}}},
			want: want{res: result("example.org", conduitEnv("example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				deny, allow := wantPolicies("traefik", map[string]string{"app": "bridge"})
				r.Resources["network-policy-deny"] = compose.Desired{Object: deny, Ready: resource.ReadyTrue}
				r.Resources["network-policy-allow"] = compose.Desired{Object: allow, Ready: resource.ReadyTrue}
			})},
		},
		"NetworkDisabled": {
			reason: "policies Disabled (a CNI that does not enforce them): no NetworkPolicies.",
			params: map[string]any{"serverName": "example.org", "network": map[string]any{"policies": "Disabled"}},
			want: want{res: result("example.org", conduitEnv("example.org"), func(r *compose.Result, _ *appsv1.Deployment) {
				delete(r.Resources, "network-policy-deny")
				delete(r.Resources, "network-policy-allow")
			})},
		},
		"BadServerName": {
			reason: "A server name that is not a DNS name is rejected, naming the field.",
			params: map[string]any{"serverName": "matrix_server"},
			want:   want{err: &compose.FieldError{Path: "spec.parameters.serverName", Reason: `Invalid value: "matrix_server": must be a lower case DNS name such as example.org`}},
		},
		"ServerNameChanged": {
			reason: "An existing homeserver cannot move to another server name, even where the XRD's CEL rule did not run.",
			params: map[string]any{"serverName": "example.net"},
			observed: map[string]runtime.Object{
				ResourceEnv: wantConfigMap(conduitEnv("example.org")),
			},
			want: want{err: compose.InvalidField("spec.parameters.serverName", "is immutable: the homeserver's data belongs to example.org, not example.net (Matrix IDs are bound to the server name)")},
		},
		"WrongType": {
			reason: "A field of the wrong type is a FieldError naming it.",
			params: map[string]any{"serverName": "example.org", "federation": map[string]any{"enabled": "yes"}},
			want:   want{err: compose.InvalidField("spec.parameters.federation.enabled", "cannot be a string, must be a boolean")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := NewComposer().Compose(context.Background(), request(t, tc.params, tc.observed))
			if diff := cmp.Diff(errorString(tc.want.err), errorString(err)); diff != "" {
				t.Fatalf("%s\nCompose(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.want.err != nil && !compose.IsFieldError(err) {
				t.Errorf("%s\nCompose(...): want a FieldError, got %T", tc.reason, err)
			}
			if diff := cmp.Diff(withProtectionCondition(tc.want.res), got, cmpOpts()...); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// tlsIngress is the TLS condition of both Ingresses of a delegated server:
// cert-manager's ingress-shim issues, Homeplane cannot observe it.
var tlsIngress = compose.Condition{Type: "TLS", Status: metav1.ConditionUnknown, Reason: "IngressAnnotation",
	Message: `The Ingress asks cert-manager (ClusterIssuer "letsencrypt") for a certificate for matrix.example.org, example.org in Secret chat-matrix-tls, chat-matrix-delegation-tls of namespace chat; cert-manager creates it, so Homeplane does not observe it: see kubectl -n chat get certificates`}

// gatewayNamespaceWarning is the event of a Gateway route with the default
// ingress namespace in its NetworkPolicy.
var gatewayNamespaceWarning = compose.Event{Severity: compose.SeverityWarning, Reason: "DefaultIngressNamespace",
	Message: "The NetworkPolicy lets the route in from namespace ingress-nginx, the default; through a Gateway, set spec.parameters.network.ingressNamespace to the namespace of the Gateway's proxy pods"}

// unprotected is the last condition of every result without deletionProtection.
var unprotected = compose.Condition{Type: "DeletionProtection", Status: metav1.ConditionFalse, Reason: "Disabled",
	Message: "Deleting this claim deletes the homeserver; its data volume is deleted once the server is gone."}

// noSnapshots is the Snapshots condition of a claim that lists none.
var noSnapshots = compose.Condition{Type: "Snapshots", Status: metav1.ConditionFalse, Reason: "Disabled",
	Message: "No VolumeSnapshot of the data volume is composed: list them in spec.parameters.snapshots"}

// withProtectionCondition adds the wiring stage's conditions a case does not
// state: DNS and TLS disabled for the hosts routed, SSO disabled for an
// implementation that has it, and deletion protection off.
func withProtectionCondition(r *compose.Result) *compose.Result {
	if r == nil {
		return nil
	}
	has := map[string]bool{}
	for _, c := range r.Conditions {
		has[c.Type] = true
	}
	hosts := strings.TrimPrefix(r.Status.(v1alpha1.XMatrixServerStatus).URL, "https://")
	_, delegated := r.Resources["delegation-ingress"]
	_, gatewayDelegated := r.Resources["delegation-httproute"]
	if delegated || gatewayDelegated {
		hosts += ", example.org"
	}
	where := "the ingress controller's default certificate"
	if _, ok := r.Resources["route-httproute"]; ok {
		where = "the certificate of the Gateway's listener"
	}
	if !has["DNS"] {
		r.Conditions = append(r.Conditions, compose.Condition{Type: "DNS", Status: metav1.ConditionFalse, Reason: "Disabled",
			Message: "No DNS record is composed: " + hosts + " must resolve to the ingress by other means, or set spec.parameters.dns"})
	}
	if !has["TLS"] {
		r.Conditions = append(r.Conditions, compose.Condition{Type: "TLS", Status: metav1.ConditionFalse, Reason: "Disabled",
			Message: "No certificate is requested for " + hosts + ": browsers get " + where + "; set spec.parameters.route.tls.issuer to have cert-manager issue one"})
	}
	if d, ok := r.Resources["deployment"]; ok && !has["SSO"] && !strings.Contains(d.Object.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Image, "conduit") {
		r.Conditions = append(r.Conditions, compose.Condition{Type: "SSO", Status: metav1.ConditionFalse, Reason: "Disabled",
			Message: "No OIDC client is registered: users log in with the app's own accounts; set spec.parameters.sso for single sign-on"})
	}
	if !has["DeletionProtection"] {
		r.Conditions = append(r.Conditions, unprotected)
	}
	if !has["Snapshots"] {
		r.Conditions = append(r.Conditions, noSnapshots)
	}
	return r
}

// TestTokenStable composes twice, the second time observing what the first
// composed and with other randomness: the token must not change.
func TestTokenStable(t *testing.T) {
	params := map[string]any{"serverName": "example.org"}
	first, err := NewComposer().Compose(context.Background(), request(t, params, nil))
	if err != nil {
		t.Fatal(err)
	}
	observed := map[string]runtime.Object{}
	for n, d := range first.Resources {
		observed[string(n)] = d.Object
	}
	req := request(t, params, observed)
	req.Rand = fill(9)
	second, err := NewComposer().Compose(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.Resources[ResourceRegistration], second.Resources[ResourceRegistration]); diff != "" {
		t.Errorf("second Compose(...): token Secret changed: -first, +second:\n%s", diff)
	}
	if diff := cmp.Diff(generated(7), second.ConnectionDetails[KeyRegistrationToken]); diff != "" {
		t.Errorf("second Compose(...): published token changed: -first, +second:\n%s", diff)
	}
}

// TestNoSecretsInMessages checks that the token appears only in the Secret
// and the connection details, never in conditions, events or status.
func TestNoSecretsInMessages(t *testing.T) {
	res, err := NewComposer().Compose(context.Background(), request(t, map[string]any{"serverName": "example.org", "storageClass": "fast"}, map[string]runtime.Object{
		ResourceData: observedPVC("10Gi", "standard", corev1.ClaimBound),
	}))
	if err != nil {
		t.Fatal(err)
	}
	tok := string(generated(7))
	for _, c := range res.Conditions {
		if strings.Contains(c.Message, tok) || strings.Contains(c.Reason, tok) {
			t.Errorf("condition %s holds the token", c.Type)
		}
	}
	for _, e := range res.Events {
		if strings.Contains(e.Message, tok) {
			t.Errorf("event %s holds the token", e.Reason)
		}
	}
	if cm := res.Resources[ResourceEnv].Object.(*corev1.ConfigMap); len(cm.Data) == 0 {
		t.Fatal("no environment")
	} else {
		for k, v := range cm.Data {
			if strings.Contains(v, tok) {
				t.Errorf("ConfigMap key %s holds the token", k)
			}
		}
	}
}

// BenchmarkCompose measures one reconcile of a typical homeserver: delegated
// host, TLS, observed volume, Deployment and token.
func BenchmarkCompose(b *testing.B) {
	params := map[string]any{
		"serverName": "example.org",
		"host":       "matrix.example.org",
		"route":      map[string]any{"ingress": map[string]any{"className": "nginx"}, "tls": map[string]any{"issuer": "letsencrypt"}},
	}
	req := request(b, params, map[string]runtime.Object{
		ResourceData:         observedPVC("10Gi", "standard", corev1.ClaimBound),
		ResourceDeployment:   &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, Status: appsv1.DeploymentStatus{AvailableReplicas: 1}},
		ResourceRegistration: wantTokenSecret([]byte("from-first-reconcile")),
	})
	c := NewComposer()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compose(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
