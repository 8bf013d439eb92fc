package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/function"
	"github.com/homeplane/homeplane/internal/xrdtest"
)

// xrdDoc is what the flavour test reads of a committed XRD.
type xrdDoc struct {
	APIVersion string `json:"apiVersion"`
	Spec       struct {
		Group      string         `json:"group"`
		Scope      string         `json:"scope"`
		ClaimNames map[string]any `json:"claimNames"`
		Names      struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

func readXRDDoc(t *testing.T, path string) xrdDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make generate)", err)
	}
	var x xrdDoc
	if err := yaml.Unmarshal(b, &x); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return x
}

// specProps returns the properties of spec of version v's schema.
func specProps(t *testing.T, x xrdDoc, v int) map[string]any {
	t.Helper()
	props, _ := x.Spec.Versions[v].Schema.OpenAPIV3Schema["properties"].(map[string]any)
	spec, _ := props["spec"].(map[string]any)
	sp, _ := spec["properties"].(map[string]any)
	if sp == nil {
		t.Fatalf("%s %s: no spec.properties", x.Spec.Names.Kind, x.Spec.Versions[v].Name)
	}
	return sp
}

// TestFlavoursShareParameters compares the committed XRDs of both flavours
// of every app: the same versions, a spec.parameters schema that is equal in
// every field (defaults, patterns, CEL rules, descriptions), the same status
// schema; the namespaced one is an apiextensions.crossplane.io/v2 XRD with
// scope Namespaced, no claim, and only spec.writeConnectionSecretToRef
// beside spec.parameters.
func TestFlavoursShareParameters(t *testing.T) {
	root := filepath.Join("..", "..", "package")
	for _, a := range function.Apps() {
		t.Run(a.Name(), func(t *testing.T) {
			legacy := readXRDDoc(t, filepath.Join(root, DirLegacy, "xrds", strings.ToLower(a.Kind.Kind)+".yaml"))
			ns := readXRDDoc(t, filepath.Join(root, DirNamespaced, "xrds", strings.ToLower(a.Namespaced.Kind)+".yaml"))

			if legacy.Spec.Scope != "LegacyCluster" || legacy.Spec.ClaimNames == nil || legacy.APIVersion != "apiextensions.crossplane.io/v1" {
				t.Errorf("legacy XRD: apiVersion %s, scope %s, claimNames %v; want v1, LegacyCluster, claims", legacy.APIVersion, legacy.Spec.Scope, legacy.Spec.ClaimNames)
			}
			if ns.Spec.Scope != "Namespaced" || ns.Spec.ClaimNames != nil || ns.APIVersion != "apiextensions.crossplane.io/v2" {
				t.Errorf("namespaced XRD: apiVersion %s, scope %s, claimNames %v; want v2, Namespaced, no claims", ns.APIVersion, ns.Spec.Scope, ns.Spec.ClaimNames)
			}
			if ns.Spec.Group == legacy.Spec.Group || ns.Spec.Group != a.Namespaced.Group || ns.Spec.Names.Kind != a.Namespaced.Kind {
				t.Errorf("namespaced XRD: %s %s, want %s in a group of its own (the claims' is %s)", ns.Spec.Group, ns.Spec.Names.Kind, a.Namespaced, legacy.Spec.Group)
			}
			if len(ns.Spec.Versions) != len(legacy.Spec.Versions) || len(ns.Spec.Versions) == 0 {
				t.Fatalf("versions: namespaced %d, legacy %d", len(ns.Spec.Versions), len(legacy.Spec.Versions))
			}
			for i := range legacy.Spec.Versions {
				if ns.Spec.Versions[i].Name != legacy.Spec.Versions[i].Name {
					t.Fatalf("version %d: namespaced %s, legacy %s", i, ns.Spec.Versions[i].Name, legacy.Spec.Versions[i].Name)
				}
				lp, np := specProps(t, legacy, i), specProps(t, ns, i)
				if lp["parameters"] == nil {
					t.Fatal("legacy XRD has no spec.parameters")
				}
				if diff := cmp.Diff(lp["parameters"], np["parameters"]); diff != "" {
					t.Errorf("spec.parameters differ: -legacy, +namespaced:\n%s", diff)
				}
				extra := map[string]bool{}
				for k := range np {
					if _, ok := lp[k]; !ok {
						extra[k] = true
					}
				}
				if diff := cmp.Diff(map[string]bool{"writeConnectionSecretToRef": true}, extra); diff != "" {
					t.Errorf("spec fields only the namespaced flavour has: -want, +got:\n%s", diff)
				}
				lprops, _ := legacy.Spec.Versions[i].Schema.OpenAPIV3Schema["properties"].(map[string]any)
				nprops, _ := ns.Spec.Versions[i].Schema.OpenAPIV3Schema["properties"].(map[string]any)
				if diff := cmp.Diff(lprops["status"], nprops["status"]); diff != "" {
					t.Errorf("status differs: -legacy, +namespaced:\n%s", diff)
				}
			}
		})
	}
}

// TestNamespacedConnectionSecretRef runs spec.writeConnectionSecretToRef
// through every namespaced XRD the way the API server would, and through
// the function's own check (common.NamespacedComposite): both accept or
// both refuse.
func TestNamespacedConnectionSecretRef(t *testing.T) {
	cases := map[string]struct {
		ref     any
		wantErr bool
	}{
		"Absent":      {ref: nil},
		"Name":        {ref: map[string]any{"name": "db-creds"}},
		"Dotted":      {ref: map[string]any{"name": "db.creds"}},
		"Path":        {ref: map[string]any{"name": "../kube-system/x"}, wantErr: true},
		"Upper":       {ref: map[string]any{"name": "DB"}, wantErr: true},
		"Empty":       {ref: map[string]any{"name": ""}, wantErr: true},
		"TooLong":     {ref: map[string]any{"name": strings.Repeat("a", 254)}, wantErr: true},
		"NoName":      {ref: map[string]any{}, wantErr: true},
		"NotAnObject": {ref: "db-creds", wantErr: true},
	}
	root := filepath.Join("..", "..", "package", DirNamespaced, "xrds")
	for _, a := range function.Apps() {
		v := xrdtest.Load(t, filepath.Join(root, strings.ToLower(a.Namespaced.Kind)+".yaml"))
		for name, tc := range cases {
			t.Run(a.Name()+"/"+name, func(t *testing.T) {
				spec := map[string]any{}
				if tc.ref != nil {
					spec["writeConnectionSecretToRef"] = tc.ref
				}
				var xrdErrs []string
				for _, e := range v.ValidateSpec(spec) {
					if strings.HasPrefix(e.Field, "spec.writeConnectionSecretToRef") {
						xrdErrs = append(xrdErrs, e.Error())
					}
				}
				if got := len(xrdErrs) > 0; got != tc.wantErr {
					t.Errorf("XRD: errors %v, want an error: %v", xrdErrs, tc.wantErr)
				}
				nc := &common.NamespacedComposite{}
				b, _ := json.Marshal(map[string]any{"spec": spec})
				fnErr := json.Unmarshal(b, nc)
				if fnErr == nil {
					_, ferr := nc.ConnectionSecretName("x")
					if ferr != nil {
						fnErr = ferr
					}
				}
				if got := fnErr != nil; got != tc.wantErr {
					t.Errorf("function: error %v, want an error: %v", fnErr, tc.wantErr)
				}
			})
		}
	}
}
