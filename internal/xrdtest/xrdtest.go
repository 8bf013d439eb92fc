// Package xrdtest checks a generated XRD's schema the way the API server does
// (OpenAPI validation, list sets and maps, CEL rules including transition
// rules, and defaulting), so API tests can prove what a claim author would see
// without running an API server.
package xrdtest

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	xpv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/yaml"

	"github.com/google/go-cmp/cmp"
)

// Validator validates composites against one XRD's first version.
type Validator struct {
	structural *schema.Structural
	schema     validation.SchemaValidator
	cel        *cel.Validator
}

// Load reads the XRD at path.
func Load(t testing.TB, path string) *Validator {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x := &xpv1.CompositeResourceDefinition{}
	if err := yaml.Unmarshal(b, x); err != nil {
		t.Fatal(err)
	}
	v1 := &extv1.JSONSchemaProps{}
	if err := yaml.Unmarshal(x.Spec.Versions[0].Schema.OpenAPIV3Schema.Raw, v1); err != nil {
		t.Fatal(err)
	}
	return fromSchema(t, v1)
}

// LoadCRD reads the CustomResourceDefinition at path (its first version),
// for the provider's managed resources and configs.
func LoadCRD(t testing.TB, path string) *Validator {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crd := &extv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(b, crd); err != nil {
		t.Fatal(err)
	}
	return fromSchema(t, crd.Spec.Versions[0].Schema.OpenAPIV3Schema)
}

func fromSchema(t testing.TB, v1 *extv1.JSONSchemaProps) *Validator {
	t.Helper()
	in := &apiextensions.JSONSchemaProps{}
	if err := extv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, in, nil); err != nil {
		t.Fatal(err)
	}
	s, err := schema.NewStructural(in)
	if err != nil {
		t.Fatal(err)
	}
	compileRules(t, s, "")
	sv, _, err := validation.NewSchemaValidator(in)
	if err != nil {
		t.Fatal(err)
	}
	return &Validator{structural: s, schema: sv, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
}

// Default returns spec.parameters with the XRD's defaults applied.
func (v *Validator) Default(params map[string]any) map[string]any {
	obj := map[string]any{"spec": map[string]any{"parameters": params}}
	defaulting.Default(obj, v.structural)
	p, _ := obj["spec"].(map[string]any)["parameters"].(map[string]any)
	return p
}

// Validate defaults and validates spec.parameters of a new composite, or of
// an update from old when old is not nil.
func (v *Validator) Validate(params, old map[string]any) field.ErrorList {
	return v.validate(map[string]any{"spec": map[string]any{"parameters": params}}, old)
}

// ValidateSpec defaults and validates a new composite's whole spec (e.g. a
// namespaced composite's spec.writeConnectionSecretToRef beside its
// parameters).
func (v *Validator) ValidateSpec(spec map[string]any) field.ErrorList {
	return v.validate(map[string]any{"spec": spec}, nil)
}

func (v *Validator) validate(obj, old map[string]any) field.ErrorList {
	var o map[string]any
	if old != nil {
		o = map[string]any{"spec": map[string]any{"parameters": old}}
	}
	return v.ValidateObject(obj, o)
}

// ValidateObject defaults and validates a whole object as the API server
// does on create, or on an update from old when old is not nil: OpenAPI
// schema, list types, then CEL rules (transition rules see old).
func (v *Validator) ValidateObject(obj, old map[string]any) field.ErrorList {
	defaulting.Default(obj, v.structural)
	var oldObj any
	var errs field.ErrorList
	if old == nil {
		errs = validation.ValidateCustomResource(nil, obj, v.schema)
	} else {
		defaulting.Default(old, v.structural)
		oldObj = old
		errs = validation.ValidateCustomResourceUpdate(nil, obj, old, v.schema)
	}
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, v.structural, obj)...)
	celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, obj, oldObj, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

