package function

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"
)

// examples are the example composites under examples/, one per app.
func examples() []string {
	var out []string
	for _, a := range Apps() {
		out = append(out, a.Name(), a.Name()+namespacedExample)
	}
	return out
}

// namespacedExample is the sub-directory of an app's examples that holds its
// namespaced composite (examples/<app>/namespaced/xr.yaml): every test over
// examples() runs over both flavours.
const namespacedExample = "/namespaced"

// isNamespaced reports whether an example of examples() is a namespaced
// composite.
func isNamespaced(example string) bool { return strings.HasSuffix(example, namespacedExample) }

// seed is a fixed source of "random" bytes, so generated secrets are stable.
func seed() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 1<<16)) }

func exampleXR(tb testing.TB, kind string) *structpb.Struct {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", kind, "xr.yaml"))
	if err != nil {
		tb.Fatalf("cannot read example: %v", err)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		tb.Fatalf("cannot convert example: %v", err)
	}
	return resource.MustStructJSON(string(j))
}

func exampleRequest(tb testing.TB, kind string) *fnv1.RunFunctionRequest {
	tb.Helper()
	return &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: kind},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: exampleXR(tb, kind)}},
	}
}

// steadyRequest is the example's request once its first response exists:
// the desired resources come back as observed, as Crossplane sends them on
// every later reconcile (so generated secrets and keys are reused).
func steadyRequest(tb testing.TB, kind string) *fnv1.RunFunctionRequest {
	tb.Helper()
	req := exampleRequest(tb, kind)
	first, err := New(logging.NewNopLogger(), WithRand(seed())).RunFunction(context.Background(), req)
	if err != nil {
		tb.Fatal(err)
	}
	observed := map[string]*fnv1.Resource{}
	for n, r := range first.GetDesired().GetResources() {
		observed[n] = &fnv1.Resource{Resource: r.GetResource()}
	}
	req.Observed.Resources = observed
	return req
}

func hasFatal(rsp *fnv1.RunFunctionResponse) bool {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return true
		}
	}
	return false
}

// TestExamplesCompose checks that every example composes without a Fatal
// result into at least one resource, with every namespaced object placed in
// the claim's namespace.
func TestExamplesCompose(t *testing.T) {
	for _, kind := range examples() {
		t.Run(kind, func(t *testing.T) {
			f := New(logging.NewNopLogger(), WithRand(seed()))
			rsp, err := f.RunFunction(context.Background(), exampleRequest(t, kind))
			if err != nil {
				t.Fatalf("RunFunction: %v", err)
			}
			if hasFatal(rsp) {
				t.Fatalf("RunFunction: fatal result: %v", rsp.GetResults())
			}
			if len(rsp.GetDesired().GetResources()) == 0 {
				t.Fatalf("RunFunction: no desired resources")
			}
		})
	}
}

// TestDeterministic runs the same request twice: the responses must be
// identical (no timestamps, no map-order effects, no fresh randomness once
// secrets are observed).
func TestDeterministic(t *testing.T) {
	for _, kind := range examples() {
		t.Run(kind, func(t *testing.T) {
			req := exampleRequest(t, kind)
			first, err := New(logging.NewNopLogger(), WithRand(seed())).RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			// Feed the first response back as observed state, as Crossplane
			// would, then compose twice more with different randomness: generated
			// secrets must come from observed state, so both must match.
			observed := map[string]*fnv1.Resource{}
			for n, r := range first.GetDesired().GetResources() {
				observed[n] = &fnv1.Resource{Resource: r.GetResource()}
			}
			req2 := proto.Clone(req).(*fnv1.RunFunctionRequest)
			req2.Observed.Resources = observed
			a, err := New(logging.NewNopLogger(), WithRand(bytes.NewReader(bytes.Repeat([]byte{1}, 1<<16)))).RunFunction(context.Background(), req2)
			if err != nil {
				t.Fatal(err)
			}
			b, err := New(logging.NewNopLogger(), WithRand(bytes.NewReader(bytes.Repeat([]byte{2}, 1<<16)))).RunFunction(context.Background(), req2)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, b, protocmp.Transform()); diff != "" {
				t.Errorf("same request, different responses: -first, +second:\n%s", diff)
			}
			if diff := cmp.Diff(first.GetDesired().GetResources(), a.GetDesired().GetResources(), protocmp.Transform()); diff != "" {
				t.Errorf("desired resources changed once observed (a generated value was not reused?): -first, +second:\n%s", diff)
			}
		})
	}
}

