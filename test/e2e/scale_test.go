//go:build e2e && scale

package e2e

// make scale: a benchmark, not a test gate. It applies N claims of the three
// kinds on the e2e control plane (real controllers, kwok nodes, the real
// operator, Crossplane core) and reports what they cost: time until Ready,
// RunFunction calls and latency from the function's own metrics, CPU and
// peak memory of Crossplane core and the function, API server writes once
// idle. Each run appends its row to results.json in -scale.out, and
// scale.png plots every row there against N.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var (
	scaleN     = flag.Int("scale.n", 100, "claims to apply, a third of each kind")
	scaleLabel = flag.String("scale.label", "homeplane", "name of this run's series in the table and the plot (e.g. before, after)")
	scaleOut   = flag.String("scale.out", "", "directory of results.json and scale.png (default _output/scale)")
	scaleIdle  = flag.Duration("scale.idle", time.Minute, "how long to watch the idle control plane")
)

// scaleRow is one run's figures.
type scaleRow struct {
	Label string `json:"label"`
	N     int    `json:"n"`
	// Seconds from the first claim's creation until each claim is Ready.
	ReadyP50 float64 `json:"readyP50Seconds"`
	ReadyP99 float64 `json:"readyP99Seconds"`
	AllReady float64 `json:"allReadySeconds"`
	// RunFunction calls per claim until all were Ready, and per claim per
	// idle hour; latency quantiles from the function's histogram.
	CallsPerClaim       float64 `json:"callsPerClaim"`
	IdleCallsPerClaimHr float64 `json:"idleCallsPerClaimHour"`
	RunFunctionP50      float64 `json:"runFunctionP50Seconds"`
	RunFunctionP99      float64 `json:"runFunctionP99Seconds"`
	// CPU seconds until all were Ready and peak RSS, per process.
	CoreCPU, FunctionCPU float64
	CorePeakMiB          float64
	FunctionPeakMiB      float64
	// Objects of the claims' namespaces and their composites whose
	// resourceVersion changed per idle minute (the goal is 0), by kind; and
	// write requests per idle minute to anything but leases, events and
	// nodes (kwok's heartbeats), which counts no-op server-side applies too.
	IdleWritesPerMin   float64           `json:"idleWritesPerMinute"`
	IdleChanged        map[string]int    `json:"idleChanged"`
	IdleRequestsPerMin float64           `json:"idleWriteRequestsPerMinute"`
	IdleWrites         map[string]int    `json:"idleWriteRequests"`
	IdleCPUPerClaimH   float64           `json:"idleCPUSecondsPerClaimHour"`
	Notes              map[string]string `json:"notes,omitempty"`
}

