//go:build e2e && scale

package e2e

// make scale: a benchmark, not a test gate. It applies N claims of the three
// kinds on the e2e control plane (real controllers, kwok nodes, the real
// operator, Crossplane core) and reports what they cost: time until Ready,
// RunFunction calls and latency from the function's own metrics, CPU and
// peak memory of Crossplane core and the function, API server writes once
// idle. Each series appends its row to results.json in -scale.out, and
// scale.png plots every row there against N.
//
// With -scale.function2 and -scale.composition2, a second series runs on the
// same control plane once the first is removed: N claims selecting that
// Composition, composed by that function (installed as ours is), measured
// the same way with its process in place of ours.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
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
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/internal/testservers"
)

var (
	scaleN          = flag.Int("scale.n", 100, "claims to apply per series, the kinds of -scale.kinds in turn")
	scaleLabel      = flag.String("scale.label", "homeplane", "name of this run's series in the table and the plot (e.g. before, after)")
	scaleOut        = flag.String("scale.out", "", "directory of results.json and scale.png (default _output/scale)")
	scaleIdle       = flag.Duration("scale.idle", time.Minute, "how long to watch the idle control plane")
	scaleWait       = flag.Duration("scale.wait", 15*time.Minute, "how long to wait for a series' claims to be Ready before measuring on with those that are")
	scaleClaimKinds = flag.String("scale.kinds", "PostgreSQL,MatrixServer,Collabora", "claim kinds of Homeplane's series, comma separated")
	scaleNamespaced = flag.Bool("scale.namespaced", false, "Homeplane's series applies namespaced composites of the same kinds (package configuration-namespaced) instead of claims")
	// A second series on the same control plane: another function and a
	// Composition for one of our XRDs that it runs.
	scaleFunction2    = flag.String("scale.function2", "", "binary of another composition function, run as a second series (with -scale.composition2)")
	scaleComposition2 = flag.String("scale.composition2", "", "Composition file of the second series: its functionRef names the function, its compositeTypeRef the claims' kind")
	scaleLabel2       = flag.String("scale.label2", "other", "name of the second series")
	// Needs kube-apiserver's /debug/pprof: E2E_APISERVER_PROFILING=1.
	scaleProfile = flag.Duration("scale.profile", 0, "length of a CPU profile of kube-apiserver taken from the claims' creation on, written to -scale.out as <label>-<n>-kube-apiserver.pprof (0: none)")
)

// scaleRow is one series' figures.
type scaleRow struct {
	Label string `json:"label"`
	N     int    `json:"n"`
	// Claim kinds applied in turn (empty in rows from before the flag: all
	// three) and the Composition they selected (empty: the XRD's default).
	Kinds       string `json:"kinds,omitempty"`
	Composition string `json:"composition,omitempty"`
	// Seconds from the first claim's creation until each claim is Ready.
	ReadyP50 float64 `json:"readyP50Seconds"`
	ReadyP99 float64 `json:"readyP99Seconds"`
	AllReady float64 `json:"allReadySeconds"`
	// Seconds until every claim of a kind was Ready, by claim kind. -1 (and
	// for AllReady, quantiles that land on them) when some never were
	// within -scale.wait; Notes["ready"] then says how many were.
	AllReadyByKind map[string]float64 `json:"allReadyByKindSeconds,omitempty"`
	// RunFunction calls per claim until all were Ready, and per claim per
	// idle hour; latency quantiles from the function's histogram. -1 when
	// the function serves no metrics.
	CallsPerClaim       float64 `json:"callsPerClaim"`
	IdleCallsPerClaimHr float64 `json:"idleCallsPerClaimHour"`
	// Composite reconciles per claim until all were Ready and RunFunction
	// calls per reconcile, both as Crossplane core counts them
	// (controller_runtime_reconcile_total of the composite controllers,
	// function_run_function_request_total of the series' function: calls
	// its response cache answered are not calls); cache hits per claim
	// (0 without --enable-function-response-cache).
	ReconcilesPerClaim float64 `json:"reconcilesPerClaim"`
	CallsPerReconcile  float64 `json:"callsPerReconcile"`
	CacheHitsPerClaim  float64 `json:"cacheHitsPerClaim"`
	RunFunctionP50     float64 `json:"runFunctionP50Seconds"`
	RunFunctionP99     float64 `json:"runFunctionP99Seconds"`
	// CPU seconds until all were Ready and peak RSS during the series, per
	// process.
	CoreCPU, FunctionCPU float64
	CorePeakMiB          float64
	FunctionPeakMiB      float64
	// Objects of the claims' namespaces and their composites whose
	// resourceVersion changed per idle minute (the goal is 0), by kind; and
	// write requests per idle minute to anything but leases, events and
	// nodes (kwok's heartbeats), which counts no-op server-side applies too.
	IdleWritesPerMin   float64        `json:"idleWritesPerMinute"`
	IdleChanged        map[string]int `json:"idleChanged"`
	IdleRequestsPerMin float64        `json:"idleWriteRequestsPerMinute"`
	IdleWrites         map[string]int `json:"idleWriteRequests"`
	IdleCPUPerClaimH   float64        `json:"idleCPUSecondsPerClaimHour"`
	// CPU seconds of every process on the machine's control plane (and
	// "harness": this test's own process) from the first claim until all
	// were Ready: what the machine was busy with.
	CPUToReady map[string]float64 `json:"cpuToReadySeconds,omitempty"`
	Notes      map[string]string  `json:"notes,omitempty"`
}

