package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
)

// Resources are the compute resources of an app's main container: only CPU
// and memory, because that is what an app team sizes. Each app defaults them
// to what its upstream documents. No amount may be negative and no request
// may exceed its limit (the API server's rule for a container).
// +kubebuilder:validation:XValidation:rule="!has(self.requests) || !has(self.limits) || !has(self.requests.cpu) || !has(self.limits.cpu) || !isQuantity(string(self.requests.cpu)) || !isQuantity(string(self.limits.cpu)) || quantity(string(self.requests.cpu)).compareTo(quantity(string(self.limits.cpu))) <= 0",message="requests.cpu must be less than or equal to limits.cpu"
// +kubebuilder:validation:XValidation:rule="!has(self.requests) || !has(self.limits) || !has(self.requests.memory) || !has(self.limits.memory) || !isQuantity(string(self.requests.memory)) || !isQuantity(string(self.limits.memory)) || quantity(string(self.requests.memory)).compareTo(quantity(string(self.limits.memory))) <= 0",message="requests.memory must be less than or equal to limits.memory"
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
	// CPU in cores, e.g. 1800m or 2; not negative.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!isQuantity(string(self)) || !quantity(string(self)).isLessThan(quantity('0'))",message="cpu must not be negative"
	CPU *resource.Quantity `json:"cpu,omitempty"`

	// Memory in bytes, e.g. 2Gi; not negative.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!isQuantity(string(self)) || !quantity(string(self)).isLessThan(quantity('0'))",message="memory must not be negative"
	Memory *resource.Quantity `json:"memory,omitempty"`
}