func TestScale(t *testing.T) {
	ctx := context.Background()
	n := *scaleN
	out := *scaleOut
	if out == "" {
		out = filepath.Join(repoRoot, "_output", "scale")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	coreCPU0, _, err := env.x.Process.Usage()
	if err != nil {
		t.Fatal(err)
	}
	fnCPU0, _, err := env.fn.Usage()
	if err != nil {
		t.Fatal(err)
	}
	calls0, _, err := runFunctionMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}

	claims := scaleClaims(n)
	namespaces := map[string]bool{}
	for _, c := range claims {
		namespaces[c.GetNamespace()] = true
	}
	for ns := range namespaces {
		newNamespace(t, ns)
	}
	start := time.Now()
	// Two writers, as a CI job or kubectl apply -f of a directory would.
	var wg sync.WaitGroup
	errs := make(chan error, len(claims))
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < len(claims); i += 2 {
				if err := env.c.Create(ctx, claims[i].DeepCopy()); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("cannot create a claim: %v", err)
	}
	t.Logf("created %d claims in %s", n, time.Since(start).Round(time.Millisecond))

	ready := map[string]time.Duration{}
	err = poll(ctx, 20*time.Minute, fmt.Sprintf("%d claims Ready", n), func() (bool, string, error) {
		for _, gvk := range []string{"PostgreSQL", "MatrixServer", "Collabora"} {
			l := &unstructured.UnstructuredList{}
			l.SetAPIVersion(scaleAPIVersion[gvk])
			l.SetKind(gvk + "List")
			if err := env.c.List(ctx, l, client.MatchingLabels{"homeplane.dev/scale": "true"}); err != nil {
				return false, "", err
			}
			for i := range l.Items {
				k := gvk + "/" + l.Items[i].GetNamespace() + "/" + l.Items[i].GetName()
				if _, ok := ready[k]; !ok && condition(&l.Items[i], "Ready").Status == "True" {
					ready[k] = time.Since(start)
				}
			}
		}
		return len(ready) >= n, fmt.Sprintf("%d of %d Ready", len(ready), n), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	allReady := time.Since(start)
	coreCPU1, corePeak, _ := env.x.Process.Usage()
	fnCPU1, fnPeak, _ := env.fn.Usage()
	calls1, hist, err := runFunctionMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Idle: nothing changes in the claims; what does the control plane do?
	writes0, err := apiServerWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	versions0, err := resourceVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(*scaleIdle)
	writes1, err := apiServerWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	versions1, err := resourceVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	calls2, _, _ := runFunctionMetrics(ctx)
	coreCPU2, _, _ := env.x.Process.Usage()
	fnCPU2, _, _ := env.fn.Usage()

	durations := make([]float64, 0, len(ready))
	for _, d := range ready {
		durations = append(durations, d.Seconds())
	}
	sort.Float64s(durations)
	idle := scaleIdle.Seconds()
	row := scaleRow{
		Label: *scaleLabel, N: n,
		ReadyP50: quantile(durations, 0.5), ReadyP99: quantile(durations, 0.99), AllReady: allReady.Seconds(),
		CallsPerClaim:       (calls1 - calls0) / float64(n),
		IdleCallsPerClaimHr: (calls2 - calls1) / float64(n) * 3600 / idle,
		RunFunctionP50:      histogramQuantile(hist, 0.5),
		RunFunctionP99:      histogramQuantile(hist, 0.99),
		CoreCPU:             coreCPU1 - coreCPU0, FunctionCPU: fnCPU1 - fnCPU0,
		CorePeakMiB: float64(corePeak) / (1 << 20), FunctionPeakMiB: float64(fnPeak) / (1 << 20),
		IdleWrites:       map[string]int{},
		IdleCPUPerClaimH: ((coreCPU2 - coreCPU1) + (fnCPU2 - fnCPU1)) / float64(n) * 3600 / idle,
	}
	total := 0
	for k, v := range writes1 {
		if d := v - writes0[k]; d > 0 {
			row.IdleWrites[k] = d
			total += d
		}
	}
	row.IdleRequestsPerMin = float64(total) * 60 / idle
	row.IdleChanged = map[string]int{}
	changed := 0
	for k, v := range versions1 {
		if old, ok := versions0[k]; ok && old != v {
			row.IdleChanged[strings.SplitN(k, "|", 2)[0]]++
			changed++
		}
	}
	row.IdleWritesPerMin = float64(changed) * 60 / idle

	// JSON has no NaN: a figure that could not be measured is -1.
	for _, f := range []*float64{&row.RunFunctionP50, &row.RunFunctionP99, &row.ReadyP50, &row.ReadyP99} {
		if math.IsNaN(*f) {
			*f = -1
		}
	}
	t.Logf("%+v", row)
	rows, err := appendRow(filepath.Join(out, "results.json"), row)
	if err != nil {
		t.Fatal(err)
	}
	printTable(rows)
	if err := plotRows(rows, filepath.Join(out, "scale.png")); err != nil {
		t.Errorf("cannot plot: %v", err)
	}
}

var scaleAPIVersion = map[string]string{
	"PostgreSQL":   "database.homeplane.dev/v1alpha1",
	"MatrixServer": "matrix.homeplane.dev/v1alpha1",
	"Collabora":    "office.homeplane.dev/v1alpha1",
}

// scaleClaims are n claims, the three kinds in turn, ten to a namespace.
func scaleClaims(n int) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, n)
	for i := range n {
		ns := fmt.Sprintf("scale-%d", i/10)
		var kind string
		var params map[string]any
		switch i % 3 {
		case 0:
			kind, params = "PostgreSQL", map[string]any{"storage": "1Gi", "deletionProtection": false}
		case 1:
			kind, params = "MatrixServer", map[string]any{"serverName": fmt.Sprintf("m%d.scale.test", i), "storage": "1Gi", "deletionProtection": false}
		default:
			kind, params = "Collabora", map[string]any{"host": fmt.Sprintf("c%d.scale.test", i), "wopiHosts": []any{"https://cloud.scale.test"}}
		}
		u := obj(scaleAPIVersion[kind], kind, ns, fmt.Sprintf("s%d", i), map[string]any{
			"parameters":                 params,
			"writeConnectionSecretToRef": map[string]any{"name": fmt.Sprintf("s%d-connection", i)},
		})
		u.SetLabels(map[string]string{"homeplane.dev/scale": "true"})
		out = append(out, u)
	}
	return out
}