// scaleSeries is one series: N claims composed by one function process.
type scaleSeries struct {
	label string
	// prefix names the series' namespaces (<prefix>-0, <prefix>-1, ...)
	// and is its claims' homeplane.dev/scale label.
	prefix string
	kinds  []claimKind
	// composition is what the claims select; "" for the XRD's default.
	composition string
	fn          *testservers.Process
	// function is the Function's name, as core's metrics label its calls.
	function string
	// metrics is the function's Prometheus endpoint; "" when it has none.
	metrics string
}

// claimKind is a claim kind and the kind of its composites; for a
// namespaced composite (namespaced), the composite's kind twice: the tenant
// creates the composite, there is no claim.
type claimKind struct {
	apiVersion, kind, composite string
	namespaced                  bool
}

func TestScale(t *testing.T) {
	ctx := context.Background()
	out := *scaleOut
	if out == "" {
		out = filepath.Join(repoRoot, "_output", "scale")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ours := scaleSeries{label: *scaleLabel, prefix: "scale", fn: env.fn, function: functionName, metrics: env.fnMetrics}
	for k := range strings.SplitSeq(*scaleClaimKinds, ",") {
		k = strings.TrimSpace(k)
		v, ok := scaleAPIVersion[k]
		if !ok {
			t.Fatalf("-scale.kinds: unknown kind %q (PostgreSQL, MatrixServer, Collabora)", k)
		}
		if *scaleNamespaced {
			// The tenant's object is the composite itself.
			v = strings.Replace(v, ".homeplane.dev/", ".ns.homeplane.dev/", 1)
			ours.kinds = append(ours.kinds, claimKind{apiVersion: v, kind: k, composite: k, namespaced: true})
			continue
		}
		ours.kinds = append(ours.kinds, claimKind{apiVersion: v, kind: k, composite: "X" + k})
	}
	series := []scaleSeries{ours}
	if *scaleFunction2 != "" || *scaleComposition2 != "" {
		if *scaleFunction2 == "" || *scaleComposition2 == "" {
			t.Fatal("-scale.function2 and -scale.composition2 go together")
		}
		// Installed first: a mistake there shows before minutes of the
		// first series.
		other, err := installOtherFunction(ctx, *scaleFunction2, *scaleComposition2)
		if err != nil {
			t.Fatal(err)
		}
		other.label = *scaleLabel2
		series = append(series, other)
	}
	var rows []scaleRow
	for i, s := range series {
		if i > 0 {
			// The previous series' idle claims would count in this one's
			// CPU and write requests.
			if err := removeSeries(ctx, series[i-1], *scaleN); err != nil {
				t.Fatal(err)
			}
		}
		row := runSeries(ctx, t, s, *scaleN, out)
		var err error
		if rows, err = appendRow(filepath.Join(out, "results.json"), row); err != nil {
			t.Fatal(err)
		}
	}
	printTable(rows)
	if err := plotRows(rows, filepath.Join(out, "scale.png")); err != nil {
		t.Errorf("cannot plot: %v", err)
	}
}

// runSeries applies n claims of a series, waits until all are Ready,
// watches the idle control plane and returns the series' figures.
func runSeries(ctx context.Context, t *testing.T, s scaleSeries, n int, out string) scaleRow {
	t.Helper()
	t.Logf("series %s: %d claims in %s-* namespaces", s.label, n, s.prefix)
	for _, p := range []*testservers.Process{env.x.Process, s.fn} {
		if err := p.ResetPeakRSS(); err != nil {
			t.Logf("peak RSS counts from the process's start: %v", err)
		}
	}
	coreCPU0, _, err := env.x.Process.Usage()
	if err != nil {
		t.Fatal(err)
	}
	fnCPU0, _, err := s.fn.Usage()
	if err != nil {
		t.Fatal(err)
	}
	core0, err := readCoreMetrics(ctx, s.function)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runFunctionMetrics(ctx, s.metrics)
	if err != nil {
		t.Fatal(err)
	}

	claims, err := scaleClaims(n, s)
	if err != nil {
		t.Fatal(err)
	}
	// Ready is read from watches: listing hundreds of claims four times a
	// second would cost the API server more CPU than some of what is
	// measured.
	watchCtx, stopWatches := context.WithCancel(ctx)
	defer stopWatches()
	watches := make([]client.Reader, len(s.kinds))
	for i, k := range s.kinds {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(k.apiVersion)
		u.SetKind(k.kind)
		if watches[i], err = env.cp.Watch(watchCtx, u, labels.SelectorFromSet(labels.Set{"homeplane.dev/scale": s.prefix})); err != nil {
			t.Fatal(err)
		}
	}
	cpu0 := processCPU()
	namespaces := map[string]bool{}
	for _, c := range claims {
		namespaces[c.GetNamespace()] = true
	}
	for ns := range namespaces {
		newNamespace(t, ns)
	}
	start := time.Now()
	var profiled sync.WaitGroup
	defer profiled.Wait()
	if *scaleProfile > 0 {
		file := filepath.Join(out, fmt.Sprintf("%s-%d-kube-apiserver.pprof", s.label, n))
		profiled.Go(func() {
			if err := apiServerProfile(ctx, *scaleProfile, file); err != nil {
				t.Errorf("cannot profile kube-apiserver: %v", err)
				return
			}
			t.Logf("kube-apiserver CPU profile of the first %s: %s", *scaleProfile, file)
		})
	}
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
	lastLog := time.Now()
	err = poll(ctx, *scaleWait, fmt.Sprintf("%d claims of series %s Ready", n, s.label), func() (bool, string, error) {
		for ki, k := range s.kinds {
			l := &unstructured.UnstructuredList{}
			l.SetAPIVersion(k.apiVersion)
			l.SetKind(k.kind + "List")
			if err := watches[ki].List(ctx, l); err != nil {
				return false, "", err
			}
			for i := range l.Items {
				key := k.kind + "/" + l.Items[i].GetNamespace() + "/" + l.Items[i].GetName()
				if _, ok := ready[key]; !ok && condition(&l.Items[i], "Ready").Status == "True" {
					ready[key] = time.Since(start)
				}
			}
		}
		if time.Since(lastLog) >= 30*time.Second {
			lastLog = time.Now()
			t.Logf("%s: %s", time.Since(start).Round(time.Second), readyByKind(ready))
		}
		return len(ready) >= n, fmt.Sprintf("%d of %d Ready", len(ready), n), nil
	})
	// A saturated control plane is a result too: the row says how many
	// got Ready, and the figures cover the wait.
	var notReady string
	if errors.Is(err, errPollTimeout) {
		notReady = fmt.Sprintf("%d of %d Ready after %s (%s)", len(ready), n, scaleWait, readyByKind(ready))
		t.Logf("series %s: only %s; measuring on", s.label, notReady)
	} else if err != nil {
		t.Fatal(err)
	}
	allReady := time.Since(start)
	cpu1 := processCPU()
	stopWatches()
	coreCPU1, corePeak, _ := env.x.Process.Usage()
	fnCPU1, fnPeak, _ := s.fn.Usage()
	_, hist, err := runFunctionMetrics(ctx, s.metrics)
	if err != nil {
		t.Fatal(err)
	}
	core1, err := readCoreMetrics(ctx, s.function)
	if err != nil {
		t.Fatal(err)
	}

	// Idle: nothing changes in the claims; what does the control plane do?
	writes0, err := apiServerWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	versions0, err := resourceVersions(ctx, s.prefix+"-")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(*scaleIdle)
	writes1, err := apiServerWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	versions1, err := resourceVersions(ctx, s.prefix+"-")
	if err != nil {
		t.Fatal(err)
	}
	core2, err := readCoreMetrics(ctx, s.function)
	if err != nil {
		t.Fatal(err)
	}
	coreCPU2, _, _ := env.x.Process.Usage()
	fnCPU2, _, _ := s.fn.Usage()

	// A claim never Ready counts as +Inf: a quantile that lands on one is
	// not measured (-1).
	durations := make([]float64, 0, n)
	allByKind := map[string]float64{}
	for key, d := range ready {
		durations = append(durations, d.Seconds())
		k := strings.SplitN(key, "/", 2)[0]
		allByKind[k] = max(allByKind[k], d.Seconds())
	}
	for len(durations) < n {
		durations = append(durations, math.Inf(1))
	}
	sort.Float64s(durations)
	for _, k := range s.kinds {
		if readyCount(ready, k.kind) < countKind(n, s, k.kind) {
			allByKind[k.kind] = -1
		}
	}
	idle := scaleIdle.Seconds()
	kinds := make([]string, len(s.kinds))
	for i, k := range s.kinds {
		kinds[i] = k.kind
		if k.namespaced {
			kinds[i] += " (namespaced)"
		}
	}
	row := scaleRow{
		Label: s.label, N: n, Kinds: strings.Join(kinds, ","), Composition: s.composition,
		ReadyP50: quantile(durations, 0.5), ReadyP99: quantile(durations, 0.99), AllReady: allReady.Seconds(),
		CallsPerClaim:       (core1.calls - core0.calls) / float64(n),
		IdleCallsPerClaimHr: (core2.calls - core1.calls) / float64(n) * 3600 / idle,
		ReconcilesPerClaim:  (core1.reconciles - core0.reconciles) / float64(n),
		CallsPerReconcile:   (core1.calls - core0.calls) / (core1.reconciles - core0.reconciles),
		CacheHitsPerClaim:   (core1.cacheHits - core0.cacheHits) / float64(n),
		RunFunctionP50:      histogramQuantile(hist, 0.5),
		RunFunctionP99:      histogramQuantile(hist, 0.99),
		CoreCPU:             coreCPU1 - coreCPU0, FunctionCPU: fnCPU1 - fnCPU0,
		CorePeakMiB: float64(corePeak) / (1 << 20), FunctionPeakMiB: float64(fnPeak) / (1 << 20),
		IdleWrites:       map[string]int{},
		IdleCPUPerClaimH: ((coreCPU2 - coreCPU1) + (fnCPU2 - fnCPU1)) / float64(n) * 3600 / idle,
	}
	row.AllReadyByKind = allByKind
	row.Notes = map[string]string{}
	if notReady != "" {
		row.AllReady = -1
		row.Notes["ready"] = notReady
	}
	failed, err := operatorCreateFailures(s.prefix + "-")
	if err != nil {
		t.Fatal(err)
	}
	if failed > 0 {
		row.Notes["operator"] = fmt.Sprintf("%d failed cluster creations in the operator's log (it retries them at its resync_period)", failed)
	}
	row.CPUToReady = map[string]float64{}
	for name, c := range cpu1 {
		row.CPUToReady[name] = math.Round((c-cpu0[name])*10) / 10
	}
	t.Logf("CPU seconds until all were Ready, by process: %s", byValue(row.CPUToReady))
	if s.metrics == "" {
		row.Notes["runFunction"] = "latency not measured: the function serves no metrics"
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
	for _, f := range []*float64{&row.RunFunctionP50, &row.RunFunctionP99, &row.ReadyP50, &row.ReadyP99, &row.CallsPerClaim, &row.IdleCallsPerClaimHr, &row.CallsPerReconcile} {
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			*f = -1
		}
	}
	t.Logf("%+v", row)
	return row
}

// processCPU is the CPU seconds each process of the control plane has used
// so far, and this test's own as "harness".
func processCPU() map[string]float64 {
	cpu := procs.CPU()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		cpu["harness"] = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	return cpu
}

// byValue formats m as "name value" pairs, largest value first.
func byValue(m map[string]float64) string {
	names := slices.Collect(maps.Keys(m))
	sort.Slice(names, func(i, j int) bool { return m[names[i]] > m[names[j]] })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.1f", n, m[n])
	}
	return strings.Join(parts, ", ")
}

