package controller_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/apis/provider"
	apisv1alpha1 "github.com/homeplane/homeplane/apis/v1alpha1"
	"github.com/homeplane/homeplane/internal/testservers"
	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
	"github.com/homeplane/homeplane/provider/internal/clients/dns/rfc2136"
	"github.com/homeplane/homeplane/provider/internal/controller/pcfg"
	"github.com/homeplane/homeplane/provider/internal/controller/recordset"
)

// The real crossplane-runtime managed reconciler, driven directly against a
// fake API client (no kube-apiserver here) and a real DNS server. The
// apiserver end to end lives with the e2e suite.

// stubManager gives NewReconciler the two things it asks a manager for.
type stubManager struct {
	manager.Manager
	c client.Client
	s *runtime.Scheme
}

func (m stubManager) GetClient() client.Client   { return m.c }
func (m stubManager) GetScheme() *runtime.Scheme { return m.s }

// counting wraps a backend client and counts DNS queries sent by Observe.
type counting struct {
	dnsc.Client
	queries *atomic.Int64
}

func (c counting) measure(f func()) {
	rc, ok := c.Client.(*rfc2136.Client)
	before := int64(0)
	if ok {
		before = rc.Queries()
	}
	f()
	if ok {
		c.queries.Add(rc.Queries() - before)
	}
}

func (c counting) Get(ctx context.Context, zone, fqdn string, t uint16) (s *dnsc.Set, err error) {
	c.measure(func() { s, err = c.Client.Get(ctx, zone, fqdn, t) })
	return s, err
}

func (c counting) Marker(ctx context.Context, zone, fqdn string, t uint16) (m []string, err error) {
	c.measure(func() { m, err = c.Client.Marker(ctx, zone, fqdn, t) })
	return m, err
}

func (c counting) Owns(ctx context.Context, zone, fqdn string, t uint16, o dnsc.Owner) (ours bool, err error) {
	c.measure(func() { ours, err = c.Client.Owns(ctx, zone, fqdn, t, o) })
	return ours, err
}

// observeCounter wraps the connector to count Observe calls.
type observeCounter struct {
	managed.TypedExternalConnector[*dnsv1alpha1.RecordSet]
	n *atomic.Int64
}

type countedExternal struct {
	managed.TypedExternalClient[*dnsv1alpha1.RecordSet]
	n *atomic.Int64
}

func (o observeCounter) Connect(ctx context.Context, cr *dnsv1alpha1.RecordSet) (managed.TypedExternalClient[*dnsv1alpha1.RecordSet], error) {
	e, err := o.TypedExternalConnector.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return countedExternal{e, o.n}, nil
}

func (c countedExternal) Observe(ctx context.Context, cr *dnsv1alpha1.RecordSet) (managed.ExternalObservation, error) {
	c.n.Add(1)
	return c.TypedExternalClient.Observe(ctx, cr)
}

type env struct {
	t        testing.TB
	backend  apisv1alpha1.BackendType
	kube     client.Client
	r        reconcile.Reconciler
	srv      *testservers.DNS
	queries  atomic.Int64
	observes atomic.Int64
}

const credNS = "crossplane-system"

func newEnv(t testing.TB, srv *testservers.DNS) *env {
	t.Helper()
	return newEnvFor(t, srv, apisv1alpha1.BackendRFC2136)
}

func newEnvFor(t testing.TB, srv *testservers.DNS, backend apisv1alpha1.BackendType) *env {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := provider.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientBuilder().WithScheme(s).
		WithStatusSubresource(&dnsv1alpha1.RecordSet{}, &apisv1alpha1.ClusterProviderConfig{}, &apisv1alpha1.ProviderConfig{}).
		Build()
	e := &env{t: t, kube: kube, srv: srv, backend: backend}
	e.config("default", e.goodCredential())
	conn := &recordset.Connector{
		Resolver: pcfg.NewResolver(kube),
		Wrap:     func(c dnsc.Client) dnsc.Client { return counting{c, &e.queries} },
	}
	e.r = managed.NewReconciler(stubManager{c: kube, s: s}, resource.ManagedKind(dnsv1alpha1.RecordSetGroupVersionKind),
		managed.WithTypedExternalConnector[*dnsv1alpha1.RecordSet](observeCounter{conn, &e.observes}),
		managed.WithInitializers(managed.InitializerFn(recordset.InitExternalName)),
		managed.WithDeterministicExternalName(true),
		managed.WithCreationGracePeriod(0), // as in recordset.Setup
		managed.WithManagementPolicies(),
		managed.WithPollInterval(time.Minute),
	)
	return e
}