// runFunctionMetrics reads the function's RunFunction call count and
// handling time histogram.
func runFunctionMetrics(ctx context.Context) (float64, *dto.Histogram, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.fnMetrics, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	isRun := func(m *dto.Metric) bool {
		for _, l := range m.GetLabel() {
			if l.GetName() == "grpc_method" && l.GetValue() == "RunFunction" {
				return true
			}
		}
		return false
	}
	var calls float64
	for _, m := range families["grpc_server_handled_total"].GetMetric() {
		if isRun(m) {
			calls += m.GetCounter().GetValue()
		}
	}
	// RunFunction is served under v1 and v1beta1: add their histograms.
	var hist *dto.Histogram
	for _, m := range families["grpc_server_handling_seconds"].GetMetric() {
		if !isRun(m) {
			continue
		}
		h := m.GetHistogram()
		if hist == nil {
			hist = proto.Clone(h).(*dto.Histogram) //nolint:forcetypeassert // Clone keeps the type.
			continue
		}
		count, sum := hist.GetSampleCount()+h.GetSampleCount(), hist.GetSampleSum()+h.GetSampleSum()
		hist.SampleCount, hist.SampleSum = &count, &sum
		for i, b := range hist.GetBucket() {
			c := b.GetCumulativeCount() + h.GetBucket()[i].GetCumulativeCount()
			b.CumulativeCount = &c
		}
	}
	if hist == nil {
		return 0, nil, errors.New("the function serves no grpc_server_handling_seconds for RunFunction")
	}
	return calls, hist, nil
}

// histogramQuantile interpolates linearly within the bucket holding q, as
// Prometheus's histogram_quantile does.
func histogramQuantile(h *dto.Histogram, q float64) float64 {
	if h == nil || h.GetSampleCount() == 0 {
		return math.NaN()
	}
	rank := q * float64(h.GetSampleCount())
	prevBound, prevCount := 0.0, 0.0
	for _, b := range h.GetBucket() {
		c := float64(b.GetCumulativeCount())
		if c >= rank {
			if math.IsInf(b.GetUpperBound(), 1) {
				return prevBound
			}
			return prevBound + (b.GetUpperBound()-prevBound)*(rank-prevCount)/math.Max(c-prevCount, 1)
		}
		prevBound, prevCount = b.GetUpperBound(), c
	}
	return prevBound
}

// apiServerWrites reads kube-apiserver's apiserver_request_total for
// writes, by resource, leaving out leases, events and nodes.
func apiServerWrites(ctx context.Context) (map[string]int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.cp.Host+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	hc, err := rest.HTTPClientFor(env.cp.Config)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, m := range families["apiserver_request_total"].GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		if !slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE", "APPLY"}, l["verb"]) ||
			slices.Contains([]string{"leases", "events", "nodes"}, l["resource"]) {
			continue
		}
		k := l["resource"]
		if l["subresource"] != "" {
			k += "/" + l["subresource"]
		}
		if l["group"] != "" {
			k += "." + l["group"]
		}
		out[k] += int(m.GetCounter().GetValue())
	}
	return out, nil
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func appendRow(path string, row scaleRow) ([]scaleRow, error) {
	var rows []scaleRow
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &rows); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	rows = append(rows, row)
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return nil, err
	}
	return rows, os.WriteFile(path, b, 0o644)
}