var scaleAPIVersion = map[string]string{
	"PostgreSQL":   "database.homeplane.dev/v1alpha1",
	"MatrixServer": "matrix.homeplane.dev/v1alpha1",
	"Collabora":    "office.homeplane.dev/v1alpha1",
}

// scaleClaims are a series' n claims, its kinds in turn, ten to a
// namespace.
func scaleClaims(n int, s scaleSeries) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, n)
	for i := range n {
		k := s.kinds[i%len(s.kinds)]
		var params map[string]any
		switch k.kind {
		case "PostgreSQL":
			params = map[string]any{"storage": "1Gi", "deletionProtection": false}
		case "MatrixServer":
			params = map[string]any{"serverName": fmt.Sprintf("m%d.%s.test", i, s.prefix), "storage": "1Gi", "deletionProtection": false}
		case "Collabora":
			params = map[string]any{"host": fmt.Sprintf("c%d.%s.test", i, s.prefix), "wopiHosts": []any{"https://cloud.scale.test"}}
		default:
			return nil, fmt.Errorf("no scale parameters for claims of kind %s", k.kind)
		}
		spec := map[string]any{
			"parameters":                 params,
			"writeConnectionSecretToRef": map[string]any{"name": fmt.Sprintf("s%d-connection", i)},
		}
		if s.composition != "" {
			spec["compositionRef"] = map[string]any{"name": s.composition}
		}
		u := obj(k.apiVersion, k.kind, fmt.Sprintf("%s-%d", s.prefix, i/10), fmt.Sprintf("s%d", i), spec)
		u.SetLabels(map[string]string{"homeplane.dev/scale": s.prefix})
		out = append(out, u)
	}
	return out, nil
}

