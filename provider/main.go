// Command provider runs the homeplane Crossplane provider: DNS RecordSets and
// OIDC clients as namespaced managed resources. Out of cluster it uses the
// current kubeconfig: `go run ./provider --debug`.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
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
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/homeplane/homeplane/apis/provider"
	"github.com/homeplane/homeplane/internal/version"
	hpcontroller "github.com/homeplane/homeplane/provider/internal/controller"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "provider:", err)
		os.Exit(1)
	}
}

func envBool(name string, def bool) bool {
	switch os.Getenv(name) {
	case "true", "1":
		return true
	case "false", "0":
		return false
	}
	return def
}

func run() error {
	fs := flag.NewFlagSet("provider", flag.ContinueOnError)
	var (
		debug          = fs.Bool("debug", false, "Run with debug logging.")
		leaderElection = fs.Bool("leader-election", envBool("LEADER_ELECTION", false), "Use leader election.")
		syncInterval   = fs.Duration("sync", time.Hour, "How often every resource is re-listed from the API server.")
		pollInterval   = fs.Duration("poll", time.Minute, "How often each resource is checked for drift.")
		pollState      = fs.Duration("poll-state-metric", 5*time.Second, "State metric recording interval.")
		maxRate        = fs.Int("max-reconcile-rate", 10, "Global maximum reconciles per second.")
		mgmtPolicies   = fs.Bool("enable-management-policies", envBool("ENABLE_MANAGEMENT_POLICIES", true), "Enable management policies.")
		metricsAddr    = fs.String("metrics-bind-address", ":8080", "Metrics address; 0 disables.")
		probeAddr      = fs.String("health-probe-bind-address", "0", "Health probe address; 0 disables.")
		printVersion   = fs.Bool("version", false, "Print the version and exit.")
	)
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if *printVersion {
		fmt.Println(version.Version)
		return nil
	}

	zl := zap.New(zap.UseDevMode(*debug))
	log := logging.NewLogrLogger(zl.WithName("provider-homeplane"))
	if *debug {
		ctrl.SetLogger(zl)
	} else {
		ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("cannot get API server rest config: %w", err)
	}
	mgr, err := ctrl.NewManager(ratelimiter.LimitRESTConfig(cfg, *maxRate), ctrl.Options{
		Cache:                      cache.Options{SyncPeriod: syncInterval},
		Metrics:                    metricsserver.Options{BindAddress: *metricsAddr},
		HealthProbeBindAddress:     *probeAddr,
		LeaderElection:             *leaderElection,
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

	mrMetrics := managed.NewMRMetricRecorder()
	stateMetrics := statemetrics.NewMRStateMetrics()
	metrics.Registry.MustRegister(mrMetrics, stateMetrics)

	o := controller.Options{
		Logger:                  log,
		MaxConcurrentReconciles: *maxRate,
		PollInterval:            *pollInterval,
		GlobalRateLimiter:       ratelimiter.NewGlobal(*maxRate),
		Features:                &feature.Flags{},
		Gate:                    new(gate.Gate[schema.GroupVersionKind]),
		MetricOptions: &controller.MetricOptions{
			PollStateMetricInterval: *pollState,
			MRMetrics:               mrMetrics,
			MRStateMetrics:          stateMetrics,
		},
	}
	if *mgmtPolicies {
		o.Features.Enable(feature.EnableBetaManagementPolicies)
		log.Info("Beta feature enabled", "flag", feature.EnableBetaManagementPolicies)
	}

	// Safe-start: managed resource controllers start once their CRDs exist.
	if err := customresourcesgate.Setup(mgr, o); err != nil {
		return fmt.Errorf("cannot set up CRD gate: %w", err)
	}
	if err := hpcontroller.SetupGated(mgr, o); err != nil {
		return fmt.Errorf("cannot set up controllers: %w", err)
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}

func ptr[T any](v T) *T { return &v }