func printTable(rows []scaleRow) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "series\tN\tReady p50 s\tReady p99 s\tall Ready s\tcalls/claim\tidle calls/claim/h\tRunFunction p50 ms\tp99 ms\tcore CPU s\tfn CPU s\tcore peak MiB\tfn peak MiB\tidle changes/min\tidle write requests/min\tidle CPU s/claim/h")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t%.1f\t%.1f\t%.2f\n",
			r.Label, r.N, r.ReadyP50, r.ReadyP99, r.AllReady, r.CallsPerClaim, r.IdleCallsPerClaimHr,
			r.RunFunctionP50*1000, r.RunFunctionP99*1000, r.CoreCPU, r.FunctionCPU, r.CorePeakMiB, r.FunctionPeakMiB,
			r.IdleWritesPerMin, r.IdleRequestsPerMin, r.IdleCPUPerClaimH)
	}
	_ = w.Flush()
	for _, r := range rows {
		keys := make([]string, 0, len(r.IdleWrites))
		for k := range r.IdleWrites {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%d", k, r.IdleWrites[k]))
		}
		fmt.Printf("idle write requests %s N=%d: %s\n", r.Label, r.N, strings.Join(parts, " "))
		fmt.Printf("idle changed objects %s N=%d: %v\n", r.Label, r.N, r.IdleChanged)
	}
}

// plotRows draws time to Ready (p50, p99) and CPU seconds (core and
// function) against N, one line per series.
func plotRows(rows []scaleRow, path string) error {
	p := plot.New()
	p.Title.Text = "Homeplane scale: claims Ready and CPU against N"
	p.X.Label.Text = "claims (N)"
	p.Y.Label.Text = "seconds"
	series := map[string][]scaleRow{}
	for _, r := range rows {
		series[r.Label] = append(series[r.Label], r)
	}
	labels := make([]string, 0, len(series))
	for l := range series {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var lines []any
	for _, l := range labels {
		rs := series[l]
		sort.Slice(rs, func(i, j int) bool { return rs[i].N < rs[j].N })
		for _, m := range []struct {
			name string
			f    func(scaleRow) float64
		}{
			{"Ready p50", func(r scaleRow) float64 { return r.ReadyP50 }},
			{"Ready p99", func(r scaleRow) float64 { return r.ReadyP99 }},
			{"core CPU", func(r scaleRow) float64 { return r.CoreCPU }},
			{"function CPU", func(r scaleRow) float64 { return r.FunctionCPU }},
		} {
			pts := make(plotter.XYs, len(rs))
			for i, r := range rs {
				pts[i] = plotter.XY{X: float64(r.N), Y: m.f(r)}
			}
			lines = append(lines, l+" "+m.name, pts)
		}
	}
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return err
	}
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}

// scaleKinds are what the claims compose, and the composites themselves.
var scaleKinds = []string{
	"v1/ConfigMap", "v1/Secret", "v1/Service", "v1/PersistentVolumeClaim", "v1/Pod",
	"apps/v1/Deployment", "apps/v1/StatefulSet", "policy/v1/PodDisruptionBudget",
	"networking.k8s.io/v1/NetworkPolicy", "networking.k8s.io/v1/Ingress",
	"protection.crossplane.io/v1beta1/Usage", "acid.zalan.do/v1/postgresql",
	"database.homeplane.dev/v1alpha1/XPostgreSQL", "matrix.homeplane.dev/v1alpha1/XMatrixServer", "office.homeplane.dev/v1alpha1/XCollabora",
	"database.homeplane.dev/v1alpha1/PostgreSQL", "matrix.homeplane.dev/v1alpha1/MatrixServer", "office.homeplane.dev/v1alpha1/Collabora",
}

// resourceVersions maps "Kind|namespace/name" to the resourceVersion of
// every object of scaleKinds in the scale namespaces (and the composites).
func resourceVersions(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range scaleKinds {
		i := strings.LastIndex(k, "/")
		l := &unstructured.UnstructuredList{}
		l.SetAPIVersion(k[:i])
		l.SetKind(k[i+1:] + "List")
		if err := env.c.List(ctx, l); err != nil {
			return nil, fmt.Errorf("cannot list %s: %w", k, err)
		}
		for _, o := range l.Items {
			if ns := o.GetNamespace(); ns != "" && !strings.HasPrefix(ns, "scale-") {
				continue
			}
			out[k[i+1:]+"|"+o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out, nil
}
