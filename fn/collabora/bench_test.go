package collabora

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

const typical = `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 3, "dictionaries": ["de_DE", "en_US"], "route": {"ingress": {"className": "nginx"}, "tls": {"issuer": "letsencrypt"}}}`

// BenchmarkCompose measures the composer on a typical claim: a first
// reconcile (secrets generated; the RSA key generator is a fixed stand-in,
// real generation costs tens of milliseconds once per claim) and a steady
// reconcile (secrets and Deployment observed).
func BenchmarkCompose(b *testing.B) {
	c := NewComposer(WithProofKeyGenerator(fixedKey))
	b.Run("First", func(b *testing.B) {
		req := request(b, typical)
		b.ReportAllocs()
		for b.Loop() {
			req.Rand = seed()
			if _, err := c.Compose(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Steady", func(b *testing.B) {
		req := request(b, typical, []runtime.Object{
			as(ResourceAdminSecret, wantAdminSecret("observed-password")),
			as(ResourceProofKeySecret, wantProofKeySecret(testProofKey)),
			as(ResourceDeployment, availableDeployment(3)),
		}...)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Compose(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
