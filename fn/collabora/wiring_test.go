package collabora

import (
	"context"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

var dnsDisabled = compose.Condition{Type: "DNS", Status: "False", Reason: "Disabled",
	Message: "No DNS record is composed: office.example.org must resolve to the ingress by other means, or set spec.parameters.dns"}

func tlsDisabled(where string) compose.Condition {
	return compose.Condition{Type: "TLS", Status: "False", Reason: "Disabled",
		Message: "No certificate is requested for office.example.org: browsers get " + where + "; set spec.parameters.route.tls.issuer to have cert-manager issue one"}
}

func tlsIngress(kind string) compose.Condition {
	return compose.Condition{Type: "TLS", Status: "Unknown", Reason: "IngressAnnotation",
		Message: `The Ingress asks cert-manager (` + kind + ` "letsencrypt") for a certificate for office.example.org in Secret office-collabora-tls of namespace office; cert-manager creates it, so Homeplane does not observe it: see kubectl -n office get certificates`}
}

var gatewayNamespaceWarning = compose.Event{Severity: "Warning", Reason: "DefaultIngressNamespace",
	Message: "The NetworkPolicy lets the route in from namespace ingress-nginx, the default; through a Gateway, set spec.parameters.network.ingressNamespace to the namespace of the Gateway's proxy pods"}

// ingressPeer is the rule that lets the ingress controller's namespace in.
func ingressPeer(ns string) networkingv1.NetworkPolicyIngressRule {
	return npRule(networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSelector(ns)})
}

// podsPeer is the rule that lets labelled pods of the claim's namespace in.
func podsPeer(pods map[string]string) networkingv1.NetworkPolicyIngressRule {
	return npRule(networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSelector("office"), PodSelector: &metav1.LabelSelector{MatchLabels: pods}})
}

func nsSelector(ns string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
}

// npRule allows a peer to port 9980 only: never port 1, where the Service's
// blocked port forwards.
func npRule(peer networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
	tcp := corev1.ProtocolTCP
	port := intstr.FromInt32(9980)
	return networkingv1.NetworkPolicyIngressRule{
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
		From:  []networkingv1.NetworkPolicyPeer{peer},
	}
}

// wantNetworkPolicies are the deny and allow policies of the server pods.
func wantNetworkPolicies(rules ...networkingv1.NetworkPolicyIngressRule) (deny, allow *networkingv1.NetworkPolicy) {
	policy := func(name string, rules []networkingv1.NetworkPolicyIngressRule) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta(name, "network-policy"),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: selector()},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     rules,
			},
		}
	}
	return policy("office-collabora-deny", nil), policy("office-collabora-allow", rules)
}

func withNetworkPolicies(r *compose.Result, rules ...networkingv1.NetworkPolicyIngressRule) {
	deny, allow := wantNetworkPolicies(rules...)
	r.Resources["network-policy-deny"] = compose.Desired{Object: deny, Ready: resource.ReadyTrue}
	r.Resources["network-policy-allow"] = compose.Desired{Object: allow, Ready: resource.ReadyTrue}
}

// wantRecordSet is the A record of office.example.org in zone example.org.
func wantRecordSet() *dnsv1alpha1.RecordSet {
	return &dnsv1alpha1.RecordSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "dns.homeplane.dev/v1alpha1", Kind: "RecordSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "office-office-example-org-a", Namespace: "office", Labels: map[string]string{
			"app.kubernetes.io/name": "dns", "app.kubernetes.io/instance": "office", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "record",
		}},
		Spec: dnsv1alpha1.RecordSetSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: &xpv2.ProviderConfigReference{Name: "bind", Kind: "ClusterProviderConfig"}},
			ForProvider:         dnsv1alpha1.RecordSetParameters{Zone: "example.org", Name: "office", Type: "A", Records: []string{"192.0.2.10"}},
		},
	}
}

