// Package testservers starts the real servers Homeplane's tests run against,
// on free loopback ports: etcd, kube-apiserver and kube-controller-manager
// (a control plane with its own CA), Crossplane core, the DNS servers BIND,
// Knot and PowerDNS, and Ory Hydra. Every process belongs to a Group, logs
// to a file of its own and is stopped by PID.
//
// A Group's methods return errors, for a TestMain that has no testing.TB;
// the functions taking a testing.TB start one server for one test, skip
// under -short, stop it on cleanup, show its log when the test failed, and
// fail the test when a binary is missing: nothing is skipped silently.
package testservers

import (
	"context"
	"testing"
	"time"

	"github.com/homeplane/homeplane/internal/tools"
)

// ForTest returns a Group in a temporary directory of t that is stopped on
// cleanup, with the end of each log shown when t failed.
func ForTest(t testing.TB) *Group {
	t.Helper()
	g, err := NewGroup(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Stop()
		if t.Failed() {
			t.Logf("logs of the servers this test started:\n%s", g.Tails(4000))
		}
	})
	return g
}

// BIND starts named serving zone for t.
func BIND(t testing.TB, zone string) *DNS {
	t.Helper()
	skipShort(t)
	v, err := ForTest(t).BIND(context.Background(), zone)
	return must(t, v, err)
}

// Knot starts knotd serving zone for t.
func Knot(t testing.TB, zone string) *DNS {
	t.Helper()
	skipShort(t)
	v, err := ForTest(t).Knot(context.Background(), zone)
	return must(t, v, err)
}

// PowerDNS starts pdns_server serving zone for t.
func PowerDNS(t testing.TB, zone string) *DNS {
	t.Helper()
	skipShort(t)
	v, err := ForTest(t).PowerDNS(context.Background(), zone)
	return must(t, v, err)
}

// StartHydra starts the pinned Hydra from the tools cache (internal/tools;
// `make provider-test-deps` builds it), or $HYDRA, for t.
func StartHydra(t testing.TB) *Hydra {
	t.Helper()
	skipShort(t)
	v, err := ForTest(t).Hydra(context.Background(), toolPath(t, "hydra"))
	return must(t, v, err)
}

// StartControlPlane starts etcd and kube-apiserver (no
// kube-controller-manager) from the tools cache for t, allowing them a
// minute to get ready.
func StartControlPlane(t testing.TB) *ControlPlane {
	t.Helper()
	skipShort(t)
	bins := ControlPlaneBinaries{Etcd: toolPath(t, "etcd"), APIServer: toolPath(t, "kube-apiserver")}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := ForTest(t).ControlPlane(ctx, bins)
	return must(t, v, err)
}

// must fails t on an error and returns v otherwise.
func must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// toolPath finds the pinned tool name in the tools cache (internal/tools),
// or the binary its override variable names; a missing one fails the test
// with how to build it.
func toolPath(t testing.TB, name string) string {
	t.Helper()
	p, err := tools.New().Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// skipShort skips a test that needs a real server: `go test -short` runs the
// fast unit tests only.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real server; not with -short")
	}
}
