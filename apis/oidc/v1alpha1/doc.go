// Package v1alpha1 contains the oidc.homeplane.dev managed resource types.
// +kubebuilder:object:generate=true
// +groupName=oidc.homeplane.dev
// +versionName=v1alpha1
package v1alpha1
