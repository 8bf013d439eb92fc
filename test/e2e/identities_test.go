//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/homeplane/homeplane/internal/testservers"
)

// Crossplane's identities in a real install: the ServiceAccounts its Helm
// chart creates for core and for the RBAC manager.
const (
	coreServiceAccount        = "crossplane"
	rbacManagerServiceAccount = "rbac-manager"
)

// installCrossplaneRBAC renders Crossplane's own Helm chart (in core's
// module, the version e2e runs) with its default values, as `helm install
// crossplane --namespace crossplane-system` would, applies its
// ServiceAccounts, ClusterRoles and bindings, and returns kubeconfigs for
// core's and the RBAC manager's ServiceAccounts. Core then has the chart's
// roles, what the RBAC manager aggregates into them for each XRD, and what
// package/rbac adds; a verb missing there fails e2e as it fails a user.
func installCrossplaneRBAC(ctx context.Context, cp *testservers.ControlPlane, coreDir string) (testservers.CrossplaneIdentities, error) {
	var ids testservers.CrossplaneIdentities
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: crossplaneNamespace}}
	if err := cp.Client.Create(ctx, ns); err != nil && !isAlreadyExists(err) {
		return ids, err
	}
	ch, err := loader.Load(filepath.Join(coreDir, "cluster", "charts", "crossplane"))
	if err != nil {
		return ids, fmt.Errorf("cannot load Crossplane's chart: %w", err)
	}
	vals, err := chartutil.ToRenderValues(ch, map[string]any{},
		chartutil.ReleaseOptions{Name: "crossplane", Namespace: crossplaneNamespace, IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		return ids, err
	}
	files, err := engine.Render(ch, vals)
	if err != nil {
		return ids, fmt.Errorf("cannot render Crossplane's chart: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	kinds := []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
	applied := 0
	for _, n := range names {
		if !strings.HasSuffix(n, ".yaml") {
			continue
		}
		objs, err := decodeObjects([]byte(files[n]))
		if err != nil {
			return ids, fmt.Errorf("%s: %w", n, err)
		}
		for _, o := range objs {
			if !slices.Contains(kinds, o.GetKind()) {
				continue
			}
			if err := apply(ctx, cp.Client, o); err != nil {
				return ids, fmt.Errorf("%s %s from %s: %w", o.GetKind(), o.GetName(), n, err)
			}
			applied++
		}
	}
	if applied == 0 {
		return ids, fmt.Errorf("Crossplane's chart rendered no RBAC objects")
	}
	if ids.Core, err = cp.KubeconfigFor(ctx, crossplaneNamespace, coreServiceAccount); err != nil {
		return ids, err
	}
	if ids.RBACManager, err = cp.KubeconfigFor(ctx, crossplaneNamespace, rbacManagerServiceAccount); err != nil {
		return ids, err
	}
	return ids, nil
}

// providerIdentity plays the part of Crossplane's Deployment runtime that
// gives a provider its identity: a ServiceAccount named after the revision
// and a Deployment controlled by the revision that runs as it (no replicas:
// the provider runs as a local process). The real RBAC manager then binds
// the revision's system ClusterRole to that ServiceAccount; once it has,
// providerIdentity returns a kubeconfig for it, else "" to be asked again.
func providerIdentity(ctx context.Context, cp *testservers.ControlPlane, rev *unstructured.Unstructured) (string, error) {
	c, name := cp.Client, rev.GetName()
	labels := map[string]string{"pkg.crossplane.io/revision": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: crossplaneNamespace, Name: name, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: rev.GetAPIVersion(), Kind: rev.GetKind(), Name: name, UID: rev.GetUID(), Controller: ptr.To(true),
		}}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{ServiceAccountName: name, Containers: []corev1.Container{{
					Name: "package-runtime", Image: "runs-outside-the-cluster.invalid/provider",
				}}},
			},
		},
	}
	if err := c.Create(ctx, d); err != nil && !isAlreadyExists(err) {
		return "", fmt.Errorf("cannot create the provider's Deployment: %w", err)
	}
	crb := &rbacv1.ClusterRoleBinding{}
	if err := c.Get(ctx, client.ObjectKey{Name: "crossplane:provider:" + name + ":system"}, crb); err != nil {
		return "", client.IgnoreNotFound(err)
	}
	if !slices.ContainsFunc(crb.Subjects, func(s rbacv1.Subject) bool { return s.Namespace == crossplaneNamespace && s.Name == name }) {
		return "", nil
	}
	return cp.KubeconfigFor(ctx, crossplaneNamespace, name)
}
