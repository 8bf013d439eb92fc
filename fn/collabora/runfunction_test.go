package collabora_test

import (
	"context"
	"os"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"sigs.k8s.io/yaml"

	"github.com/homeplane/homeplane/fn/function"
)

// BenchmarkRunFunction measures a full RunFunction of the example claim
// (examples/collabora/xr.yaml) in steady state: its composed resources
// observed, as on every reconcile after the first.
func BenchmarkRunFunction(b *testing.B) {
	y, err := os.ReadFile("../../examples/collabora/xr.yaml")
	if err != nil {
		b.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		b.Fatal(err)
	}
	req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(string(j))}}}
	f := function.New(logging.NewNopLogger())

	// The first run generates the secrets (and the RSA proof key, once).
	first, err := f.RunFunction(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	req.Observed.Resources = map[string]*fnv1.Resource{}
	for n, r := range first.GetDesired().GetResources() {
		req.Observed.Resources[n] = &fnv1.Resource{Resource: r.GetResource()}
	}

	b.ReportAllocs()
	for b.Loop() {
		rsp, err := f.RunFunction(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				b.Fatal(r.GetMessage())
			}
		}
	}
}
