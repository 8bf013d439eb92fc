// Package v1alpha1 holds the XMatrixServer composite (claim MatrixServer) of group matrix.homeplane.dev.
// +kubebuilder:object:generate=true
// +groupName=matrix.homeplane.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Group and version of this package's kinds.
const (
	Group   = "matrix.homeplane.dev"
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
