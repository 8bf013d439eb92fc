package compose

import (
	"context"
	"io"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
)

// Labels Crossplane sets on a claim-backed composite.
const (
	LabelClaimName      = "crossplane.io/claim-name"
	LabelClaimNamespace = "crossplane.io/claim-namespace"
)

func init() {
	// Typed Kubernetes objects must be known to the SDK's scheme so that
	// composed.From can set their apiVersion and kind.
	utilruntime.Must(clientgoscheme.AddToScheme(composed.Scheme))
}

// A Composer turns one kind of composite into desired composed resources.
type Composer interface {
	Compose(ctx context.Context, req *Request) (*Result, error)
}

// ComposerFunc lets an ordinary function be a Composer.
type ComposerFunc func(ctx context.Context, req *Request) (*Result, error)

// Compose calls f.
func (f ComposerFunc) Compose(ctx context.Context, req *Request) (*Result, error) {
	return f(ctx, req)
}

// Request is what a composer works from.
type Request struct {
	// Composite is the observed composite resource.
	Composite *composite.Unstructured

	// ClaimName and Namespace identify the tenant's object: the claim of a
	// LegacyCluster composite (labels crossplane.io/claim-name and
	// crossplane.io/claim-namespace), or a namespaced composite itself
	// (metadata.name and metadata.namespace). Every namespaced object a
	// composer returns goes into Namespace: Crossplane does not default it
	// for the composed resources of a LegacyCluster composite.
	ClaimName string
	Namespace string

	// Observed are the composed resources that exist, by composition resource name.
	Observed map[resource.Name]resource.ObservedComposed

	// Required are the resources Crossplane fetched because a previous call
	// asked for them, by requirement name.
	Required map[string][]resource.Required

	// Rand is the source of generated secrets. Tests make it deterministic.
	Rand io.Reader

	// Policy is what the platform admin allows the claim (the function
	// input), defaulted and validated.
	Policy fnv1alpha1.Policy

	// decoded caches ObservedInto's typed objects.
	decoded map[decodedKey]runtime.Object
}

// Namespaced reports whether the composite is a namespaced one (Crossplane
// v2's own flavour, no claim): then the tenant's object is the composite.
func (r *Request) Namespaced() bool { return r.Composite != nil && r.Composite.GetNamespace() != "" }

// ClaimKind returns the kind of the tenant's object in Namespace, named
// ClaimName: claim (the composer's claim kind) for a claim-backed composite,
// the composite's own kind for a namespaced one. Deletion protection (a
// Usage of it) and references between a tenant's objects (a restore's
// source) name this kind.
func (r *Request) ClaimKind(claim schema.GroupVersionKind) schema.GroupVersionKind {
	if r.Namespaced() {
		return r.Composite.GroupVersionKind()
	}
	return claim
}

// Subject names the tenant's object in messages on it: "this claim" for a
// claim-backed composite (conditions reach the claim), "this composite" for
// a namespaced one.
func (r *Request) Subject() string {
	if r.Namespaced() {
		return "this composite"
	}
	return "this claim"
}

// Field paths of ClaimName, for errors about what the name does to derived
// names.
const (
	FieldClaimName     = "metadata.labels[" + LabelClaimName + "]"
	FieldCompositeName = "metadata.name"
)

// ClaimNameField is the field path of ClaimName in the object Crossplane
// gives the function: the claim-name label of a claim-backed composite,
// metadata.name of a namespaced one.
func (r *Request) ClaimNameField() string {
	if r.Namespaced() {
		return FieldCompositeName
	}
	return FieldClaimName
}

// Result is what a composer wants.
type Result struct {
	// Resources are the desired composed resources, by composition resource name.
	Resources map[resource.Name]Desired

	// ConnectionDetails are published as the composite's (and claim's)
	// connection secret.
	ConnectionDetails map[string][]byte

	// Status is written to the composite's status. It must marshal to a JSON
	// object (usually the app's typed status struct).
	Status any

	// Conditions are set on the composite and its claim, in order.
	Conditions []Condition

	// Requirements ask Crossplane to fetch resources and call again.
	Requirements map[string]Requirement

	// Events are reported as results of the function run, in order.
	Events []Event
}

// Desired is one desired composed resource.
type Desired struct {
	// Object is a typed Kubernetes object with its TypeMeta set, or an
	// *unstructured.Unstructured.
	Object runtime.Object

	// Ready says whether the resource is ready. Crossplane detects nothing by
	// itself for function-composed resources: unspecified counts as not ready.
	Ready resource.Ready
}

// Condition is a condition on the composite and its claim.
type Condition struct {
	Type    string
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}

// Requirement asks Crossplane for one resource by name.
type Requirement struct {
	APIVersion string
	Kind       string
	// Namespace is empty for cluster scoped resources.
	Namespace string
	Name      string
}

// Severity of an Event.
type Severity string

// Event severities.
const (
	SeverityNormal  Severity = "Normal"
	SeverityWarning Severity = "Warning"
)

// Event is a message about this run, shown as a composite (and claim) event.
type Event struct {
	Severity Severity
	Reason   string
	Message  string
}

// NewResult returns an empty Result ready to be filled.
func NewResult() *Result {
	return &Result{
		Resources:         map[resource.Name]Desired{},
		ConnectionDetails: map[string][]byte{},
		Requirements:      map[string]Requirement{},
	}
}

// Add adds a desired resource.
func (r *Result) Add(name resource.Name, o runtime.Object, ready resource.Ready) {
	r.Resources[name] = Desired{Object: o, Ready: ready}
}

// SetCondition appends a condition, replacing an earlier one of the same type.
func (r *Result) SetCondition(c Condition) {
	for i := range r.Conditions {
		if r.Conditions[i].Type == c.Type {
			r.Conditions[i] = c
			return
		}
	}
	r.Conditions = append(r.Conditions, c)
}
