// Package v1alpha1 holds Input, the function input of group fn.homeplane.dev:
// the platform admin's policy for the claims a Composition serves.
// +kubebuilder:object:generate=true
// +groupName=fn.homeplane.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Group and version of this package's kinds.
const (
	Group   = "fn.homeplane.dev"
	Version = "v1alpha1"
)

var (
	// GroupVersion is the API group and version of this package.
	GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

	// SchemeBuilder registers this package's kinds with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's kinds to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func init() {
	SchemeBuilder.Register(&Input{})
}
