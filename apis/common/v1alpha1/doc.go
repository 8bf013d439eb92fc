// Package v1alpha1 holds the types that every Homeplane composite shares:
// how an app is routed (Ingress or Gateway API), its TLS issuer and its DNS
// record. It defines no kinds of its own.
// +kubebuilder:object:generate=true
package v1alpha1