// removeSeries deletes a series' namespaces and waits until they and the
// claims' composites are gone.
func removeSeries(ctx context.Context, s scaleSeries, n int) error {
	start := time.Now()
	var namespaces []string
	for i := range (n + 9) / 10 {
		namespaces = append(namespaces, fmt.Sprintf("%s-%d", s.prefix, i))
	}
	for _, name := range namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := env.c.Delete(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("cannot delete namespace %s: %w", name, err)
		}
	}
	err := poll(ctx, 15*time.Minute, "series "+s.label+" removed", func() (bool, string, error) {
		left := 0
		for _, name := range namespaces {
			err := env.c.Get(ctx, client.ObjectKey{Name: name}, &corev1.Namespace{})
			if err == nil {
				left++
			} else if !apierrors.IsNotFound(err) {
				return false, "", err
			}
		}
		xrs := 0
		for _, k := range s.kinds {
			l := &unstructured.UnstructuredList{}
			l.SetAPIVersion(k.apiVersion)
			l.SetKind(k.composite + "List")
			if err := env.c.List(ctx, l); err != nil {
				return false, "", err
			}
			for _, xr := range l.Items {
				ns := xr.GetNamespace()
				if ns == "" {
					ns = xr.GetLabels()["crossplane.io/claim-namespace"]
				}
				if strings.HasPrefix(ns, s.prefix+"-") {
					xrs++
				}
			}
		}
		return left == 0 && xrs == 0, fmt.Sprintf("%d namespaces and %d composites left", left, xrs), nil
	})
	phase("series "+s.label+" removed", start)
	return err
}

