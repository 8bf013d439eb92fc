package main

import (
	"fmt"
	"sort"
	"strings"

	xpv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	xpv2 "github.com/crossplane/crossplane/apis/v2/apiextensions/v2"
	"golang.org/x/tools/go/packages"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-tools/pkg/crd"
	crdmarkers "sigs.k8s.io/controller-tools/pkg/crd/markers"
	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/controller-tools/pkg/markers"
	"sigs.k8s.io/yaml"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
	"github.com/homeplane/homeplane/fn/function"
)

// Packages are the API packages that hold composite kinds, from the one
// registry of apps (fn/function.Apps).
func Packages() []string {
	var out []string
	for _, a := range function.Apps() {
		out = append(out, a.APIPackage)
	}
	return out
}

// Output directories under package/, one Configuration package each: the
// LegacyCluster composites with their claims, and the namespaced composites
// of the same Go types.
const (
	DirLegacy     = "configuration"
	DirNamespaced = "configuration-namespaced"
)

// namespacedKinds maps each legacy composite kind to its namespaced
// flavour's kind, from the registry of apps.
func namespacedKinds() map[schema.GroupKind]schema.GroupVersionKind {
	out := map[schema.GroupKind]schema.GroupVersionKind{}
	for _, a := range function.Apps() {
		out[a.Kind.GroupKind()] = a.Namespaced
	}
	return out
}

// FunctionName is the name of the Function every Composition calls. It is
// the name Crossplane gives the function package xpkg.homeplane.dev/homeplane/function
// when it installs it as the Configuration's dependency (registry path
// without the host, '/' replaced by '-').
const FunctionName = "homeplane-function"

// ConnectionSecretNamespace is where Crossplane writes the composite's own
// connection secret for legacy (claim-backed) XRs.
const ConnectionSecretNamespace = "crossplane-system"

// XRDMarkerName is the marker that turns a kind into a composite with a claim.
const XRDMarkerName = "homeplane:xrd"

// XRD is the argument of the +homeplane:xrd marker.
type XRD struct {
	// ClaimKind is the kind of the claim, e.g. PostgreSQL.
	ClaimKind string
	// ClaimPlural is the plural of the claim, e.g. postgresqls.
	ClaimPlural string
	// Composition is the base name of the Composition file, e.g. postgresql.
	Composition string
	// ConnectionSecretKeys lists the connection details the XR publishes.
	ConnectionSecretKeys []string `marker:",optional"`
}

var xrdMarker = markers.Must(markers.MakeDefinition(XRDMarkerName, markers.DescribesType, XRD{}))

// Generate returns the generated files, keyed by path relative to package/:
// configuration/{xrds/<kind>.yaml,compositions/<name>.yaml} for the
// LegacyCluster XRDs with claims, and the same under
// configuration-namespaced/ for their namespaced flavours (every kind with
// a +homeplane:xrd marker must have one in fn/function.Apps).
func Generate(root string, patterns ...string) (map[string][]byte, error) {
	roots, err := loader.LoadRootsWithConfig(&packages.Config{Dir: root}, patterns...)
	if err != nil {
		return nil, fmt.Errorf("cannot load packages: %w", err)
	}
	reg := &markers.Registry{}
	if err := crdmarkers.Register(reg); err != nil {
		return nil, fmt.Errorf("cannot register CRD markers: %w", err)
	}
	if err := reg.Register(xrdMarker); err != nil {
		return nil, fmt.Errorf("cannot register %s marker: %w", XRDMarkerName, err)
	}
	parser := &crd.Parser{Collector: &markers.Collector{Registry: reg}, Checker: &loader.TypeChecker{NodeFilters: []loader.NodeFilter{crd.Generator{}.CheckFilter()}}}
	crd.AddKnownTypes(parser)
	for _, r := range roots {
		parser.NeedPackage(r)
	}
	if err := firstError(roots); err != nil {
		return nil, err
	}

	metav1Pkg := crd.FindMetav1(roots)
	if metav1Pkg == nil {
		return nil, fmt.Errorf("no kinds found in %v", patterns)
	}
	files := map[string][]byte{}
	for _, gk := range crd.FindKubeKinds(parser, metav1Pkg) {
		m, ok := xrdMarkerFor(parser, gk)
		if !ok {
			continue // A kind without the marker is not a composite (e.g. a List).
		}
		parser.NeedCRDFor(gk, nil)
		c, ok := parser.CustomResourceDefinitions[gk]
		if !ok {
			return nil, fmt.Errorf("no CRD generated for %s", gk)
		}
		if err := firstError(roots); err != nil {
			return nil, fmt.Errorf("cannot generate schema for %s: %w", gk, err)
		}
		x, err := XRDFor(c, m)
		if err != nil {
			return nil, fmt.Errorf("cannot build XRD for %s: %w", gk, err)
		}
		xy, err := marshal(x)
		if err != nil {
			return nil, err
		}
		files[DirLegacy+"/xrds/"+strings.ToLower(gk.Kind)+".yaml"] = xy

		cy, err := marshal(CompositionFor(x))
		if err != nil {
			return nil, err
		}
		files[DirLegacy+"/compositions/"+m.Composition+".yaml"] = cy

		nsKind, ok := namespacedKinds()[gk]
		if !ok || nsKind.Empty() {
			return nil, fmt.Errorf("%s has no namespaced kind in fn/function.Apps", gk)
		}
		nx, err := NamespacedXRDFor(c, nsKind)
		if err != nil {
			return nil, fmt.Errorf("cannot build namespaced XRD for %s: %w", gk, err)
		}
		nxy, err := marshal(nx)
		if err != nil {
			return nil, err
		}
		files[DirNamespaced+"/xrds/"+strings.ToLower(nsKind.Kind)+".yaml"] = nxy
		ncy, err := marshal(NamespacedCompositionFor(nx))
		if err != nil {
			return nil, err
		}
		files[DirNamespaced+"/compositions/"+m.Composition+".yaml"] = ncy
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no kind in %v carries a +%s marker", patterns, XRDMarkerName)
	}
	return files, nil
}

