// Package function implements Crossplane's RunFunction API for Homeplane. It
// dispatches each request to the composer of the composite's kind and turns
// the composer's typed result into a RunFunctionResponse.
package function

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	apiextensionsv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/types/known/durationpb"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Error strings.
const (
	errObservedXR    = "cannot get observed composite resource"
	errObservedRes   = "cannot get observed composed resources"
	errRequiredRes   = "cannot get required resources"
	errInput         = "cannot read the function input (the Composition's pipeline step)"
	errInvalidInput  = "invalid function input (the Composition's pipeline step): %s"
	errClusterPolicy = "invalid cluster policy (EnvironmentConfig %s): %s"
	errDesiredXR     = "cannot get desired composite resource"
	errDesiredRes    = "cannot get desired composed resources"
	errUnknownKind   = "unsupported composite kind %s: Homeplane composes %s"
	errUnknownVer    = "unsupported version %s of %s: Homeplane serves %s"
	errNoClaim       = "%s %q has no claim: Homeplane composites are created through a claim (label %s is missing)"
	errNoNamespace   = "%s %q has no metadata.namespace: its XRD must have scope Namespaced (apiextensions.crossplane.io/v2)"
	errConnSecret    = "invalid %s %q: %s"
	errInvalidXR     = "invalid %s %q"
	errConnClash     = "invalid %s %q: %s.name %q is already composed as %s; name another Secret"
	errCompose       = "cannot compose %s %q"
	errConvert       = "cannot convert desired resource %q"
	errStatus        = "cannot set status of %s %q"
	errSetDesired    = "cannot set desired resources"
	errSetDesiredXR  = "cannot set desired composite resource"
)

// Function composes Homeplane composites.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log       logging.Logger
	composers map[schema.GroupKind]Registration
	rand      io.Reader
}

// Registration ties a composite kind and version to its composer.
type Registration struct {
	Version  string
	Composer compose.Composer
	// Namespaced is true for a namespaced composite (an
	// apiextensions.crossplane.io/v2 XRD, scope Namespaced): its namespace is
	// its own, and its connection details become a composed Secret. False is
	// a LegacyCluster composite, whose namespace is its claim's.
	Namespaced bool
}

// ResourceConnectionSecret is the composition resource name of a namespaced
// composite's connection Secret.
const ResourceConnectionSecret = "connection-secret"

// Option configures a Function.
type Option func(*Function)

// WithComposer registers (or replaces) the composer for a LegacyCluster
// composite kind, created through its claim.
func WithComposer(gvk schema.GroupVersionKind, c compose.Composer) Option {
	return func(f *Function) {
		f.composers[gvk.GroupKind()] = Registration{Version: gvk.Version, Composer: c}
	}
}

// WithNamespacedComposer registers (or replaces) the composer for a
// namespaced composite kind.
func WithNamespacedComposer(gvk schema.GroupVersionKind, c compose.Composer) Option {
	return func(f *Function) {
		f.composers[gvk.GroupKind()] = Registration{Version: gvk.Version, Composer: c, Namespaced: true}
	}
}

// WithRand sets the source of generated secrets. Tests use a fixed one.
func WithRand(r io.Reader) Option {
	return func(f *Function) { f.rand = r }
}

// WithoutComposers drops every registered composer, for tests.
func WithoutComposers() Option {
	return func(f *Function) { f.composers = map[schema.GroupKind]Registration{} }
}

// New returns a Function with Homeplane's composers registered.
func New(log logging.Logger, o ...Option) *Function {
	f := &Function{log: log, composers: map[schema.GroupKind]Registration{}, rand: rand.Reader}
	for _, a := range Apps() {
		WithComposer(a.Kind, a.Composer)(f)
		WithNamespacedComposer(a.Namespaced, a.Composer)(f)
	}
	for _, fn := range o {
		fn(f)
	}
	return f
}

// ResponseTTL is how long a response stays good. With realtime compositions
// (Crossplane v2's default) the composite is reconciled again after the
// shortest TTL of its pipeline, and on every change to the composite, its
// composed resources and its required resources, which Crossplane watches.
// A response depends on nothing else (generated secrets are read back from
// the observed state), so the TTL only bounds how late a missed watch event
// is caught. make scale measured the price of function-sdk-go's default of
// one minute: 62 calls and 2.4 CPU seconds (core and function) per idle
// claim-hour at 100 claims; ten minutes cuts both about tenfold.
const ResponseTTL = 10 * time.Minute

// CircuitOpenTTL replaces ResponseTTL while Crossplane's watch circuit
// breaker for the composite has just opened (its Responsive condition
// False, reason WatchCircuitOpen: more watch events than the breaker's
// token bucket allows, e.g. a tenant editing a claim while its Deployment
// rolls out). For its cooldown (5 minutes by default) the breaker drops
// watch events, the composite's own included, letting one through every
// 30 s, so the TTL is what catches a change made meanwhile: 30 s rather
// than 10 minutes.
const CircuitOpenTTL = 30 * time.Second

