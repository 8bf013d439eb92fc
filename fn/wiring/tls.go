package wiring

import (
	"fmt"
	"sort"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/utils/ptr"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// The certificate of an app routed through a Gateway API Gateway. (An Ingress
// gets its certificate from cert-manager's ingress annotations instead, which
// route.go sets.)

func init() {
	utilruntime.Must(cmv1.AddToScheme(composed.Scheme))
	utilruntime.Must(gatewayv1beta1.Install(composed.Scheme))
}

// ConditionTLS is the claim condition that reports the app's certificate.
const ConditionTLS = "TLS"

// Composition resource names of the Certificate and of the ReferenceGrant
// that lets the Gateway read its Secret.
const (
	CertificateResource    resource.Name = "certificate"
	ReferenceGrantResource resource.Name = "certificate-reference-grant"
)

// Certificate is a composed Certificate and whether cert-manager issued it.
type Certificate struct {
	Object *cmv1.Certificate
	// Grant lets a Gateway of another namespace read the Secret; nil when
	// the Gateway is in the claim's namespace.
	Grant *gatewayv1beta1.ReferenceGrant
	Ready bool
	// NotReady explains why not, for the TLS condition.
	NotReady string
}

// certificateSecretName is the Secret the certificate of an app is written to.
func certificateSecretName(req *compose.Request, app string) string {
	return compose.DNSLabel(req.ClaimName, app, "tls")
}

// composeCertificate returns a Certificate for every host, issued by t's
// issuer, in the claim's namespace: nothing a claim causes is written into
// another namespace, and an Issuer there would sign for any tenant. A Gateway
// of another namespace reads the Secret through the ReferenceGrant that comes
// with it (Gateway API's model for cross-namespace certificateRefs, GEP-709);
// its listener must list the Secret, which is the platform's to configure.
func composeCertificate(req *compose.Request, app string, t common.TLS, gw common.GatewayRoute, hosts []string) *Certificate {
	kind := string(t.IssuerKind)
	if kind == "" {
		kind = string(common.IssuerKindClusterIssuer)
	}
	dns := append([]string(nil), hosts...)
	sort.Strings(dns)
	c := &cmv1.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmv1.SchemeGroupVersion.String(), Kind: cmv1.CertificateKind},
		ObjectMeta: req.ObjectMeta(certificateSecretName(req, app), app, "certificate"),
		Spec: cmv1.CertificateSpec{
			SecretName: certificateSecretName(req, app),
			DNSNames:   dedupe(dns),
			IssuerRef:  cmmeta.ObjectReference{Name: t.Issuer, Kind: kind, Group: "cert-manager.io"},
		},
	}
	out := &Certificate{Object: c}
	if gw.Namespace != "" && gw.Namespace != req.Namespace {
		out.Grant = referenceGrant(req, app, gw.Namespace, c.Spec.SecretName)
	}
	ready := req.ObservedConditionOf(string(CertificateResource), "Ready")
	switch {
	case ready.True():
		out.Ready = true
	case !ready.Exists:
		out.NotReady = "Certificate is being created"
	case ready.Message != "":
		out.NotReady = "Certificate not ready: " + ready.Message
	default:
		out.NotReady = fmt.Sprintf("Certificate not issued yet by %s %q", kind, t.Issuer)
	}
	return out
}

// referenceGrant lets Gateways of namespace from read Secret secret of the
// claim's namespace, and nothing else.
func referenceGrant(req *compose.Request, app, from, secret string) *gatewayv1beta1.ReferenceGrant {
	return &gatewayv1beta1.ReferenceGrant{
		TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1beta1.GroupVersion.String(), Kind: "ReferenceGrant"},
		ObjectMeta: req.ObjectMeta(compose.DNSLabel(secret, "gateway"), app, "certificate"),
		Spec: gatewayv1beta1.ReferenceGrantSpec{
			From: []gatewayv1beta1.ReferenceGrantFrom{{Group: gatewayv1beta1.GroupName, Kind: "Gateway", Namespace: gatewayv1beta1.Namespace(from)}},
			To:   []gatewayv1beta1.ReferenceGrantTo{{Group: "", Kind: "Secret", Name: ptr.To(gatewayv1beta1.ObjectName(secret))}},
		},
	}
}

// addCertificate adds the certificate (and its grant) to the result and sets
// the TLS condition.
func addCertificate(res *compose.Result, c *Certificate) {
	if c.Grant != nil {
		res.Add(ReferenceGrantResource, c.Grant, resource.ReadyTrue)
	}
	if c.Ready {
		res.Add(CertificateResource, c.Object, resource.ReadyTrue)
		res.SetCondition(compose.Condition{Type: ConditionTLS, Status: metav1.ConditionTrue, Reason: "Available",
			Message: fmt.Sprintf("Certificate for %d hosts is issued into Secret %s/%s", len(c.Object.Spec.DNSNames), c.Object.Namespace, c.Object.Spec.SecretName)})
		return
	}
	res.Add(CertificateResource, c.Object, resource.ReadyFalse)
	res.SetCondition(compose.Condition{Type: ConditionTLS, Status: metav1.ConditionFalse, Reason: "Creating", Message: c.NotReady})
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