// firstError returns the first marker or parse error of the roots. Type errors
// are ignored as controller-gen does: only declarations are type-checked, so
// imports used in function bodies and var blocks look undefined.
func firstError(roots []*loader.Package) error {
	var err error
	for _, r := range roots {
		for _, e := range r.Errors {
			if e.Kind == packages.TypeError {
				continue
			}
			if err == nil {
				err = fmt.Errorf("%s: %s", r.PkgPath, e.Msg)
			}
		}
	}
	return err
}

func xrdMarkerFor(p *crd.Parser, gk schema.GroupKind) (XRD, bool) {
	for id, info := range p.Types {
		if id.Name != gk.Kind || p.GroupVersions[id.Package].Group != gk.Group {
			continue
		}
		if v := info.Markers.Get(XRDMarkerName); v != nil {
			return v.(XRD), true
		}
	}
	return XRD{}, false
}

// XRDFor wraps a controller-tools CRD into a LegacyCluster XRD with claims.
func XRDFor(c extv1.CustomResourceDefinition, m XRD) (*xpv1.CompositeResourceDefinition, error) {
	scope := xpv1.CompositeResourceScopeLegacyCluster
	x := &xpv1.CompositeResourceDefinition{
		TypeMeta:   metav1.TypeMeta{APIVersion: xpv1.SchemeGroupVersion.String(), Kind: xpv1.CompositeResourceDefinitionKind},
		ObjectMeta: metav1.ObjectMeta{Name: c.Spec.Names.Plural + "." + c.Spec.Group},
		Spec: xpv1.CompositeResourceDefinitionSpec{
			Group: c.Spec.Group,
			Names: extv1.CustomResourceDefinitionNames{
				Kind:       c.Spec.Names.Kind,
				ListKind:   c.Spec.Names.ListKind,
				Plural:     c.Spec.Names.Plural,
				Singular:   c.Spec.Names.Singular,
				Categories: c.Spec.Names.Categories,
			},
			ClaimNames: &extv1.CustomResourceDefinitionNames{
				Kind:       m.ClaimKind,
				ListKind:   m.ClaimKind + "List",
				Plural:     m.ClaimPlural,
				Singular:   strings.ToLower(m.ClaimKind),
				Categories: c.Spec.Names.Categories,
			},
			Scope:                 &scope,
			ConnectionSecretKeys:  m.ConnectionSecretKeys,
			DefaultCompositionRef: &xpv1.CompositionReference{Name: CompositionName(c.Spec.Names.Plural, c.Spec.Group)},
		},
	}
	for _, v := range c.Spec.Versions {
		rawJSON, err := xrdSchema(v, nil)
		if err != nil {
			return nil, err
		}
		x.Spec.Versions = append(x.Spec.Versions, xpv1.CompositeResourceDefinitionVersion{
			Name:                     v.Name,
			Served:                   v.Served,
			Referenceable:            v.Storage,
			Schema:                   &xpv1.CompositeResourceValidation{OpenAPIV3Schema: runtime.RawExtension{Raw: rawJSON}},
			AdditionalPrinterColumns: v.AdditionalPrinterColumns,
		})
	}
	sort.Slice(x.Spec.Versions, func(i, j int) bool { return x.Spec.Versions[i].Name < x.Spec.Versions[j].Name })
	return x, nil
}