// staticCostLimit is the API server's limit on the estimated cost of one CEL
// rule (StaticEstimatedCostLimit in apiextensions' validation): a costlier
// rule makes the CRD, so the XRD, fail to establish.
const staticCostLimit = 10_000_000

// compileRules compiles every CEL rule of the schema as the API server does
// when the CRD is created, failing on a rule that does not compile or whose
// estimated cost is over the limit.
func compileRules(t testing.TB, s *schema.Structural, path string) {
	t.Helper()
	if len(s.XValidations) > 0 {
		env := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
		res, err := cel.Compile(s, model.SchemaDeclType(s, path == ""), celconfig.PerCallLimit, env, cel.NewExpressionsEnvLoader())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for i, r := range res {
			if r.Error != nil {
				t.Fatalf("%s: rule %q: %v", path, s.XValidations[i].Rule, r.Error)
			}
			if r.MaxCost > staticCostLimit {
				t.Fatalf("%s: rule %q: estimated cost %d is over the API server's limit %d", path, s.XValidations[i].Rule, r.MaxCost, staticCostLimit)
			}
		}
	}
	for name, p := range s.Properties {
		compileRules(t, &p, path+"."+name)
	}
	if s.Items != nil {
		compileRules(t, s.Items, path+"[*]")
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
		compileRules(t, s.AdditionalProperties.Structural, path+"[*]")
	}
}

// Case is one input of an agreement test.
type Case struct {
	// Params are spec.parameters, as a claim author writes them.
	Params map[string]any
	// Paths are the fields of Validate's errors; none means valid.
	Paths []string
}

// ValidateFunc decodes spec.parameters from JSON into the API type, applies
// its Default and returns its Validate.
type ValidateFunc func(params []byte) (field.ErrorList, error)

// Agree checks every case with the XRD (as the API server would) and with
// validate: both must accept or both reject, and validate's errors must name
// exactly the case's Paths.
func (v *Validator) Agree(t *testing.T, cases map[string]Case, validate ValidateFunc) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(tc.Params)
			if err != nil {
				t.Fatal(err)
			}
			goErrs, err := validate(b)
			if err != nil {
				t.Fatal(err)
			}
			xrdErrs := v.Validate(tc.Params, nil)
			if (len(xrdErrs) == 0) != (len(goErrs) == 0) {
				t.Fatalf("XRD and Validate disagree:\nXRD:      %v\nValidate: %v", xrdErrs.ToAggregate(), goErrs.ToAggregate())
			}
			got := make([]string, 0, len(goErrs))
			for _, e := range goErrs {
				got = append(got, e.Field)
			}
			want := slices.Clone(tc.Paths)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(want, got) {
				t.Errorf("Validate's error fields: want %q, got %q\nerrors: %v", want, got, goErrs.ToAggregate())
			}
		})
	}
}

// RoundTripFunc decodes JSON spec.parameters into the API type and encodes
// them again, after its Default when def is true. It clears what only Go
// defaults (a default the XRD cannot express, e.g. one that depends on
// another field).
type RoundTripFunc func(params []byte, def bool) ([]byte, error)

// DefaultsAgree checks that the XRD's defaults and the API type's Default
// give the same parameters for every case. Both sides go through the Go type,
// so that e.g. quantities compare in one form.
func (v *Validator) DefaultsAgree(t *testing.T, cases map[string]map[string]any, roundTrip RoundTripFunc) {
	t.Helper()
	decode := func(b []byte, def bool) map[string]any {
		t.Helper()
		out, err := roundTrip(b, def)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for name, params := range cases {
		t.Run(name, func(t *testing.T) {
			in, err := json.Marshal(params)
			if err != nil {
				t.Fatal(err)
			}
			fromXRD, err := json.Marshal(v.Default(params))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(decode(fromXRD, false), decode(in, true)); diff != "" {
				t.Errorf("XRD defaults -, Default +:\n%s", diff)
			}
		})
	}
}
