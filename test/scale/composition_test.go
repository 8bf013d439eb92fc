// Package scale checks the Compositions `make scale` can run side by side
// with Homeplane's (README, "make scale"): they must compose the same XRD,
// and every path they patch must exist, so that a typo fails here, not as a
// silently skipped patch in a benchmark.
package scale

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const root = "../.."

// ptComposition is the subset of a Composition with function-patch-and-
// transform's input that the checks read.
type ptComposition struct {
	Kind string `json:"kind"`
	Spec struct {
		CompositeTypeRef struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		} `json:"compositeTypeRef"`
		Mode     string `json:"mode"`
		Pipeline []struct {
			FunctionRef struct {
				Name string `json:"name"`
			} `json:"functionRef"`
			Input struct {
				APIVersion string     `json:"apiVersion"`
				Kind       string     `json:"kind"`
				PatchSets  []patchSet `json:"patchSets"`
				Resources  []struct {
					Name      string         `json:"name"`
					Base      map[string]any `json:"base"`
					Patches   []patch        `json:"patches"`
					Readiness []struct {
						FieldPath string `json:"fieldPath"`
					} `json:"readinessChecks"`
				} `json:"resources"`
			} `json:"input"`
		} `json:"pipeline"`
	} `json:"spec"`
}

type patchSet struct {
	Name    string  `json:"name"`
	Patches []patch `json:"patches"`
}

type patch struct {
	Type          string `json:"type"`
	FromFieldPath string `json:"fromFieldPath"`
	ToFieldPath   string `json:"toFieldPath"`
	PatchSetName  string `json:"patchSetName"`
	Combine       *struct {
		Variables []struct {
			FromFieldPath string `json:"fromFieldPath"`
		} `json:"variables"`
	} `json:"combine"`
}

func TestPatchAndTransformPostgreSQL(t *testing.T) {
	var pt ptComposition
	readYAML(t, "pt-postgresql-composition.yaml", &pt)
	var ours ptComposition
	readYAML(t, filepath.Join(root, "package", "configuration", "compositions", "postgresql.yaml"), &ours)
	if pt.Kind != "Composition" || pt.Spec.Mode != "Pipeline" {
		t.Fatalf("got kind %q mode %q, want a Pipeline Composition", pt.Kind, pt.Spec.Mode)
	}
	if pt.Spec.CompositeTypeRef != ours.Spec.CompositeTypeRef {
		t.Fatalf("compositeTypeRef: got %+v, want ours %+v", pt.Spec.CompositeTypeRef, ours.Spec.CompositeTypeRef)
	}
	if len(pt.Spec.Pipeline) != 1 {
		t.Fatalf("got %d pipeline steps, want 1 (make scale runs one other function)", len(pt.Spec.Pipeline))
	}
	step := pt.Spec.Pipeline[0]
	if step.FunctionRef.Name == "" || step.FunctionRef.Name == ours.Spec.Pipeline[0].FunctionRef.Name {
		t.Fatalf("functionRef %q: want another function than ours", step.FunctionRef.Name)
	}
	if step.Input.APIVersion != "pt.fn.crossplane.io/v1beta1" || step.Input.Kind != "Resources" {
		t.Fatalf("input %s %s: want pt.fn.crossplane.io/v1beta1 Resources", step.Input.APIVersion, step.Input.Kind)
	}

	var xrd map[string]any
	readYAML(t, filepath.Join(root, "package", "configuration", "xrds", "xpostgresql.yaml"), &xrd)
	xrSchema := nested(xrd, "spec", "versions", 0, "schema", "openAPIV3Schema")
	if xrSchema == nil {
		t.Fatal("the XRD has no schema")
	}
	sets := map[string][]patch{}
	for _, s := range step.Input.PatchSets {
		sets[s.Name] = s.Patches
	}
	for _, r := range step.Input.Resources {
		t.Run(r.Name, func(t *testing.T) {
			if err := strictBase(r.Base); err != nil {
				t.Errorf("base: %v", err)
			}
			var patches []patch
			for _, p := range r.Patches {
				if p.Type == "PatchSet" {
					ps, ok := sets[p.PatchSetName]
					if !ok {
						t.Errorf("no patchSet %q", p.PatchSetName)
					}
					patches = append(patches, ps...)
					continue
				}
				patches = append(patches, p)
			}
			for _, p := range patches {
				var fromXR, toXR []string
				switch p.Type {
				case "", "FromCompositeFieldPath":
					fromXR = []string{p.FromFieldPath}
				case "CombineFromComposite":
					for _, v := range p.Combine.Variables {
						fromXR = append(fromXR, v.FromFieldPath)
					}
				case "ToCompositeFieldPath", "CombineToComposite":
					toXR = []string{p.ToFieldPath}
				default:
					t.Errorf("patch type %q is not checked here", p.Type)
				}
				for _, path := range fromXR {
					if err := inSchema(xrSchema, path); err != nil {
						t.Errorf("fromFieldPath %q: %v", path, err)
					}
				}
				for _, path := range toXR {
					if !strings.HasPrefix(path, "status.") {
						t.Errorf("toFieldPath %q: only the composite's status is patched", path)
					}
					if err := inSchema(xrSchema, path); err != nil {
						t.Errorf("toFieldPath %q: %v", path, err)
					}
				}
				if p.ToFieldPath != "" {
					if _, err := fieldpath.Parse(p.ToFieldPath); err != nil {
						t.Errorf("toFieldPath %q: %v", p.ToFieldPath, err)
					}
				}
			}
		})
	}
}

