package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
)

// Resources are the compute resources of an app's main container: only CPU
// and memory, because that is what an app team sizes. Each app defaults them
// to what its upstream documents.
type Resources struct {
	// Requests are what the scheduler reserves for the container.
	// +optional
	Requests *ResourceList `json:"requests,omitempty"`

	// Limits are the most the container may use.
	// +optional
	Limits *ResourceList `json:"limits,omitempty"`
}

// ResourceList is an amount of CPU and memory.
type ResourceList struct {
	// CPU in cores, e.g. 1800m or 2.
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty"`

	// Memory in bytes, e.g. 2Gi.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
}
