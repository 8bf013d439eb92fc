//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	"github.com/homeplane/homeplane/provider/internal/app"
)

// BenchmarkE2ERecordSets500 creates 500 RecordSets in a real API server and
// times until all are Ready and Synced, with the provider's global rate
// limit at E2E_MAX_RECONCILE_RATE (default 10).
func BenchmarkE2ERecordSets500(b *testing.B) {
	const n = 500
	rate := 10
	if v, err := strconv.Atoi(os.Getenv("E2E_MAX_RECONCILE_RATE")); err == nil && v > 0 {
		rate = v
	}
	for range b.N {
		b.StopTimer()
		cfg := testservers.StartControlPlane(b).Config
		bind := testservers.BIND(b, "bench.test")
		kube := newClient(b, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		applyCRDs(b, kube)
		for _, o := range append([]client.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "crossplane-system"}},
		}, bindConfig(bind)...) {
			if err := kube.Create(ctx, o); err != nil {
				b.Fatal(err)
			}
		}
		for i := range n {
			name := fmt.Sprintf("host-%03d", i)
			rs := &dnsv1alpha1.RecordSet{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name},
				Spec: dnsv1alpha1.RecordSetSpec{ForProvider: dnsv1alpha1.RecordSetParameters{
					Zone: "bench.test", Name: name, Type: "A", Records: []string{fmt.Sprintf("10.1.%d.%d", i/250, i%250+1)}}}}
			if err := kube.Create(ctx, rs); err != nil {
				b.Fatal(err)
			}
		}

		ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() {
			done <- app.Run(ctx, cfg, app.Options{
				Log: logging.NewNopLogger(), SyncInterval: time.Hour, PollInterval: time.Minute,
				PollStateMetric: 5 * time.Second, MaxReconcileRate: rate, ManagementPolicies: true,
				MetricsBindAddress: "0", HealthProbeBindAddress: "0", Registry: prometheus.NewRegistry(),
			})
		}()
		ready := 0
		eventually(b, "500 RecordSets Ready", 5*time.Minute, func() (bool, string) {
			l := &dnsv1alpha1.RecordSetList{}
			if err := kube.List(ctx, l, client.InNamespace("bench")); err != nil {
				return false, err.Error()
			}
			ready = 0
			for i := range l.Items {
				if l.Items[i].GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue &&
					l.Items[i].GetCondition(xpv2.TypeSynced).Status == corev1.ConditionTrue {
					ready++
				}
			}
			return ready == n, fmt.Sprintf("%d/%d ready", ready, n)
		})
		took := time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Errorf("provider: %v", err)
		}
		b.ReportMetric(took.Seconds(), "s-to-converge")
		b.Logf("%d RecordSets Ready/Synced through kube-apiserver in %s at --max-reconcile-rate=%d",
			n, took.Round(time.Millisecond), rate)
	}
}
