// Package tls composes the cert-manager Certificate for an app routed through
// a Gateway API Gateway. (An Ingress gets its certificate from cert-manager's
// ingress annotations instead, which fn/route sets.)
package tls

import (
	"fmt"
	"sort"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func init() {
	utilruntime.Must(cmv1.AddToScheme(composed.Scheme))
}

// ConditionType is the claim condition that reports the app's certificate.
const ConditionType = "TLS"

// CertificateResource is the composition resource name of the Certificate.
const CertificateResource resource.Name = "certificate"

// Certificate is a composed Certificate and whether cert-manager issued it.
type Certificate struct {
	Object *cmv1.Certificate
	Ready  bool
	// NotReady explains why not, for the TLS condition.
	NotReady string
}

// SecretName is the Secret the certificate of an app is written to.
func SecretName(req *compose.Request, app string) string {
	return compose.DNSLabel(req.ClaimName, app, "tls")
}

// Compose returns a Certificate for every host, issued by t's issuer, in the
// Gateway's namespace: a Gateway listener can only reference a Secret of
// another namespace through a ReferenceGrant, so it is written next to it.
func Compose(req *compose.Request, app string, t common.TLS, gw common.GatewayRoute, hosts []string) *Certificate {
	ns := gw.Namespace
	if ns == "" {
		ns = req.Namespace
	}
	kind := string(t.IssuerKind)
	if kind == "" {
		kind = string(common.IssuerKindClusterIssuer)
	}
	dns := append([]string(nil), hosts...)
	sort.Strings(dns)
	meta := req.ObjectMeta(SecretName(req, app), app, "certificate")
	meta.Namespace = ns
	c := &cmv1.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmv1.SchemeGroupVersion.String(), Kind: cmv1.CertificateKind},
		ObjectMeta: meta,
		Spec: cmv1.CertificateSpec{
			SecretName: SecretName(req, app),
			DNSNames:   dedupe(dns),
			IssuerRef:  cmmeta.ObjectReference{Name: t.Issuer, Kind: kind, Group: "cert-manager.io"},
		},
	}
	out := &Certificate{Object: c}
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

// Add adds the certificate to the result and sets the TLS condition.
func Add(res *compose.Result, c *Certificate) {
	if c.Ready {
		res.Add(CertificateResource, c.Object, resource.ReadyTrue)
		res.SetCondition(compose.Condition{Type: ConditionType, Status: metav1.ConditionTrue, Reason: "Available",
			Message: fmt.Sprintf("Certificate for %d hosts is issued into Secret %s/%s", len(c.Object.Spec.DNSNames), c.Object.Namespace, c.Object.Spec.SecretName)})
		return
	}
	res.Add(CertificateResource, c.Object, resource.ReadyFalse)
	res.SetCondition(compose.Condition{Type: ConditionType, Status: metav1.ConditionFalse, Reason: "Creating", Message: c.NotReady})
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