// wantCertificate is the Certificate for Gateway gateways/public, in the
// claim's namespace.
func wantCertificate() *cmv1.Certificate {
	return &cmv1.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "Certificate"},
		ObjectMeta: metav1.ObjectMeta{Name: "office-collabora-tls", Namespace: "office", Labels: labels("certificate")},
		Spec: cmv1.CertificateSpec{
			SecretName: "office-collabora-tls",
			DNSNames:   []string{"office.example.org"},
			IssuerRef:  cmmeta.ObjectReference{Name: "letsencrypt", Kind: "ClusterIssuer", Group: "cert-manager.io"},
		},
	}
}

// wantReferenceGrant lets Gateways of namespace gateways read the
// certificate's Secret, and nothing else.
func wantReferenceGrant() *gatewayv1beta1.ReferenceGrant {
	return &gatewayv1beta1.ReferenceGrant{
		TypeMeta:   metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1beta1", Kind: "ReferenceGrant"},
		ObjectMeta: metav1.ObjectMeta{Name: "office-collabora-tls-gateway", Namespace: "office", Labels: labels("certificate")},
		Spec: gatewayv1beta1.ReferenceGrantSpec{
			From: []gatewayv1beta1.ReferenceGrantFrom{{Group: "gateway.networking.k8s.io", Kind: "Gateway", Namespace: "gateways"}},
			To:   []gatewayv1beta1.ReferenceGrantTo{{Kind: "Secret", Name: ptr.To[gatewayv1beta1.ObjectName]("office-collabora-tls")}},
		},
	}
}

// withConditions returns o with status conditions (type, status, message),
// as the provider or cert-manager reports them.
func withConditions(o runtime.Object, conds ...[3]string) runtime.Object {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		panic(err)
	}
	cs := make([]any, 0, len(conds))
	for _, c := range conds {
		cs = append(cs, map[string]any{"type": c[0], "status": c[1], "message": c[2]})
	}
	m["status"] = map[string]any{"conditions": cs}
	return &unstructured.Unstructured{Object: m}
}

const dnsBlock = `"dns": {"providerConfigRef": {"name": "bind"}, "zone": "example.org", "target": "192.0.2.10"}`