// installOtherFunction installs the function a Composition file names the
// way installPackages installs ours (a Function package in the loopback
// registry, the binary run as a local process with a server certificate
// from Crossplane's CA, the harness playing the runtime), applies the
// Composition and returns the series that selects it.
func installOtherFunction(ctx context.Context, bin, compositionFile string) (scaleSeries, error) {
	start := time.Now()
	objs, err := readObjects(compositionFile)
	if err != nil {
		return scaleSeries{}, fmt.Errorf("cannot read %s: %w", compositionFile, err)
	}
	if len(objs) != 1 || objs[0].GetKind() != "Composition" {
		return scaleSeries{}, fmt.Errorf("%s: want one Composition", compositionFile)
	}
	comp := objs[0]
	steps, _, _ := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
	names := map[string]bool{}
	for _, st := range steps {
		m, _ := st.(map[string]any)
		if n, _, _ := unstructured.NestedString(m, "functionRef", "name"); n != "" && n != functionName {
			names[n] = true
		}
	}
	if len(names) != 1 {
		return scaleSeries{}, fmt.Errorf("%s names %d functions other than ours, want one: %v", compositionFile, len(names), names)
	}
	var name string
	for n := range names {
		name = n
	}
	apiVersion, _, _ := unstructured.NestedString(comp.Object, "spec", "compositeTypeRef", "apiVersion")
	kind, _, _ := unstructured.NestedString(comp.Object, "spec", "compositeTypeRef", "kind")
	claim, err := claimKindOf(ctx, apiVersion, kind)
	if err != nil {
		return scaleSeries{}, fmt.Errorf("%s: %w", compositionFile, err)
	}

	// A minimal package: its metadata only, no runtime image (the
	// harness runs the binary).
	cli, err := toolsCache.Find("crossplane")
	if err != nil {
		return scaleSeries{}, err
	}
	dir := filepath.Join(workDir, "function2")
	root := filepath.Join(dir, "package")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return scaleSeries{}, err
	}
	meta := fmt.Sprintf("apiVersion: meta.pkg.crossplane.io/v1\nkind: Function\nmetadata:\n  name: %s\nspec: {}\n", name)
	if err := os.WriteFile(filepath.Join(root, "crossplane.yaml"), []byte(meta), 0o600); err != nil {
		return scaleSeries{}, err
	}
	xpkg := filepath.Join(dir, name+".xpkg")
	if _, err := testservers.Output(ctx, nil, cli, "xpkg", "build", "--package-root="+root,
		"--examples-root="+filepath.Join(dir, "no-examples"), "-o", xpkg); err != nil {
		return scaleSeries{}, fmt.Errorf("cannot build the package of %s: %w", name, err)
	}
	version := packageVersion()
	// Under our prefix: the ImageConfig already points it at the registry.
	ref := fmt.Sprintf("%s/homeplane/%s:%s", env.registry, name, version)
	if _, err := testservers.Output(ctx, []string{"DOCKER_CONFIG=" + filepath.Join(workDir, "docker")}, cli, "xpkg", "push", "-f", xpkg, ref); err != nil {
		return scaleSeries{}, fmt.Errorf("cannot push the package of %s: %w", name, err)
	}

	// Started like ours (function-sdk-go's flags and environment), without
	// a metrics endpoint: an SDK function serves none unless it adds one.
	port, err := testservers.FreePorts(1)
	if err != nil {
		return scaleSeries{}, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port[0])
	crt, key, err := env.x.CA.Issue(name)
	if err != nil {
		return scaleSeries{}, err
	}
	tlsDir := filepath.Join(dir, "tls")
	if err := testservers.WriteTLSDir(tlsDir, crt, key, env.x.CA.CertPEM); err != nil {
		return scaleSeries{}, err
	}
	fn, err := procs.Run(name, []string{"TLS_SERVER_CERTS_DIR=" + tlsDir}, bin, "--address="+addr, "--debug")
	if err != nil {
		return scaleSeries{}, err
	}
	if err := fn.WaitTCP(ctx, addr); err != nil {
		return scaleSeries{}, err
	}
	f := obj("pkg.crossplane.io/v1", "Function", "", name, map[string]any{"package": pkgPrefix + name + ":" + version})
	if err := env.c.Create(ctx, f); err != nil {
		return scaleSeries{}, fmt.Errorf("cannot create Function %s: %w", name, err)
	}
	if err := playRuntime(ctx, env.c, env.x, "Function", name, addr, func() (*testservers.Process, error) { return fn, nil }); err != nil {
		return scaleSeries{}, err
	}
	if err := waitPackageHealthy(ctx, env.c, "Function", name); err != nil {
		return scaleSeries{}, err
	}
	if err := apply(ctx, env.c, comp); err != nil {
		return scaleSeries{}, err
	}
	phase("function "+name+" installed", start)
	return scaleSeries{prefix: "scale2", kinds: []claimKind{claim}, composition: comp.GetName(), fn: fn, function: name}, nil
}