// FuzzRunFunction feeds arbitrary specs to every composer: the function must
// never panic or return a gRPC error, and must answer either with desired
// state or with a Fatal result. Whatever the spec says, every composed
// object is namespaced and in the claim's namespace (no cluster-scoped kind,
// nothing written into another tenant's namespace), and every resource the
// function asks Crossplane to read is in the claim's namespace, but for the
// platform admin's cluster policy.
func FuzzRunFunction(f *testing.F) {
	for i, kind := range examples() {
		xr := exampleXR(f, kind).AsMap()
		spec, err := json.Marshal(xr["spec"])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), spec)
		f.Add(uint8(i), []byte(`{"parameters": {}}`))
		f.Add(uint8(i), []byte(`{"parameters": {"replicas": "x", "version": 9, "host": ["a"]}}`))
		f.Add(uint8(i), []byte(`{"parameters": null}`))
		// What a hostile tenant tries: another namespace's Gateway with its
		// Issuer, an annotation that reads another namespace's Secret, a
		// restore from a claim elsewhere, a token Secret by path.
		f.Add(uint8(i), []byte(`{"parameters": {"serverName": "example.org", "host": "office.example.org", "wopiHosts": ["https://c.example.org"], "route": {"gateway": {"name": "g", "namespace": "kube-system"}, "tls": {"issuer": "ca", "issuerKind": "Issuer"}}}}`))
		f.Add(uint8(i), []byte(`{"parameters": {"serverName": "example.org", "host": "office.example.org", "wopiHosts": ["https://c.example.org"], "route": {"ingress": {"annotations": {"nginx.ingress.kubernetes.io/auth-tls-secret": "kube-system/x"}}}}}`))
		f.Add(uint8(i), []byte(`{"parameters": {"restore": {"fromClaim": "../other/db"}, "registration": "token", "registrationTokenSecretRef": {"name": "../kube-system/s", "key": "k"}}}`))
	}
	// Observed state from a first run keeps generated keys out of the loop,
	// so the fuzzer spends its time on specs, not on RSA key generation.
	steady := map[string]*fnv1.RunFunctionRequest{}
	for _, kind := range examples() {
		steady[kind] = steadyRequest(f, kind)
	}
	f.Fuzz(func(t *testing.T, k uint8, spec []byte) {
		kind := examples()[int(k)%len(examples())]
		xr := exampleXR(t, kind).AsMap()
		var s any
		if err := json.Unmarshal(spec, &s); err != nil {
			t.Skip("not JSON")
		}
		xr["spec"] = s
		st, err := structpb.NewStruct(xr)
		if err != nil {
			t.Skip("not representable as a protobuf Struct")
		}
		req := proto.Clone(steady[kind]).(*fnv1.RunFunctionRequest)
		req.Observed.Composite = &fnv1.Resource{Resource: st}
		if isNamespaced(kind) {
			// A tenant writes a namespaced composite's labels: one that names
			// another namespace must change nothing.
			hostile := proto.Clone(st).(*structpb.Struct)
			hostile.Fields["metadata"].GetStructValue().Fields["labels"] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
				"crossplane.io/claim-namespace": structpb.NewStringValue("kube-system"), "crossplane.io/claim-name": structpb.NewStringValue("x"),
			}})
			req.Observed.Composite = &fnv1.Resource{Resource: hostile}
		}
		rsp, err := New(logging.NewNopLogger(), WithRand(seed())).RunFunction(context.Background(), req)
		if err != nil {
			t.Fatalf("RunFunction returned a gRPC error: %v", err)
		}
		if !hasFatal(rsp) && rsp.GetDesired().GetComposite() == nil {
			t.Fatalf("RunFunction returned neither desired state nor a Fatal result: %v", rsp)
		}
		checkContained(t, claimNamespace(t, xr), rsp)
	})
}

// claimNamespace is the namespace of the example's claim, or of the
// namespaced composite itself.
func claimNamespace(t *testing.T, xr map[string]any) string {
	t.Helper()
	meta, _ := xr["metadata"].(map[string]any)
	if ns, _ := meta["namespace"].(string); ns != "" {
		return ns
	}
	labels, _ := meta["labels"].(map[string]any)
	ns, _ := labels["crossplane.io/claim-namespace"].(string)
	if ns == "" {
		t.Fatal("example has neither metadata.namespace nor a claim namespace label")
	}
	return ns
}

// checkContained fails when a composed object is not in namespace ns (a
// cluster-scoped kind has none) or a requirement reads outside it.
func checkContained(t *testing.T, ns string, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	for name, r := range rsp.GetDesired().GetResources() {
		m := r.GetResource().AsMap()
		meta, _ := m["metadata"].(map[string]any)
		if got, _ := meta["namespace"].(string); got != ns {
			t.Errorf("composed %s (%v %v) is in namespace %q, want the claim's %q", name, m["apiVersion"], m["kind"], got, ns)
		}
	}
	for name, sel := range rsp.GetRequirements().GetResources() {
		if name == RequirementPolicy && sel.GetKind() == policyKind && sel.GetMatchName() == PolicyName {
			continue // The platform admin's cluster policy: read, never a tenant's.
		}
		if got := sel.GetNamespace(); got != ns {
			t.Errorf("requirement %s reads %s in namespace %q, want the claim's %q", name, sel.GetKind(), got, ns)
		}
	}
}

// BenchmarkRunFunction measures a full RunFunction per kind, in the steady
// state of every reconcile after the first (composed resources observed).
func BenchmarkRunFunction(b *testing.B) {
	for _, kind := range examples() {
		b.Run(kind, func(b *testing.B) {
			req := steadyRequest(b, kind)
			f := New(logging.NewNopLogger())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.RunFunction(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
