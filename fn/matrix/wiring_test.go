package matrix

import (
	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource/composed"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
)

// Fixtures of the wiring tests.
const (
	oidcSecret  = "chat-matrix-oidc"
	oidcID      = "chat.chat.matrix"
	tuwunelCB   = "https://matrix.example.org/_matrix/client/unstable/login/sso/callback/chat.chat.matrix"
	issuer      = "https://sso.example.org/realms/home"
	providerCfg = "keycloak"
)

func otherMeta(name, app, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{
		"app.kubernetes.io/name": app, "app.kubernetes.io/instance": claim, "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": component,
	}}
}

// wantPolicies are the deny and allow NetworkPolicies: the ingress
// namespace, and pods with extra labels when given.
func wantPolicies(ingressNS string, fromPods map[string]string) (deny, allow *networkingv1.NetworkPolicy) {
	tm := metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	sel := metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": claim}}
	port := intstr.FromInt32(6167)
	ports := []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: &port}}
	deny = &networkingv1.NetworkPolicy{TypeMeta: tm, ObjectMeta: meta("chat-matrix-deny", "network-policy"),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	allow = &networkingv1.NetworkPolicy{TypeMeta: tm, ObjectMeta: meta("chat-matrix-allow", "network-policy"),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: *sel.DeepCopy(), PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: ports, From: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ingressNS}},
			}}}}}}
	if fromPods != nil {
		allow.Spec.Ingress = append(allow.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{Ports: ports, From: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": namespace}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: fromPods},
		}}})
	}
	return deny, allow
}

func wantUsage() *protectionv1beta1.Usage {
	return &protectionv1beta1.Usage{
		TypeMeta:   metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
		ObjectMeta: meta("chat-matrix-uses-chat-matrix-data", "usage"),
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{APIVersion: "v1", Kind: "PersistentVolumeClaim",
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: "chat-matrix-data"}},
			By: &protectionv1beta1.Resource{APIVersion: "apps/v1", Kind: "Deployment",
				ResourceRef: &protectionv1beta1.ResourceRef{Name: "chat-matrix"}},
			Reason:         ptr.To("the homeserver chat/chat-matrix keeps its database and media on this volume"),
			ReplayDeletion: ptr.To(true),
		},
	}
}

func wantRecord(objName, name string, typ dnsv1alpha1.RecordType, records ...string) *dnsv1alpha1.RecordSet {
	return &dnsv1alpha1.RecordSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "dns.homeplane.dev/v1alpha1", Kind: "RecordSet"},
		ObjectMeta: otherMeta(objName, "dns", "record"),
		Spec: dnsv1alpha1.RecordSetSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: &xpv2.ProviderConfigReference{Name: "bind", Kind: "ClusterProviderConfig"}},
			ForProvider:         dnsv1alpha1.RecordSetParameters{Zone: "example.org", Name: name, Type: typ, Records: records},
		},
	}
}

func wantCertificate(ns string, hosts ...string) *cmv1.Certificate {
	m := otherMeta("chat-matrix-tls", "matrix", "certificate")
	m.Namespace = ns
	return &cmv1.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "Certificate"},
		ObjectMeta: m,
		Spec: cmv1.CertificateSpec{
			SecretName: "chat-matrix-tls",
			DNSNames:   hosts,
			IssuerRef:  cmmeta.ObjectReference{Name: "letsencrypt", Kind: "ClusterIssuer", Group: "cert-manager.io"},
		},
	}
}

// wantReferenceGrant lets Gateways of namespace gateways read the
// certificate's Secret.
func wantReferenceGrant() *gatewayv1beta1.ReferenceGrant {
	return &gatewayv1beta1.ReferenceGrant{
		TypeMeta:   metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1beta1", Kind: "ReferenceGrant"},
		ObjectMeta: otherMeta("chat-matrix-tls-gateway", "matrix", "certificate"),
		Spec: gatewayv1beta1.ReferenceGrantSpec{
			From: []gatewayv1beta1.ReferenceGrantFrom{{Group: "gateway.networking.k8s.io", Kind: "Gateway", Namespace: "gateways"}},
			To:   []gatewayv1beta1.ReferenceGrantTo{{Kind: "Secret", Name: ptr.To[gatewayv1beta1.ObjectName]("chat-matrix-tls")}},
		},
	}
}

func wantOIDCClient(redirect string) *oidcv1alpha1.OIDCClient {
	return &oidcv1alpha1.OIDCClient{
		TypeMeta:   metav1.TypeMeta{APIVersion: "oidc.homeplane.dev/v1alpha1", Kind: "OIDCClient"},
		ObjectMeta: otherMeta(oidcSecret, "matrix", "oidc-client"),
		Spec: oidcv1alpha1.OIDCClientSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference:          &xpv2.ProviderConfigReference{Name: providerCfg, Kind: "ClusterProviderConfig"},
				WriteConnectionSecretToReference: &xpv2.LocalSecretReference{Name: oidcSecret},
			},
			ForProvider: oidcv1alpha1.OIDCClientParameters{
				ClientID:     oidcID,
				DisplayName:  "Matrix (example.org)",
				RedirectURIs: []string{redirect},
				GrantTypes:   []string{"authorization_code", "refresh_token"},
				Scopes:       []string{"openid", "profile", "email"},
				ClientType:   oidcv1alpha1.ClientTypeConfidential,
				PKCE:         true,
			},
		},
	}
}

// fromSecret is an environment variable read from the OIDC client's
// connection Secret.
func fromSecret(name, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: oidcSecret}, Key: key, Optional: ptr.To(false),
	}}}
}

// observedWithConditions is an observed managed resource with a status.
func observedWithConditions(apiVersion, kind, name string, status map[string]any) *composed.Unstructured {
	return &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "namespace": namespace}, "status": status,
	}}}
}

func readyStatus(extra map[string]any) map[string]any {
	s := map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "Available"},
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
	}}
	for k, v := range extra {
		s[k] = v
	}
	return s
}
