// Package render holds the golden render tests: every example is rendered
// through `crossplane composition render` (Crossplane's real engine, a local
// core binary) against the function, and the whole output is compared with
// testdata/<case>.yaml. Run `go test ./test/render -update` to accept changes.
package render

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/homeplane/homeplane/fn/function"
	"github.com/homeplane/homeplane/internal/render"
	"github.com/homeplane/homeplane/internal/tools"
)

var update = flag.Bool("update", false, "Rewrite the golden files with the current output.")

const root = "../.."

func TestRender(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the crossplane CLI and core; not with -short")
	}
	// Tools are built by `make tools`, never under this test's deadline.
	bins, err := render.FindTools(tools.New())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cases, err := render.Cases(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < len(function.Apps()) {
		t.Fatalf("found %d render cases, want at least one per kind", len(cases))
	}
	target, stop, err := render.Serve()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.GoldenName()] = true
		t.Run(c.Name, func(t *testing.T) {
			got, err := render.Run(ctx, bins, filepath.Join(root, "examples", "functions.yaml"), target, c)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", c.GoldenName())
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no golden file (run go test ./test/render -update): %v", err)
			}
			gotDocs, err := docs(got)
			if err != nil {
				t.Fatalf("cannot parse render output: %v", err)
			}
			wantDocs, err := docs(want)
			if err != nil {
				t.Fatalf("cannot parse %s: %v", golden, err)
			}
			if diff := cmp.Diff(wantDocs, gotDocs); diff != "" {
				t.Errorf("render %s: -%s, +got (go test ./test/render -update accepts):\n%s", c.Name, golden, diff)
			}
			for _, d := range gotDocs {
				if err := strictCore(d); err != nil {
					t.Errorf("render %s: %v", c.Name, err)
				}
			}
		})
	}
	// A golden file without a case is a case that was lost.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("golden file %s has no example case: delete it or restore the example", f)
		}
	}
}

// docs parses a YAML stream into objects, in a stable order: Crossplane's
// output order is not part of its contract.
func docs(b []byte) ([]map[string]any, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []map[string]any
	for {
		d, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, err
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out, nil
}

func key(m map[string]any) string {
	md, _ := m["metadata"].(map[string]any)
	var n, rn string
	if md != nil {
		n, _ = md["name"].(string)
		if a, ok := md["annotations"].(map[string]any); ok {
			rn, _ = a["crossplane.io/composition-resource-name"].(string)
		}
	}
	return fmt.Sprintf("%v/%v/%s/%s/%v", m["apiVersion"], m["kind"], rn, n, m["message"])
}

// strictCore decodes objects of core Kubernetes kinds strictly into their Go
// types: an unknown or mistyped field fails, as the API server would reject
// it. CRD-backed kinds are validated by `make validate` against their CRDs.
func strictCore(m map[string]any) error {
	b, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return err
	}
	s := json.NewSerializerWithOptions(json.DefaultMetaFactory, clientgoscheme.Scheme, clientgoscheme.Scheme, json.SerializerOptions{Strict: true})
	if _, _, err := s.Decode(j, nil, nil); err != nil {
		if strings.Contains(err.Error(), "no kind") || strings.Contains(err.Error(), "not registered") {
			return nil // Not a core kind.
		}
		return fmt.Errorf("%v: %w", key(m), err)
	}
	return nil
}
