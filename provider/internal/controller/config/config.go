// Package config reconciles ProviderConfigs and ClusterProviderConfigs by
// counting the ProviderConfigUsages that point at them.
package config

import (
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/apis/v1alpha1"
)

// Setup adds the ProviderConfig and ClusterProviderConfig controllers.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	// Both kinds are counted from the one namespaced usage kind; the usage's
	// kind label tells them apart.
	usage := resource.ProviderConfigKinds{
		Usage:     v1alpha1.ProviderConfigUsageGroupVersionKind,
		UsageList: v1alpha1.ProviderConfigUsageListGroupVersionKind,
	}
	for _, c := range []struct {
		gk, kind string
		cfg      resource.ProviderConfigKinds
		obj      client.Object
	}{
		{v1alpha1.ProviderConfigGroupKind, v1alpha1.ProviderConfigKind, kinds(usage, v1alpha1.ProviderConfigGroupVersionKind.Kind), &v1alpha1.ProviderConfig{}},
		{v1alpha1.ClusterProviderConfigGroupKind, v1alpha1.ClusterProviderConfigKind, kinds(usage, v1alpha1.ClusterProviderConfigGroupVersionKind.Kind), &v1alpha1.ClusterProviderConfig{}},
	} {
		name := providerconfig.ControllerName(c.gk)
		r := providerconfig.NewReconciler(mgr, c.cfg,
			providerconfig.WithLogger(o.Logger.WithValues("controller", name)),
			providerconfig.WithRecorder(event.NewAPIRecorder(mgr.GetEventRecorderFor(name)))) //nolint:staticcheck // as provider-template
		err := ctrl.NewControllerManagedBy(mgr).
			Named(name).
			WithOptions(o.ForControllerRuntime()).
			For(c.obj).
			Watches(&v1alpha1.ProviderConfigUsage{}, &resource.EnqueueRequestForProviderConfig{Kind: c.kind}).
			Complete(ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter))
		if err != nil {
			return err
		}
	}
	return nil
}

func kinds(k resource.ProviderConfigKinds, kind string) resource.ProviderConfigKinds {
	k.Config = v1alpha1.SchemeGroupVersion.WithKind(kind)
	return k
}