// xrdSchema is the version's CRD schema as an XRD schema (JSON): spec and
// status only, with specExtra added to spec's properties.
func xrdSchema(v extv1.CustomResourceDefinitionVersion, specExtra map[string]extv1.JSONSchemaProps) ([]byte, error) {
	if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("version %s has no schema", v.Name)
	}
	s := v.Schema.OpenAPIV3Schema.DeepCopy()
	// Crossplane owns apiVersion, kind and metadata; an XRD schema may only
	// describe spec and status.
	for _, k := range []string{"apiVersion", "kind", "metadata"} {
		delete(s.Properties, k)
	}
	if len(specExtra) > 0 {
		spec, ok := s.Properties["spec"]
		if !ok {
			return nil, fmt.Errorf("version %s has no spec", v.Name)
		}
		for k, p := range specExtra {
			if _, taken := spec.Properties[k]; taken {
				return nil, fmt.Errorf("version %s: spec.%s is generated for the namespaced flavour; the Go type may not define it", v.Name, k)
			}
			spec.Properties[k] = p
		}
		s.Properties["spec"] = spec
	}
	raw, err := yaml.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal schema of %s: %w", v.Name, err)
	}
	rawJSON, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("cannot convert schema of %s: %w", v.Name, err)
	}
	return rawJSON, nil
}

// ConnectionSecretRefSchema is spec.writeConnectionSecretToRef of a
// namespaced composite: the schema of common.LocalConnectionSecretReference
// (its ConnectionSecretName checks the same rules in the function).
// Crossplane v2 drops a modern composite's connection details; the function
// composes them as this Secret in the composite's namespace.
func ConnectionSecretRefSchema() extv1.JSONSchemaProps {
	return extv1.JSONSchemaProps{
		Type: "object",
		Description: "WriteConnectionSecretToRef names the Secret, in this composite's namespace, that the function composes " +
			"with the connection details. Absent, it is <metadata.name>" + common.ConnectionSecretSuffix + ".",
		Required: []string{"name"},
		Properties: map[string]extv1.JSONSchemaProps{
			"name": {
				Type:        "string",
				Description: "Name of the Secret: a DNS-1123 subdomain, not a Secret the composite composes for another purpose.",
				MinLength:   ptr.To[int64](1),
				MaxLength:   ptr.To[int64](253),
				Pattern:     common.SecretNamePattern,
			},
		},
	}
}

// NamespacedXRDFor wraps the same controller-tools CRD into an
// apiextensions.crossplane.io/v2 XRD with scope Namespaced, of gvk's group
// and kind (versions come from the CRD). Its spec.parameters schema is the
// legacy XRD's; spec.writeConnectionSecretToRef is added
// (ConnectionSecretRefSchema). No claims and no connection secret keys: the
// v2 XRD refuses both.
func NamespacedXRDFor(c extv1.CustomResourceDefinition, gvk schema.GroupVersionKind) (*xpv2.CompositeResourceDefinition, error) {
	plural := strings.ToLower(gvk.Kind) + "s"
	x := &xpv2.CompositeResourceDefinition{
		TypeMeta:   metav1.TypeMeta{APIVersion: xpv2.SchemeGroupVersion.String(), Kind: xpv2.CompositeResourceDefinitionKind},
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + gvk.Group},
		Spec: xpv2.CompositeResourceDefinitionSpec{
			Group: gvk.Group,
			Names: extv1.CustomResourceDefinitionNames{
				Kind:       gvk.Kind,
				ListKind:   gvk.Kind + "List",
				Plural:     plural,
				Singular:   strings.ToLower(gvk.Kind),
				Categories: c.Spec.Names.Categories,
			},
			Scope:                 xpv2.CompositeResourceScopeNamespaced,
			DefaultCompositionRef: &xpv2.CompositionReference{Name: CompositionName(plural, gvk.Group)},
		},
	}
	extra := map[string]extv1.JSONSchemaProps{"writeConnectionSecretToRef": ConnectionSecretRefSchema()}
	for _, v := range c.Spec.Versions {
		rawJSON, err := xrdSchema(v, extra)
		if err != nil {
			return nil, err
		}
		x.Spec.Versions = append(x.Spec.Versions, xpv2.CompositeResourceDefinitionVersion{
			Name:                     v.Name,
			Served:                   v.Served,
			Referenceable:            v.Storage,
			Schema:                   &xpv2.CompositeResourceValidation{OpenAPIV3Schema: runtime.RawExtension{Raw: rawJSON}},
			AdditionalPrinterColumns: v.AdditionalPrinterColumns,
		})
	}
	sort.Slice(x.Spec.Versions, func(i, j int) bool { return x.Spec.Versions[i].Name < x.Spec.Versions[j].Name })
	return x, nil
}