// claimLabels are the labels Crossplane sets on a claim's composite.
var claimLabels = map[string]bool{"crossplane.io/claim-name": true, "crossplane.io/claim-namespace": true}

// inSchema checks that path parses and names a field of the XRD's schema
// (or one of the claim labels Crossplane sets on every composite).
func inSchema(schema map[string]any, path string) error {
	segs, err := fieldpath.Parse(path)
	if err != nil {
		return err
	}
	if len(segs) == 3 && segs[0].Field == "metadata" && segs[1].Field == "labels" {
		if !claimLabels[segs[2].Field] {
			return fmt.Errorf("label %q is not one Crossplane sets on a claim's composite", segs[2].Field)
		}
		return nil
	}
	s := schema
	for i, seg := range segs {
		if s["x-kubernetes-preserve-unknown-fields"] == true {
			return nil
		}
		var next any
		if seg.Type == fieldpath.SegmentIndex {
			next = s["items"]
		} else if props, ok := s["properties"].(map[string]any); ok {
			next = props[seg.Field]
		} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
			next = ap
		}
		n, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("no field %s in the XRD's schema", segs[:i+1])
		}
		s = n
	}
	return nil
}

// strictBase decodes a base into its Go type, refusing unknown fields.
func strictBase(base map[string]any) error {
	var into any
	switch fmt.Sprint(base["apiVersion"], "/", base["kind"]) {
	case "acid.zalan.do/v1/postgresql":
		// Not acidv1.Postgresql: its UnmarshalJSON accepts anything.
		into = &struct {
			metav1.TypeMeta   `json:",inline"`
			metav1.ObjectMeta `json:"metadata"`
			Spec              acidv1.PostgresSpec `json:"spec"`
		}{}
	case "networking.k8s.io/v1/NetworkPolicy":
		into = &networkingv1.NetworkPolicy{}
	default:
		return fmt.Errorf("%s %s: no Go type to check it against", base["apiVersion"], base["kind"])
	}
	b, err := json.Marshal(base)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(into)
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// nested walks maps by key and slices by index.
func nested(v any, path ...any) map[string]any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	m, _ := v.(map[string]any)
	return m
}

func TestInSchema(t *testing.T) {
	var xrd map[string]any
	readYAML(t, filepath.Join(root, "package", "configuration", "xrds", "xpostgresql.yaml"), &xrd)
	schema := nested(xrd, "spec", "versions", 0, "schema", "openAPIV3Schema")
	for path, want := range map[string]bool{
		"spec.parameters.storage":                        true,
		"spec.parameters.resources.limits.cpu":           true,
		"status.endpoint":                                true,
		"metadata.labels[crossplane.io/claim-name]":      true,
		"spec.parameters.storag":                         false,
		"status.nope":                                    false,
		"metadata.labels[crossplane.io/composite-other]": false,
	} {
		if err := inSchema(schema, path); (err == nil) != want {
			t.Errorf("inSchema(%q): got error %v, want found %t", path, err, want)
		}
	}
}
