// Package v1alpha1 holds the XCollabora composite (claim Collabora) of group office.homeplane.dev.
// +kubebuilder:object:generate=true
// +groupName=office.homeplane.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Group and version of this package's kinds.
const (
	Group   = "office.homeplane.dev"
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