func (e *env) goodCredential() string {
	if e.backend == apisv1alpha1.BackendPowerDNS {
		return e.srv.APIKey
	}
	return e.srv.Secret
}

// config creates a ClusterProviderConfig for the server with a TSIG secret
// (rfc2136) or an API key (powerdns).
func (e *env) config(name, cred string) {
	e.t.Helper()
	ctx := context.Background()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credNS, Name: "tsig-" + name},
		Data: map[string][]byte{"secret": []byte(cred)}}
	spec := apisv1alpha1.ProviderConfigSpec{Type: e.backend}
	switch e.backend {
	case apisv1alpha1.BackendPowerDNS:
		spec.PowerDNS = &apisv1alpha1.PowerDNSConfig{URL: e.srv.APIURL}
	default:
		spec.RFC2136 = &apisv1alpha1.RFC2136Config{Server: e.srv.Addr, TSIGKeyName: e.srv.KeyName, TSIGAlgorithm: "hmac-sha256"}
	}
	cpc := &apisv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: apisv1alpha1.ProviderConfigSpec{
			Type:     spec.Type,
			RFC2136:  spec.RFC2136,
			PowerDNS: spec.PowerDNS,
			Credentials: apisv1alpha1.ProviderCredentials{Source: xpv2.CredentialsSourceSecret,
				CommonCredentialSelectors: xpv2.CommonCredentialSelectors{SecretRef: &xpv2.SecretKeySelector{
					SecretReference: xpv2.SecretReference{Namespace: credNS, Name: "tsig-" + name}, Key: "secret"}}},
		},
	}
	for _, o := range []client.Object{sec, cpc} {
		if err := e.kube.Create(ctx, o); err != nil {
			e.t.Fatal(err)
		}
	}
}

func recordSet(ns, name, host string, recs ...string) *dnsv1alpha1.RecordSet {
	ttl := int64(300)
	return &dnsv1alpha1.RecordSet{
		// The fake client does not assign UIDs; usages are named after them.
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "-" + name)},
		Spec: dnsv1alpha1.RecordSetSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference: &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"},
				ManagementPolicies:      xpv2.ManagementPolicies{xpv2.ManagementActionAll},
			},
			ForProvider: dnsv1alpha1.RecordSetParameters{Zone: "", Name: host, Type: "A", TTL: &ttl, Records: recs},
		},
	}
}

func (e *env) create(rs *dnsv1alpha1.RecordSet) {
	e.t.Helper()
	if rs.Spec.ForProvider.Zone == "" {
		rs.Spec.ForProvider.Zone = e.srv.Zone
	}
	if err := e.kube.Create(context.Background(), rs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) get(key types.NamespacedName) *dnsv1alpha1.RecordSet {
	e.t.Helper()
	rs := &dnsv1alpha1.RecordSet{}
	if err := e.kube.Get(context.Background(), key, rs); err != nil {
		return nil
	}
	return rs
}

func (e *env) reconcile(key types.NamespacedName) {
	e.t.Helper()
	if _, err := e.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: key}); err != nil {
		e.t.Fatalf("reconcile %s: %v", key, err)
	}
}

// reconcileAll reconciles keys with `workers` goroutines.
func (e *env) reconcileAll(keys []types.NamespacedName, workers int) {
	ch := make(chan types.NamespacedName)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range ch {
				_, _ = e.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: k})
			}
		}()
	}
	for _, k := range keys {
		ch <- k
	}
	close(ch)
	wg.Wait()
}

func ready(rs *dnsv1alpha1.RecordSet) bool {
	return rs != nil && rs.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue &&
		rs.GetCondition(xpv2.TypeSynced).Status == corev1.ConditionTrue
}
