package oidcclient

import (
	"context"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/homeplane/homeplane/apis/oidc/v1alpha1"
	"github.com/homeplane/homeplane/apis/provider"
	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

type stubManager struct {
	manager.Manager
	c client.Client
	s *runtime.Scheme
}

func (m stubManager) GetClient() client.Client   { return m.c }
func (m stubManager) GetScheme() *runtime.Scheme { return m.s }

// sharedConnector connects every resource to one backend through the
// admin's credentials (as a ClusterProviderConfig would).
type sharedConnector struct {
	idp  *memIDP
	kube client.Client
}

func (c sharedConnector) Connect(_ context.Context, cr *v1alpha1.OIDCClient) (managed.TypedExternalClient[*v1alpha1.OIDCClient], error) {
	e := external(c.idp, c.kube, cr, true)
	e.status = c.kube
	return e, nil
}

// unmarkableReconciler is crossplane-runtime's managed reconciler over a fake
// API client, connected through shared (ClusterProviderConfig) credentials
// to an in-memory backend that keeps no markers, as authentik.
func unmarkableReconciler() (client.Client, *memIDP, *managed.Reconciler) {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = provider.AddToScheme(s)
	kube := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(&v1alpha1.OIDCClient{}).Build()
	idp := &memIDP{clients: map[string]*oidc.Observed{}, noMarks: true}
	r := managed.NewReconciler(stubManager{c: kube, s: s}, resource.ManagedKind(v1alpha1.OIDCClientGroupVersionKind),
		managed.WithTypedExternalConnector[*v1alpha1.OIDCClient](sharedConnector{idp, kube}),
		managed.WithInitializers(),
		managed.WithManagementPolicies(),
		managed.WithCreationGracePeriod(0),
	)
	return kube, idp, r
}

// Through the real managed reconciler, which reverts status set in Create:
// a backend without markers (authentik) keeps working for the resource that
// created the client, and another tenant's forged connection secret gets
// nothing.
func TestUnmarkableBackendThroughReconciler(t *testing.T) {
	ctx := context.Background()
	kube, idp, r := unmarkableReconciler()
	rec := func(key types.NamespacedName) *v1alpha1.OIDCClient {
		t.Helper()
		for range 3 {
			if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: key}); err != nil {
				t.Fatalf("reconcile: %v", err)
			}
		}
		cr := &v1alpha1.OIDCClient{}
		if err := kube.Get(ctx, key, cr); err != nil {
			t.Fatal(err)
		}
		return cr
	}
	create := func(cr *v1alpha1.OIDCClient) types.NamespacedName {
		t.Helper()
		cr.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "shared"}
		cr.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionAll}
		if err := kube.Create(ctx, cr); err != nil {
			t.Fatal(err)
		}
		return types.NamespacedName{Namespace: cr.Namespace, Name: cr.Name}
	}
	secretOf := func(ns, name string) map[string][]byte {
		sec := &corev1.Secret{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sec); err != nil {
			t.Fatalf("secret %s/%s: %v", ns, name, err)
		}
		return sec.Data
	}

	a := rec(create(tenantClient("tenant-a", "web")))
	if c := a.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionTrue || a.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
		t.Fatalf("tenant-a: %+v", a.Status.Conditions)
	}
	aID := meta.GetExternalName(a)
	if a.Status.AtProvider.ClientID != aID || idp.clients[aID] == nil || idp.clients[aID].Spec.Owner != "" {
		t.Fatalf("tenant-a: status clientID %q, external name %q", a.Status.AtProvider.ClientID, aID)
	}
	if got := string(secretOf("tenant-a", "web-oidc")[oidc.KeyClientSecret]); got != idp.clients[aID].ClientSecret {
		t.Fatal("tenant-a's secret not published")
	}

	// tenant-b forges a connection secret that its resource controls.
	b := tenantClient("tenant-b", "web")
	meta.SetExternalName(b, aID)
	bKey := create(b)
	if err := kube.Get(ctx, bKey, b); err != nil {
		t.Fatal(err)
	}
	publish(t, kube, b, managed.ConnectionDetails{oidc.KeyClientID: []byte(aID), oidc.KeyID: []byte(idp.clients[aID].ID)})
	b = rec(bKey)
	if c := b.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, oidc.ErrUnmarked.Error()) {
		t.Fatalf("tenant-b with a forged secret: Synced %s %q", c.Status, c.Message)
	}
	if _, ok := secretOf("tenant-b", "web-oidc")[oidc.KeyClientSecret]; ok {
		t.Fatal("tenant-a's client secret published to tenant-b")
	}
	if len(idp.clients) != 1 {
		t.Fatalf("%d clients at the backend", len(idp.clients))
	}
}

// Through the real managed reconciler: a resource whose external name was
// lost after Create (the runtime could not store it, so published no
// connection Secret either, and the user removed external-create-pending as
// its message says) gets it back from status and keeps its one client.
func TestLostExternalNameThroughReconciler(t *testing.T) {
	ctx := context.Background()
	kube, idp, r := unmarkableReconciler()
	cr := tenantClient("tenant-a", "web")
	cr.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionAll}
	if err := kube.Create(ctx, cr); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: cr.Namespace, Name: cr.Name}
	rec := func() *v1alpha1.OIDCClient {
		t.Helper()
		for range 3 {
			if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: key}); err != nil {
				t.Fatalf("reconcile: %v", err)
			}
		}
		got := &v1alpha1.OIDCClient{}
		if err := kube.Get(ctx, key, got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	cr = rec()
	id := meta.GetExternalName(cr)
	if id == "" || cr.Status.AtProvider.ClientID != id || len(idp.clients) != 1 {
		t.Fatalf("after create: external name %q, status %q, %d clients", id, cr.Status.AtProvider.ClientID, len(idp.clients))
	}
	a := cr.GetAnnotations()
	delete(a, meta.AnnotationKeyExternalName)
	delete(a, meta.AnnotationKeyExternalCreatePending)
	cr.SetAnnotations(a)
	if err := kube.Update(ctx, cr); err != nil {
		t.Fatal(err)
	}
	// The runtime publishes the connection Secret only after the external
	// name is stored: there is none either.
	sec := &corev1.Secret{}
	sec.Namespace, sec.Name = cr.Namespace, cr.Spec.WriteConnectionSecretToReference.Name
	if err := kube.Delete(ctx, sec); err != nil {
		t.Fatal(err)
	}
	cr = rec()
	if got := meta.GetExternalName(cr); got != id {
		t.Fatalf("external name %q after reconciling, want %q back", got, id)
	}
	if len(idp.clients) != 1 {
		t.Fatalf("%d clients at the backend, want the one", len(idp.clients))
	}
	if c := cr.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		t.Fatalf("Ready: %+v", c)
	}
}