// CircuitOpenWindow is how long after the breaker opened (the condition's
// lastTransitionTime) CircuitOpenTTL applies: Crossplane core's default
// cooldown of 5 minutes and one 30 s probe interval. After it every event
// gets through, but the condition stays until one arrives (requeues are not
// events), so a quiet composite would otherwise keep the short TTL for as
// long as nothing changes.
const CircuitOpenWindow = 5*time.Minute + 30*time.Second

// responseTTL is CircuitOpenTTL while the composite's watch circuit opened
// less than CircuitOpenWindow before now (Crossplane sets the condition
// before it runs the pipeline), else ResponseTTL.
func responseTTL(xr *resource.Composite, now time.Time) time.Duration {
	c := xr.Resource.GetCondition(apiextensionsv1.TypeResponsive)
	if c.Status == corev1.ConditionFalse && c.Reason == apiextensionsv1.ReasonWatchCircuitOpen &&
		now.Sub(c.LastTransitionTime.Time) < CircuitOpenWindow {
		return CircuitOpenTTL
	}
	return ResponseTTL
}

// RunFunction runs the Function.
func (f *Function) RunFunction(ctx context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, ResponseTTL)

	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, errObservedXR))
		return rsp, nil
	}
	rsp.Meta.Ttl = durationpb.New(responseTTL(oxr, time.Now()))
	gvk := oxr.Resource.GroupVersionKind()
	name := oxr.Resource.GetName()
	log := f.log.WithValues("kind", gvk.Kind, "name", name)

	reg, ok := f.composers[gvk.GroupKind()]
	if !ok {
		response.Fatal(rsp, errors.Errorf(errUnknownKind, gvk.GroupKind(), f.kinds()))
		return rsp, nil
	}
	if gvk.Version != reg.Version {
		response.Fatal(rsp, errors.Errorf(errUnknownVer, gvk.Version, gvk.GroupKind(), reg.Version))
		return rsp, nil
	}

	ns, claim, err := tenant(reg, oxr.Resource)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	var connSecret string
	if reg.Namespaced {
		if connSecret, err = connectionSecretName(oxr.Resource); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}

	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, errObservedRes))
		return rsp, nil
	}
	required, err := request.GetRequiredResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, errRequiredRes))
		return rsp, nil
	}

	requirePolicy(rsp)
	policy, err := input(req, required)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	res, err := reg.Composer.Compose(ctx, &compose.Request{
		Policy:    policy,
		Composite: oxr.Resource,
		ClaimName: claim,
		Namespace: ns,
		Observed:  observed,
		Required:  required,
		Rand:      f.rand,
	})
	if err != nil {
		// Only the error is logged: composers never put secret values in errors.
		log.Info("Cannot compose", "error", err)
		response.Fatal(rsp, errors.Wrapf(err, errCompose, gvk.Kind, name))
		return rsp, nil
	}

	if reg.Namespaced {
		if err := addConnectionSecret(res, oxr.Resource, ns, connSecret); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	if err := f.apply(req, rsp, res); err != nil {
		response.Fatal(rsp, errors.Wrapf(err, errCompose, gvk.Kind, name))
		return rsp, nil
	}
	log.Debug("Composed", "resources", len(res.Resources), "requirements", len(res.Requirements))
	return rsp, nil
}

// The cluster policy: a cluster-scoped Crossplane EnvironmentConfig whose
// data.policy is a fnv1alpha1.Policy. Tenants cannot create it, and they
// cannot pick another one, unlike a Composition (claims may select any
// Composition of their kind, and pin a revision).
const (
	RequirementPolicy = "homeplane-policy"
	PolicyName        = "homeplane-policy"
	policyAPIVersion  = "apiextensions.crossplane.io/v1beta1"
	policyKind        = "EnvironmentConfig"
)

// input returns the platform admin's policy, defaulted: the cluster policy
// when it exists (it binds every claim, whichever Composition it selects),
// else the Composition's function input, else the safe defaults.
func input(req *fnv1.RunFunctionRequest, required map[string][]resource.Required) (fnv1alpha1.Policy, error) {
	in := &fnv1alpha1.Input{}
	if rs := required[RequirementPolicy]; len(rs) > 0 && rs[0].Resource != nil {
		p, found, err := unstructured.NestedMap(rs[0].Resource.Object, "data", "policy")
		if err != nil || !found {
			return fnv1alpha1.Policy{}, errors.Errorf(errClusterPolicy, PolicyName, "data.policy must be an object")
		}
		b, err := json.Marshal(p)
		if err != nil {
			return fnv1alpha1.Policy{}, errors.Wrapf(err, errClusterPolicy, PolicyName, "cannot encode data.policy")
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		// A misspelt knob must not silently fall back to a default.
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in.Policy); err != nil {
			return fnv1alpha1.Policy{}, errors.Errorf(errClusterPolicy, PolicyName, err.Error())
		}
	} else if req.GetInput() != nil {
		if err := request.GetInput(req, in); err != nil {
			return fnv1alpha1.Policy{}, errors.Wrap(err, errInput)
		}
		if gvk := in.GroupVersionKind(); gvk.GroupVersion() != fnv1alpha1.GroupVersion || gvk.Kind != "Input" {
			return fnv1alpha1.Policy{}, errors.Errorf(errInvalidInput, fmt.Sprintf("apiVersion %q and kind %q: want %s Input", in.APIVersion, in.Kind, fnv1alpha1.GroupVersion))
		}
	}
	in.Default()
	if errs := in.Validate(); len(errs) > 0 {
		return fnv1alpha1.Policy{}, errors.Errorf(errInvalidInput, errs.ToAggregate().Error())
	}
	return in.Policy, nil
}

