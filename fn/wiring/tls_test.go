package wiring

import (
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func TestComposeCertificate(t *testing.T) {
	want := func(ns string) *cmv1.Certificate {
		return &cmv1.Certificate{
			TypeMeta: metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "Certificate"},
			ObjectMeta: metav1.ObjectMeta{Name: "chat-matrix-tls", Namespace: ns, Labels: map[string]string{
				"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "certificate",
			}},
			Spec: cmv1.CertificateSpec{
				SecretName: "chat-matrix-tls",
				DNSNames:   []string{"example.org", "matrix.example.org"},
				IssuerRef:  cmmeta.ObjectReference{Name: "letsencrypt", Kind: "ClusterIssuer", Group: "cert-manager.io"},
			},
		}
	}
	grant := &gatewayv1beta1.ReferenceGrant{
		TypeMeta: metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1beta1", Kind: "ReferenceGrant"},
		ObjectMeta: metav1.ObjectMeta{Name: "chat-matrix-tls-gateway", Namespace: "chat", Labels: map[string]string{
			"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "certificate",
		}},
		Spec: gatewayv1beta1.ReferenceGrantSpec{
			From: []gatewayv1beta1.ReferenceGrantFrom{{Group: "gateway.networking.k8s.io", Kind: "Gateway", Namespace: "gateways"}},
			To:   []gatewayv1beta1.ReferenceGrantTo{{Kind: "Secret", Name: ptr.To[gatewayv1beta1.ObjectName]("chat-matrix-tls")}},
		},
	}
	issued := map[resource.Name]resource.ObservedComposed{CertificateResource: {Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{
		Object: map[string]any{"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}},
	}}}}
	cases := map[string]struct {
		reason   string
		gw       common.GatewayRoute
		observed map[resource.Name]resource.ObservedComposed
		want     *Certificate
		wantCond compose.Condition
	}{
		"GatewayNamespace": {
			reason:   "The Certificate stays in the claim's namespace, for every host once, sorted; a ReferenceGrant there lets only Gateways of the Gateway's namespace read only its Secret.",
			gw:       common.GatewayRoute{Name: "public", Namespace: "gateways"},
			want:     &Certificate{Object: want("chat"), Grant: grant, NotReady: "Certificate is being created"},
			wantCond: compose.Condition{Type: "TLS", Status: "False", Reason: "Creating", Message: "Certificate is being created"},
		},
		"Issued": {
			reason:   "A Gateway in the claim's namespace gets the Certificate there; issued means ready.",
			gw:       common.GatewayRoute{Name: "public"},
			observed: issued,
			want:     &Certificate{Object: want("chat"), Ready: true},
			wantCond: compose.Condition{Type: "TLS", Status: "True", Reason: "Available", Message: "Certificate for 2 hosts is issued into Secret chat/chat-matrix-tls"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &compose.Request{ClaimName: "chat", Namespace: "chat", Observed: tc.observed}
			got := composeCertificate(req, "matrix", common.TLS{Issuer: "letsencrypt"}, tc.gw, []string{"matrix.example.org", "example.org", "matrix.example.org"})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
			res := compose.NewResult()
			addCertificate(res, got)
			if diff := cmp.Diff([]compose.Condition{tc.wantCond}, res.Conditions); diff != "" {
				t.Errorf("%s\nAdd(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
