// Package v1alpha1 contains the homeplane.dev provider configuration types:
// ProviderConfig, ClusterProviderConfig and their usages.
// +kubebuilder:object:generate=true
// +groupName=homeplane.dev
// +versionName=v1alpha1
package v1alpha1