// requirePolicy asks Crossplane for the cluster policy, on every response:
// Crossplane only fetches what the latest response asks for, and calls the
// function again with it before anything is applied.
func requirePolicy(rsp *fnv1.RunFunctionResponse) {
	if rsp.Requirements == nil {
		rsp.Requirements = &fnv1.Requirements{}
	}
	if rsp.Requirements.Resources == nil {
		rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
	}
	rsp.Requirements.Resources[RequirementPolicy] = &fnv1.ResourceSelector{
		ApiVersion: policyAPIVersion,
		Kind:       policyKind,
		Match:      &fnv1.ResourceSelector_MatchName{MatchName: PolicyName},
	}
}

// apply writes a composer's result into the response.
func (f *Function) apply(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, res *compose.Result) error {
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		return errors.Wrap(err, errDesiredRes)
	}
	for n, d := range res.Resources {
		// apiVersion and kind from the scheme, as composed.From sets them;
		// the conversion is ours (compose.ToUnstructured says why).
		if gvks, _, err := composed.Scheme.ObjectKinds(d.Object); err == nil && len(gvks) > 0 {
			d.Object.GetObjectKind().SetGroupVersionKind(gvks[0])
		}
		m, err := compose.ToUnstructured(d.Object)
		if err != nil {
			return errors.Wrapf(err, errConvert, n)
		}
		cd := &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: m}}
		ready := d.Ready
		if ready == "" {
			ready = resource.ReadyUnspecified
		}
		desired[n] = &resource.DesiredComposed{Resource: cd, Ready: ready}
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		return errors.Wrap(err, errSetDesired)
	}

	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return errors.Wrap(err, errDesiredXR)
	}
	if res.Status != nil {
		st, err := toMap(res.Status)
		if err != nil {
			return errors.Wrapf(err, errStatus, dxr.Resource.GetKind(), dxr.Resource.GetName())
		}
		for k, v := range st {
			if err := dxr.Resource.SetValue("status."+k, v); err != nil {
				return errors.Wrapf(err, errStatus, dxr.Resource.GetKind(), dxr.Resource.GetName())
			}
		}
	}
	if dxr.ConnectionDetails == nil {
		dxr.ConnectionDetails = resource.ConnectionDetails{}
	}
	for k, v := range res.ConnectionDetails {
		dxr.ConnectionDetails[k] = v
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		return errors.Wrap(err, errSetDesiredXR)
	}

	for _, c := range res.Conditions {
		var co *response.ConditionOption
		switch c.Status {
		case "True":
			co = response.ConditionTrue(rsp, c.Type, c.Reason)
		case "False":
			co = response.ConditionFalse(rsp, c.Type, c.Reason)
		default:
			co = response.ConditionUnknown(rsp, c.Type, c.Reason)
		}
		co.TargetCompositeAndClaim()
		if c.Message != "" {
			co.WithMessage(c.Message)
		}
	}
	for _, e := range res.Events {
		var ro *response.ResultOption
		if e.Severity == compose.SeverityWarning {
			ro = response.Warning(rsp, errors.New(e.Message))
		} else {
			ro = response.Normal(rsp, e.Message)
		}
		ro.TargetCompositeAndClaim()
		if e.Reason != "" {
			ro.WithReason(e.Reason)
		}
	}
	for n, r := range res.Requirements {
		if rsp.Requirements == nil {
			rsp.Requirements = &fnv1.Requirements{}
		}
		if rsp.Requirements.Resources == nil {
			rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
		}
		sel := &fnv1.ResourceSelector{
			ApiVersion: r.APIVersion,
			Kind:       r.Kind,
			Match:      &fnv1.ResourceSelector_MatchName{MatchName: r.Name},
		}
		if r.Namespace != "" {
			ns := r.Namespace
			sel.Namespace = &ns
		}
		rsp.Requirements.Resources[n] = sel
	}
	return nil
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("status must be a JSON object: %w", err)
	}
	return m, nil
}

// kinds lists the registered kinds for error messages, sorted.
func (f *Function) kinds() string {
	ks := make([]string, 0, len(f.composers))
	for gk := range f.composers {
		ks = append(ks, gk.String())
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "no kinds"
	}
	return strings.Join(ks, ", ")
}
