package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestGeneratedFilesAreFresh fails when package/configuration or
// package/configuration-namespaced does not match the Go types: run
// `make generate` and commit.
func TestGeneratedFilesAreFresh(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := Generate(root, Packages()...)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(files) != 12 {
		t.Errorf("Generate: %d files, want an XRD and a Composition for each of 3 kinds in each of 2 flavours", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, "package", name))
		if err != nil {
			t.Errorf("%s: %v (run make generate)", name, err)
			continue
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s is stale (run make generate): -generated, +committed:\n%s", name, diff)
		}
	}
}

func TestXRDFor(t *testing.T) {
	crd := extv1.CustomResourceDefinition{Spec: extv1.CustomResourceDefinitionSpec{
		Group: "example.homeplane.dev",
		Names: extv1.CustomResourceDefinitionNames{Kind: "XThing", ListKind: "XThingList", Plural: "xthings", Singular: "xthing", Categories: []string{"homeplane"}},
		Versions: []extv1.CustomResourceDefinitionVersion{{
			Name: "v1alpha1", Served: true, Storage: true,
			Schema: &extv1.CustomResourceValidation{OpenAPIV3Schema: &extv1.JSONSchemaProps{
				Type: "object",
				Properties: map[string]extv1.JSONSchemaProps{
					"apiVersion": {Type: "string"}, "kind": {Type: "string"}, "metadata": {Type: "object"},
					"spec": {Type: "object", Properties: map[string]extv1.JSONSchemaProps{"size": {Type: "integer"}}},
				},
			}},
			AdditionalPrinterColumns: []extv1.CustomResourceColumnDefinition{{Name: "SIZE", Type: "integer", JSONPath: ".spec.size"}},
		}},
	}}
	x, err := XRDFor(crd, XRD{ClaimKind: "Thing", ClaimPlural: "things", Composition: "thing", ConnectionSecretKeys: []string{"url"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	want := header + `apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata:
  name: xthings.example.homeplane.dev
spec:
  claimNames:
    categories:
    - homeplane
    kind: Thing
    listKind: ThingList
    plural: things
    singular: thing
  connectionSecretKeys:
  - url
  defaultCompositionRef:
    name: xthings.example.homeplane.dev
  group: example.homeplane.dev
  names:
    categories:
    - homeplane
    kind: XThing
    listKind: XThingList
    plural: xthings
    singular: xthing
  scope: LegacyCluster
  versions:
  - additionalPrinterColumns:
    - jsonPath: .spec.size
      name: SIZE
      type: integer
    name: v1alpha1
    referenceable: true
    schema:
      openAPIV3Schema:
        properties:
          spec:
            properties:
              size:
                type: integer
            type: object
        type: object
    served: true
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("XRDFor: -want, +got:\n%s", diff)
	}
	var c map[string]any
	cy, _ := marshal(CompositionFor(x))
	if err := yaml.Unmarshal(cy, &c); err != nil {
		t.Fatal(err)
	}
	spec := c["spec"].(map[string]any)
	if diff := cmp.Diff(map[string]any{"apiVersion": "example.homeplane.dev/v1alpha1", "kind": "XThing"}, spec["compositeTypeRef"]); diff != "" {
		t.Errorf("CompositionFor: compositeTypeRef -want, +got:\n%s", diff)
	}
	if spec["mode"] != "Pipeline" {
		t.Errorf("CompositionFor: mode %v, want Pipeline", spec["mode"])
	}
}