// claimKindOf finds the claim kind of a composite kind in the installed
// XRDs.
func claimKindOf(ctx context.Context, apiVersion, kind string) (claimKind, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return claimKind{}, fmt.Errorf("compositeTypeRef: %w", err)
	}
	xrds := &unstructured.UnstructuredList{}
	xrds.SetAPIVersion("apiextensions.crossplane.io/v1")
	xrds.SetKind("CompositeResourceDefinitionList")
	if err := env.c.List(ctx, xrds); err != nil {
		return claimKind{}, fmt.Errorf("cannot list XRDs: %w", err)
	}
	for _, x := range xrds.Items {
		g, _, _ := unstructured.NestedString(x.Object, "spec", "group")
		k, _, _ := unstructured.NestedString(x.Object, "spec", "names", "kind")
		if g != gv.Group || k != kind {
			continue
		}
		claim, _, _ := unstructured.NestedString(x.Object, "spec", "claimNames", "kind")
		if claim == "" {
			return claimKind{}, fmt.Errorf("XRD %s offers no claim; make scale applies claims", x.GetName())
		}
		return claimKind{apiVersion: apiVersion, kind: claim, composite: kind}, nil
	}
	return claimKind{}, fmt.Errorf("no XRD installed for %s %s", apiVersion, kind)
}