func TestComposeWiring(t *testing.T) {
	cases := map[string]struct {
		reason     string
		parameters string
		observed   []runtime.Object
		want       func() *compose.Result
		wantErr    string
	}{
		"DNSAlone": {
			reason:     "A dns block composes one A record for the host, not ready (nor the composite) until the provider publishes it; the condition names the record.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], ` + dnsBlock + `}`,
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["dns-office-example-org-a"] = compose.Desired{Object: wantRecordSet(), Ready: resource.ReadyFalse}
				r.Conditions = []compose.Condition{tlsDisabled("the ingress controller's default certificate"),
					{Type: "DNS", Status: "False", Reason: "Creating", Message: "DNS records not ready: office.example.org A"}}
				return r
			},
		},
		"DNSSyncError": {
			reason:     "A record the provider cannot write says why in the DNS condition.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], ` + dnsBlock + `}`,
			observed: []runtime.Object{as("dns-office-example-org-a", withConditions(wantRecordSet(),
				[3]string{"Ready", "False", ""}, [3]string{"Synced", "False", "cannot update record: NOTAUTH"}))},
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["dns-office-example-org-a"] = compose.Desired{Object: wantRecordSet(), Ready: resource.ReadyFalse}
				r.Conditions = []compose.Condition{tlsDisabled("the ingress controller's default certificate"),
					{Type: "DNS", Status: "False", Reason: "Creating", Message: "DNS records not ready: office.example.org A (cannot update record: NOTAUTH)"}}
				return r
			},
		},
		"DNSAndTLSIngress": {
			reason:     "With dns and tls on an Ingress: the record is published (Ready), the Ingress carries cert-manager's annotation, and the TLS condition says Homeplane does not observe that certificate.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], ` + dnsBlock + `, "route": {"ingress": {"className": "nginx"}, "tls": {"issuer": "letsencrypt", "issuerKind": "Issuer"}}}`,
			observed:   []runtime.Object{as("dns-office-example-org-a", withConditions(wantRecordSet(), [3]string{"Ready", "True", ""}))},
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["dns-office-example-org-a"] = compose.Desired{Object: wantRecordSet(), Ready: resource.ReadyTrue}
				a := nginxAnnotations()
				a["cert-manager.io/issuer"] = "letsencrypt"
				in := wantIngress("nginx", a, privatePaths())
				in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"office.example.org"}, SecretName: "office-collabora-tls"}}
				r.Resources["route-ingress"] = compose.Desired{Object: in, Ready: resource.ReadyTrue}
				r.Conditions = []compose.Condition{tlsIngress("Issuer"),
					{Type: "DNS", Status: "True", Reason: "Available", Message: "The DNS record set is published"}}
				return r
			},
		},
		"ReplicasOneCertificate": {
			reason:     "With replicas and tls, both Ingresses serve the host: the session Ingress asks cert-manager for the certificate, the stateless one lists the same Secret without any cert-manager annotation (one certificate per host), and the TLS condition names one Secret; DNS publishes the host once.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 2, ` + dnsBlock + `, "route": {"ingress": {"className": "nginx"}, "tls": {"issuer": "letsencrypt"}}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				d := wantDeployment()
				d.Spec.Replicas = ptr.To[int32](2)
				d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
					MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
					LabelSelector: &metav1.LabelSelector{MatchLabels: selector()},
				}}
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyFalse}
				r.Resources["pdb"] = compose.Desired{Object: wantPDB(), Ready: resource.ReadyTrue}
				r.Resources["dns-office-example-org-a"] = compose.Desired{Object: wantRecordSet(), Ready: resource.ReadyFalse}
				tls := []networkingv1.IngressTLS{{Hosts: []string{"office.example.org"}, SecretName: "office-collabora-tls"}}
				a := nginxAnnotations()
				a["nginx.ingress.kubernetes.io/upstream-hash-by"] = "$arg_WOPISrc"
				a["cert-manager.io/cluster-issuer"] = "letsencrypt"
				in := wantIngress("nginx", a, privatePaths())
				in.Spec.TLS = tls
				r.Resources["route-ingress"] = compose.Desired{Object: in, Ready: resource.ReadyTrue}
				anyIn := wantAnyIngress("nginx", nginxAnnotations())
				anyIn.Spec.TLS = tls
				r.Resources["any-service"] = compose.Desired{Object: wantAnyService(), Ready: resource.ReadyTrue}
				r.Resources["any-route-ingress"] = compose.Desired{Object: anyIn, Ready: resource.ReadyTrue}
				r.Conditions = []compose.Condition{tlsIngress("ClusterIssuer"),
					{Type: "DNS", Status: "False", Reason: "Creating", Message: "DNS records not ready: office.example.org A"}}
				return r
			},
		},
		"DNSRemoved": {
			reason:     "Without the dns block no record is composed, even if one is observed: Crossplane deletes it. The DNS condition says so.",
			parameters: minimal,
			observed:   []runtime.Object{as("dns-office-example-org-a", withConditions(wantRecordSet(), [3]string{"Ready", "True", ""}))},
			want:       wantMinimal,
		},
		"DNSHostOutsideZone": {
			reason:     "A host outside the zone is a FieldError, before any secret is generated.",
			parameters: `{"host": "office.example.com", "wopiHosts": ["https://cloud.example.org"], ` + dnsBlock + `}`,
			wantErr:    `spec.parameters.dns.zone: host "office.example.com" is not in zone "example.org"`,
		},
		"GatewayWithoutTLS": {
			reason:     "Through a Gateway without tls the listener's certificate serves the host; the default ingress namespace gets a warning.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "route": {"gateway": {"name": "public", "namespace": "gateways"}}, "network": {"ingressNamespace": "envoy-gateway-system"}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				delete(r.Resources, "route-ingress")
				r.Resources["route-httproute"] = compose.Desired{Object: wantHTTPRoute(), Ready: resource.ReadyTrue}
				withNetworkPolicies(r, ingressPeer("envoy-gateway-system"))
				r.Conditions = []compose.Condition{tlsDisabled("the certificate of the Gateway's listener"), dnsDisabled}
				return r
			},
		},
		"GatewayTLSCertificate": {
			reason:     "Through a Gateway, tls composes a cert-manager Certificate in the claim's namespace and a ReferenceGrant for the Gateway's namespace, whose listener references its Secret; the HTTPRoute is unchanged.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "route": {"gateway": {"name": "public", "namespace": "gateways"}, "tls": {"issuer": "letsencrypt"}}, "network": {"ingressNamespace": "envoy-gateway-system"}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				delete(r.Resources, "route-ingress")
				r.Resources["route-httproute"] = compose.Desired{Object: wantHTTPRoute(), Ready: resource.ReadyTrue}
				r.Resources["certificate"] = compose.Desired{Object: wantCertificate(), Ready: resource.ReadyFalse}
				r.Resources["certificate-reference-grant"] = compose.Desired{Object: wantReferenceGrant(), Ready: resource.ReadyTrue}
				withNetworkPolicies(r, ingressPeer("envoy-gateway-system"))
				r.Conditions = []compose.Condition{{Type: "TLS", Status: "False", Reason: "Creating", Message: "Certificate is being created"}, dnsDisabled}
				return r
			},
		},
		"GatewayTLSIssued": {
			reason:     "Once cert-manager has issued it, the Certificate is ready and the TLS condition names its Secret.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "route": {"gateway": {"name": "public", "namespace": "gateways"}, "tls": {"issuer": "letsencrypt"}}, "network": {"ingressNamespace": "envoy-gateway-system"}}`,
			observed:   []runtime.Object{as("certificate", withConditions(wantCertificate(), [3]string{"Ready", "True", ""}))},
			want: func() *compose.Result {
				r := wantMinimal()
				delete(r.Resources, "route-ingress")
				r.Resources["route-httproute"] = compose.Desired{Object: wantHTTPRoute(), Ready: resource.ReadyTrue}
				r.Resources["certificate"] = compose.Desired{Object: wantCertificate(), Ready: resource.ReadyTrue}
				r.Resources["certificate-reference-grant"] = compose.Desired{Object: wantReferenceGrant(), Ready: resource.ReadyTrue}
				withNetworkPolicies(r, ingressPeer("envoy-gateway-system"))
				r.Conditions = []compose.Condition{{Type: "TLS", Status: "True", Reason: "Available", Message: "Certificate for 1 hosts is issued into Secret office/office-collabora-tls"}, dnsDisabled}
				return r
			},
		},
		"NetworkAllowFromPods": {
			reason:     "Labelled pods of the claim's namespace (a Nextcloud calling discovery directly) may reach port 9980 too, and only they.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "network": {"ingressNamespace": "ingress", "allowFromPods": {"app.kubernetes.io/name": "nextcloud"}}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				withNetworkPolicies(r, ingressPeer("ingress"), podsPeer(map[string]string{"app.kubernetes.io/name": "nextcloud"}))
				return r
			},
		},
		"NetworkDefaultsAsDefaulted": {
			reason:     "A network block as the API server defaults it is the same as none.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "network": {"policies": "Enabled", "ingressNamespace": "ingress-nginx"}}`,
			want:       wantMinimal,
		},
		"NetworkDisabled": {
			reason:     "Policies can be turned off for CNIs that do not enforce them: none is composed.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "network": {"policies": "Disabled"}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				delete(r.Resources, "network-policy-deny")
				delete(r.Resources, "network-policy-allow")
				return r
			},
		},
		"NetworkBadNamespace": {
			reason:     "An ingress namespace that is not a namespace name is a FieldError, not a NetworkPolicy the API server rejects.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "network": {"ingressNamespace": "Ingress_NGINX"}}`,
			wantErr:    `spec.parameters.network.ingressNamespace: Invalid value: "Ingress_NGINX": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
		},
		"NetworkBadLabel": {
			reason:     "A label value that is not one is a FieldError naming the label.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "network": {"allowFromPods": {"app": "next cloud"}}}`,
			wantErr:    `spec.parameters.network.allowFromPods[app]: Invalid value: "next cloud": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(t, tc.parameters, tc.observed...)
			got, err := NewComposer(WithProofKeyGenerator(fixedKey)).Compose(context.Background(), req)
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nCompose(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(withSysAdmin(tc.want()), got, cmpOpts...); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
