// Package v1alpha1 contains the dns.homeplane.dev managed resource types.
// +kubebuilder:object:generate=true
// +groupName=dns.homeplane.dev
// +versionName=v1alpha1
package v1alpha1