// readyByKind counts Ready claims per kind, for progress lines.
// readyCount is how many claims of kind are in ready.
func readyCount(ready map[string]time.Duration, kind string) int {
	c := 0
	for k := range ready {
		if strings.HasPrefix(k, kind+"/") {
			c++
		}
	}
	return c
}

// countKind is how many of a series' n claims are of kind (scaleClaims
// takes the kinds in turn).
func countKind(n int, s scaleSeries, kind string) int {
	c := 0
	for i := range n {
		if s.kinds[i%len(s.kinds)].kind == kind {
			c++
		}
	}
	return c
}

func readyByKind(ready map[string]time.Duration) string {
	by := map[string]int{}
	for k := range ready {
		by[strings.SplitN(k, "/", 2)[0]]++
	}
	kinds := make([]string, 0, len(by))
	for k, c := range by {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
	}
	slices.Sort(kinds)
	return strings.Join(kinds, ", ") + " Ready"
}

// coreMetrics are counters of Crossplane core's Prometheus endpoint.
type coreMetrics struct {
	// reconciles of every composite controller ("composite/<XRD name>").
	reconciles float64
	// calls sent to one function, and answers core's response cache gave.
	calls, cacheHits float64
}

// readCoreMetrics reads core's counters for the Function named function.
func readCoreMetrics(ctx context.Context, function string) (coreMetrics, error) {
	var m coreMetrics
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.x.MetricsURL, nil)
	if err != nil {
		return m, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, fmt.Errorf("cannot read Crossplane core's metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	tp := expfmt.NewTextParser(model.UTF8Validation)
	families, err := tp.TextToMetricFamilies(resp.Body)
	if err != nil {
		return m, fmt.Errorf("cannot parse Crossplane core's metrics: %w", err)
	}
	label := func(x *dto.Metric, name string) string {
		for _, l := range x.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	for _, x := range families["controller_runtime_reconcile_total"].GetMetric() {
		if strings.HasPrefix(label(x, "controller"), "composite/") {
			m.reconciles += x.GetCounter().GetValue()
		}
	}
	for _, x := range families["function_run_function_request_total"].GetMetric() {
		if label(x, "function_name") == function {
			m.calls += x.GetCounter().GetValue()
		}
	}
	for _, x := range families["function_run_function_response_cache_hits_total"].GetMetric() {
		if f := label(x, "function_name"); f == "" || f == function {
			m.cacheHits += x.GetCounter().GetValue()
		}
	}
	return m, nil
}

// runFunctionMetrics reads a function's RunFunction call count and
// handling time histogram from its Prometheus endpoint; with none, NaN and
// no histogram.
func runFunctionMetrics(ctx context.Context, endpoint string) (float64, *dto.Histogram, error) {
	if endpoint == "" {
		return math.NaN(), nil, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
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

// operatorCreateFailures counts the Zalando operator's failed cluster
// creations in namespaces starting with prefix, retried ones included: its
// log has a line "could not create cluster: ..." per failed attempt.
func operatorCreateFailures(prefix string) (int, error) {
	b, err := os.ReadFile(filepath.Join(workDir, "logs", "postgres-operator.log"))
	if err != nil {
		return 0, fmt.Errorf("cannot read the operator's log: %w", err)
	}
	n := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.Contains(line, `msg="could not create cluster`) && strings.Contains(line, " cluster-name="+prefix) {
			n++
		}
	}
	return n, nil
}

// apiServerProfile writes a CPU profile of kube-apiserver over d (its
// /debug/pprof/profile, served with --profiling) to file.
func apiServerProfile(ctx context.Context, d time.Duration, file string) error {
	u := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", env.cp.Host, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	hc, err := rest.HTTPClientFor(env.cp.Config)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s (is E2E_APISERVER_PROFILING=1 set?)", u, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
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
	fmt.Fprintln(w, "series\tN\tkinds\tReady p50 s\tReady p99 s\tall Ready s\tcalls/claim\treconciles/claim\tcalls/reconcile\tcache hits/claim\tidle calls/claim/h\tRunFunction p50 ms\tp99 ms\tcore CPU s\tfn CPU s\tcore peak MiB\tfn peak MiB\tidle changes/min\tidle write requests/min\tidle CPU s/claim/h")
	// -1 is a figure not measured.
	f := func(format string, v float64) string {
		if v < 0 {
			return "n/a"
		}
		return fmt.Sprintf(format, v)
	}
	for _, r := range rows {
		kinds := r.Kinds
		if kinds == "" {
			kinds = "all"
		}
		// Rows from before core's counters were read have none.
		core := func(format string, v float64) string {
			if r.ReconcilesPerClaim == 0 {
				return "n/a"
			}
			return f(format, v)
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.1f\t%.0f\t%.0f\t%.1f\t%.1f\t%.2f\n",
			r.Label, r.N, kinds, f("%.1f", r.ReadyP50), f("%.1f", r.ReadyP99), f("%.1f", r.AllReady), f("%.2f", r.CallsPerClaim), core("%.1f", r.ReconcilesPerClaim),
			core("%.2f", r.CallsPerReconcile), core("%.1f", r.CacheHitsPerClaim), f("%.1f", r.IdleCallsPerClaimHr),
			f("%.1f", r.RunFunctionP50*1000), f("%.1f", r.RunFunctionP99*1000), r.CoreCPU, r.FunctionCPU, r.CorePeakMiB, r.FunctionPeakMiB,
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
		if len(r.AllReadyByKind) > 0 {
			fmt.Printf("all Ready by kind %s N=%d (s, -1 never): %v\n", r.Label, r.N, r.AllReadyByKind)
		}
		if len(r.CPUToReady) > 0 {
			fmt.Printf("CPU to Ready by process %s N=%d (s): %s\n", r.Label, r.N, byValue(r.CPUToReady))
		}
		if len(r.Notes) > 0 {
			fmt.Printf("notes %s N=%d: %v\n", r.Label, r.N, r.Notes)
		}
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
			// A figure not measured (-1) is left out, not drawn as -1.
			var pts plotter.XYs
			for _, r := range rs {
				if y := m.f(r); y >= 0 {
					pts = append(pts, plotter.XY{X: float64(r.N), Y: y})
				}
			}
			if len(pts) == 0 {
				continue
			}
			lines = append(lines, l+" "+m.name, pts)
		}
	}
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return err
	}
	// The legend (one entry per series and figure) gets the right of the
	// plot to itself rather than covering the points.
	maxN := 0
	for _, r := range rows {
		maxN = max(maxN, r.N)
	}
	p.X.Min, p.X.Max, p.Y.Min = 0, 1.8*float64(maxN), 0
	// Tall enough for every legend entry (a line each, ~0.2 in).
	height := max(6*vg.Inch, vg.Length(len(lines)/2)*vg.Inch/5+vg.Inch)
	return p.Save(10*vg.Inch, height, path)
}

// scaleKinds are what the claims compose, and the composites themselves.
var scaleKinds = []string{
	"v1/ConfigMap", "v1/Secret", "v1/Service", "v1/PersistentVolumeClaim", "v1/Pod",
	"apps/v1/Deployment", "apps/v1/StatefulSet", "policy/v1/PodDisruptionBudget",
	"networking.k8s.io/v1/NetworkPolicy", "networking.k8s.io/v1/Ingress",
	"protection.crossplane.io/v1beta1/Usage", "acid.zalan.do/v1/postgresql",
	"database.homeplane.dev/v1alpha1/XPostgreSQL", "matrix.homeplane.dev/v1alpha1/XMatrixServer", "office.homeplane.dev/v1alpha1/XCollabora",
	"database.homeplane.dev/v1alpha1/PostgreSQL", "matrix.homeplane.dev/v1alpha1/MatrixServer", "office.homeplane.dev/v1alpha1/Collabora",
	"database.ns.homeplane.dev/v1alpha1/PostgreSQL", "matrix.ns.homeplane.dev/v1alpha1/MatrixServer", "office.ns.homeplane.dev/v1alpha1/Collabora",
}

// resourceVersions maps "Kind|namespace/name" to the resourceVersion of
// every object of scaleKinds in the namespaces starting with prefix (and
// the composites of claims there).
func resourceVersions(ctx context.Context, prefix string) (map[string]string, error) {
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
			ns := o.GetNamespace()
			if ns == "" {
				ns = o.GetLabels()["crossplane.io/claim-namespace"]
			}
			if !strings.HasPrefix(ns, prefix) {
				continue
			}
			out[k[i+1:]+"|"+o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out, nil
}
