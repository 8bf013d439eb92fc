// Package app builds and runs the provider's controller manager; main parses
// flags into Options, the e2e test calls Run with its own API server.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/gate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/customresourcesgate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/homeplane/homeplane/apis/provider"
	hpcontroller "github.com/homeplane/homeplane/provider/internal/controller"
)

// Options of a provider run.
type Options struct {
	Log                    logging.Logger
	LeaderElection         bool
	SyncInterval           time.Duration
	PollInterval           time.Duration
	PollStateMetric        time.Duration
	MaxReconcileRate       int
	ManagementPolicies     bool
	MetricsBindAddress     string
	HealthProbeBindAddress string
	// Registry for metrics; controller-runtime's global one when nil.
	Registry metrics.RegistererGatherer
}

// Run starts the manager and blocks until ctx is done.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	mgr, err := ctrl.NewManager(ratelimiter.LimitRESTConfig(cfg, o.MaxReconcileRate), ctrl.Options{
		Cache:                      cache.Options{SyncPeriod: &o.SyncInterval},
		Metrics:                    metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:     o.HealthProbeBindAddress,
		LeaderElection:             o.LeaderElection,
		LeaderElectionID:           "crossplane-leader-election-provider-homeplane",
		LeaderElectionResourceLock: resourcelock.LeasesResourceLock,
		LeaseDuration:              ptr(60 * time.Second),
		RenewDeadline:              ptr(50 * time.Second),
	})
	if err != nil {
		return fmt.Errorf("cannot create controller manager: %w", err)
	}
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, provider.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(mgr.GetScheme()); err != nil {
			return fmt.Errorf("cannot add APIs to scheme: %w", err)
		}
	}

	reg := o.Registry
	if reg == nil {
		reg = metrics.Registry
	}
	mrMetrics := managed.NewMRMetricRecorder()
	stateMetrics := statemetrics.NewMRStateMetrics()
	if err := reg.Register(mrMetrics); err != nil {
		return fmt.Errorf("cannot register metrics: %w", err)
	}
	if err := reg.Register(stateMetrics); err != nil {
		return fmt.Errorf("cannot register metrics: %w", err)
	}

	co := controller.Options{
		Logger:                  o.Log,
		MaxConcurrentReconciles: o.MaxReconcileRate,
		PollInterval:            o.PollInterval,
		GlobalRateLimiter:       ratelimiter.NewGlobal(o.MaxReconcileRate),
		Features:                &feature.Flags{},
		Gate:                    new(gate.Gate[schema.GroupVersionKind]),
		MetricOptions: &controller.MetricOptions{
			PollStateMetricInterval: o.PollStateMetric,
			MRMetrics:               mrMetrics,
			MRStateMetrics:          stateMetrics,
		},
	}
	if o.ManagementPolicies {
		co.Features.Enable(feature.EnableBetaManagementPolicies)
		o.Log.Info("Beta feature enabled", "flag", feature.EnableBetaManagementPolicies)
	}

	// Safe-start: managed resource controllers start once their CRDs exist.
	if err := customresourcesgate.Setup(mgr, co); err != nil {
		return fmt.Errorf("cannot set up CRD gate: %w", err)
	}
	if err := hpcontroller.SetupGated(mgr, co); err != nil {
		return fmt.Errorf("cannot set up controllers: %w", err)
	}
	return mgr.Start(ctx)
}

func ptr[T any](v T) *T { return &v }