// NamespacedCompositionFor returns the Pipeline Composition of a namespaced
// XRD: the same pipeline as the claims', without a connection secret
// namespace (Crossplane v2 publishes no connection details of a modern
// composite; the function composes them as a Secret).
func NamespacedCompositionFor(x *xpv2.CompositeResourceDefinition) *xpv1.Composition {
	var version string
	for _, v := range x.Spec.Versions {
		if v.Referenceable {
			version = v.Name
		}
	}
	return &xpv1.Composition{
		TypeMeta: metav1.TypeMeta{APIVersion: xpv1.SchemeGroupVersion.String(), Kind: xpv1.CompositionKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:   x.Spec.DefaultCompositionRef.Name,
			Labels: map[string]string{"homeplane.dev/composite": x.Spec.Names.Kind, "homeplane.dev/scope": string(x.Spec.Scope)},
		},
		Spec: xpv1.CompositionSpec{
			CompositeTypeRef: xpv1.TypeReference{APIVersion: x.Spec.Group + "/" + version, Kind: x.Spec.Names.Kind},
			Mode:             xpv1.CompositionModePipeline,
			Pipeline: []xpv1.PipelineStep{{
				Step:        "compose",
				FunctionRef: xpv1.FunctionReference{Name: FunctionName},
				Input:       &runtime.RawExtension{Object: DefaultInput()},
			}},
		},
	}
}

// CompositionName is the name of the default Composition of an XRD.
func CompositionName(plural, group string) string { return plural + "." + group }

// CompositionFor returns the Pipeline Composition that calls the function for
// every reconcile of the XRD's composites.
func CompositionFor(x *xpv1.CompositeResourceDefinition) *xpv1.Composition {
	var version string
	for _, v := range x.Spec.Versions {
		if v.Referenceable {
			version = v.Name
		}
	}
	ns := ConnectionSecretNamespace
	return &xpv1.Composition{
		TypeMeta: metav1.TypeMeta{APIVersion: xpv1.SchemeGroupVersion.String(), Kind: xpv1.CompositionKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:   x.Spec.DefaultCompositionRef.Name,
			Labels: map[string]string{"homeplane.dev/composite": x.Spec.Names.Kind},
		},
		Spec: xpv1.CompositionSpec{
			CompositeTypeRef:                  xpv1.TypeReference{APIVersion: x.Spec.Group + "/" + version, Kind: x.Spec.Names.Kind},
			Mode:                              xpv1.CompositionModePipeline,
			WriteConnectionSecretsToNamespace: &ns,
			Pipeline: []xpv1.PipelineStep{{
				Step:        "compose",
				FunctionRef: xpv1.FunctionReference{Name: FunctionName},
				Input:       &runtime.RawExtension{Object: DefaultInput()},
			}},
		},
	}
}

// DefaultInput is the function input every generated Composition passes: the
// platform admin's policy with its safe defaults written out, so that the
// knobs are visible where they are turned.
func DefaultInput() *fnv1alpha1.Input {
	in := &fnv1alpha1.Input{TypeMeta: metav1.TypeMeta{APIVersion: fnv1alpha1.GroupVersion.String(), Kind: "Input"}}
	in.Default()
	return in
}

const header = "# Code generated by hack/xrdgen from the Go types in apis/. DO NOT EDIT.\n"

func marshal(o any) ([]byte, error) {
	b, err := yaml.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal %T: %w", o, err)
	}
	// Drop the empty creationTimestamp and status that the typed structs emit.
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	b, err = yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append([]byte(header), b...), nil
}
