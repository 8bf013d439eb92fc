// Package provider aggregates the API groups served by the homeplane provider.
package provider

import (
	"k8s.io/apimachinery/pkg/runtime"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	oidcv1alpha1 "github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	v1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
)

// AddToScheme adds every provider API group to s.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		v1alpha1.AddToScheme, dnsv1alpha1.AddToScheme, oidcv1alpha1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}
