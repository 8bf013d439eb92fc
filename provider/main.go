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

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/homeplane/homeplane/internal/version"
	"github.com/homeplane/homeplane/provider/internal/app"
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
		debug = fs.Bool("debug", false, "Run with debug logging.")
		o     app.Options
	)
	fs.BoolVar(&o.LeaderElection, "leader-election", envBool("LEADER_ELECTION", false), "Use leader election.")
	fs.DurationVar(&o.SyncInterval, "sync", time.Hour, "How often every resource is re-listed from the API server.")
	fs.DurationVar(&o.PollInterval, "poll", time.Minute, "How often each resource is checked for drift.")
	fs.DurationVar(&o.PollStateMetric, "poll-state-metric", 5*time.Second, "State metric recording interval.")
	// 30, not crossplane's usual 10: a reconcile here costs one DNS query or a
	// couple of HTTP requests, and 500 RecordSets measured 133 s to converge
	// at 10/s against 34 s at 30/s (provider/README.md).
	fs.IntVar(&o.MaxReconcileRate, "max-reconcile-rate", 30, "Global maximum reconciles per second.")
	fs.BoolVar(&o.ManagementPolicies, "enable-management-policies", envBool("ENABLE_MANAGEMENT_POLICIES", true), "Enable management policies.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8080", "Metrics address; 0 disables.")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", "0", "Health probe address; 0 disables.")
	printVersion := fs.Bool("version", false, "Print the version and exit.")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if *printVersion {
		fmt.Println(version.Version)
		return nil
	}

	zl := zap.New(zap.UseDevMode(*debug))
	o.Log = logging.NewLogrLogger(zl.WithName("provider-homeplane"))
	if *debug {
		ctrl.SetLogger(zl)
	} else {
		ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("cannot get API server rest config: %w", err)
	}
	return app.Run(ctrl.SetupSignalHandler(), cfg, o)
}
