//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/internal/testservers"
)

// The namespaced flavour: package/configuration-namespaced, installed beside
// the claims' Configuration (both at once, as README allows), and the same
// outcomes as for claims from namespaced composites created directly in the
// tenant's namespace.

const (
	namespacedConfiguration = "homeplane-namespaced"
	// namespacedXpkg is `make xpkg`'s file for package/configuration-namespaced
	// (pushed as configuration-namespaced; the file name keeps it out of
	// xpkgFiles' *configuration* glob).
	namespacedXpkg = "namespaced.xpkg"
)

// The XRDs the namespaced Configuration installs (apiextensions.crossplane.io/v2).
var namespacedXRDs = []string{
	"postgresqls.database.ns.homeplane.dev",
	"matrixservers.matrix.ns.homeplane.dev",
	"collaboras.office.ns.homeplane.dev",
}

// installNamespacedConfiguration pushes the namespaced Configuration to the
// loopback registry and installs it, once the claims' Configuration and its
// dependencies are installed (installPackages). `make e2e` gives the package
// in E2E_XPKG_DIR; else it is built from package/configuration-namespaced.
func installNamespacedConfiguration(ctx context.Context, c client.Client, crossplaneCLI, registryAddr string) error {
	start := time.Now()
	var f string
	if dir := os.Getenv("E2E_XPKG_DIR"); dir != "" {
		f = filepath.Join(dir, namespacedXpkg)
	} else {
		dir := filepath.Join(workDir, "xpkg")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		f = filepath.Join(dir, namespacedXpkg)
		if _, err := testservers.Output(ctx, nil, crossplaneCLI, "xpkg", "build",
			"--package-root="+filepath.Join(repoRoot, "package", "configuration-namespaced"),
			"--examples-root="+filepath.Join(dir, "no-examples"),
			"-o", f); err != nil {
			return fmt.Errorf("cannot build the namespaced Configuration: %w", err)
		}
	}
	version := packageVersion()
	ref := fmt.Sprintf("%s/homeplane/configuration-namespaced:%s", registryAddr, version)
	if _, err := testservers.Output(ctx, []string{"DOCKER_CONFIG=" + filepath.Join(workDir, "docker")}, crossplaneCLI, "xpkg", "push", "-f", f, ref); err != nil {
		return fmt.Errorf("cannot push the namespaced Configuration: %w", err)
	}
	cfg := obj("pkg.crossplane.io/v1", "Configuration", "", namespacedConfiguration, map[string]any{
		"package": pkgPrefix + "configuration-namespaced:" + version,
	})
	if err := c.Create(ctx, cfg); err != nil {
		return fmt.Errorf("cannot install the namespaced Configuration: %w", err)
	}
	if err := waitPackageHealthy(ctx, c, "Configuration", namespacedConfiguration); err != nil {
		return err
	}
	for _, xrd := range namespacedXRDs {
		if err := waitXRDEstablished(ctx, c, xrd); err != nil {
			return err
		}
	}
	phase("namespaced configuration installed", start)
	return nil
}

// waitXRDEstablished waits until a v2 XRD's composite kind is served (no
// claims, so no Offered condition).
func waitXRDEstablished(ctx context.Context, c client.Client, name string) error {
	return poll(ctx, 2*time.Minute, "XRD "+name+" established", func() (bool, string, error) {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("apiextensions.crossplane.io/v2")
		u.SetKind("CompositeResourceDefinition")
		if err := c.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
			return false, "", err
		}
		e := condition(u, "Established")
		return e.Status == "True", "Established=" + e.Status + " " + e.Message, nil
	})
}

// composedBy lists the objects of a kind that Crossplane composed for a
// namespaced composite, in its namespace (Crossplane labels them
// crossplane.io/composite=<name>).
func composedBy(ctx context.Context, xr *unstructured.Unstructured, gvk schema.GroupVersionKind) ([]unstructured.Unstructured, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err := env.c.List(ctx, l, client.InNamespace(xr.GetNamespace()), client.MatchingLabels{"crossplane.io/composite": xr.GetName()}); err != nil {
		return nil, err
	}
	sort.Slice(l.Items, func(i, j int) bool { return l.Items[i].GetName() < l.Items[j].GetName() })
	return l.Items, nil
}

// waitComposedBy waits until at least n objects of a kind exist for a
// namespaced composite, in its namespace.
func waitComposedBy(t *testing.T, xr *unstructured.Unstructured, gvk schema.GroupVersionKind, n int) []unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	var items []unstructured.Unstructured
	err := poll(ctx, 90*time.Second, fmt.Sprintf("%d %s composed for %s %s/%s", n, gvk.Kind, xr.GetKind(), xr.GetNamespace(), xr.GetName()), func() (bool, string, error) {
		var err error
		if items, err = composedBy(ctx, xr, gvk); err != nil {
			return false, "", err
		}
		state := fmt.Sprintf("%d so far", len(items))
		if cur, _ := get(ctx, xr); cur != nil {
			state += "; composite: " + describeConditions(cur)
		}
		return len(items) >= n, state, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// waitSecretKey waits until Secret name in ns has key with value want
// (any non-empty value when want is empty) and returns its data.
func waitSecretKey(t *testing.T, ns, name, key, want string) map[string][]byte {
	t.Helper()
	var data map[string][]byte
	err := poll(context.Background(), 60*time.Second, fmt.Sprintf("Secret %s/%s has %s", ns, name, key), func() (bool, string, error) {
		var err error
		data, err = secretData(context.Background(), ns, name)
		if apierrors.IsNotFound(err) {
			return false, "not found", nil
		}
		if err != nil {
			return false, "", err
		}
		v := string(data[key])
		return v != "" && (want == "" || v == want), fmt.Sprintf("keys %v", keys(data)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A namespaced PostgreSQL, created in the tenant's namespace without a
// claim: the postgresql lands in that namespace; once the real operator runs
// it, the composite is Ready and the Secret its
// spec.writeConnectionSecretToRef names holds the connection details;
// deletionProtection (default on) makes Crossplane's Usage webhook refuse
// deleting the composite or its postgresql; with it off, deleting the
// composite removes the postgresql.
func TestNamespacedPostgreSQL(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-ns-postgres")
	xr := createClaim(t, `
apiVersion: database.ns.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: wiki-db, namespace: `+ns+`}
spec:
  parameters:
    version: "16"
    storage: 2Gi
  writeConnectionSecretToRef: {name: wiki-db-credentials}
`)
	pg := waitComposedBy(t, xr, gvkPostgresql, 1)[0]
	if pg.GetNamespace() != ns || pg.GetName() != "homeplane-wiki-db" {
		t.Errorf("postgresql %s/%s, want %s/homeplane-wiki-db", pg.GetNamespace(), pg.GetName(), ns)
	}
	if got, _, _ := unstructured.NestedString(pg.Object, "spec", "postgresql", "version"); got != "16" {
		t.Errorf("postgresql version %q, want 16", got)
	}
	if cur, err := get(ctx, xr); err != nil {
		t.Fatal(err)
	} else if c := condition(cur, "Ready"); c.Status == "True" {
		t.Errorf("composite Ready before the postgresql runs: %s", describeConditions(cur))
	}

	user, password := operatorRuns(t, &pg)
	waitCondition(t, xr, "Ready", "True", 90*time.Second)
	data := waitSecretKey(t, ns, "wiki-db-credentials", "password", password)
	host := pg.GetName() + "." + ns + ".svc"
	for k, want := range map[string]string{"host": host, "port": "5432", "username": user} {
		if got := string(data[k]); got != want {
			t.Errorf("connection %s = %q, want %q", k, got, want)
		}
	}
	if cur, _ := get(ctx, xr); cur != nil {
		if got, _, _ := unstructured.NestedString(cur.Object, "status", "endpoint"); got != host {
			t.Errorf("composite status.endpoint = %q, want %q", got, host)
		}
	}

	// Deletion protection: the composite itself is what a Usage protects.
	waitComposedBy(t, xr, gvkUsage, 2)
	deletionRefused(t, xr, &pg)

	cur, err := get(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	_ = unstructured.SetNestedField(cur.Object, false, "spec", "parameters", "deletionProtection")
	if err := env.c.Patch(ctx, cur, patch); err != nil {
		t.Fatal(err)
	}
	err = poll(ctx, 60*time.Second, "composite no longer in use", func() (bool, string, error) {
		cur, err := get(ctx, xr)
		if err != nil {
			return false, "", err
		}
		usages, err := composedBy(ctx, xr, gvkUsage)
		if err != nil {
			return false, "", err
		}
		return cur.GetLabels()["crossplane.io/in-use"] != "true" && len(usages) == 0,
			fmt.Sprintf("%d usages, labels %v", len(usages), cur.GetLabels()), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.c.Delete(ctx, xr.DeepCopy()); err != nil {
		t.Fatalf("deleting the composite with protection off: %v", err)
	}
	waitGone(t, xr, 90*time.Second)
	waitGone(t, &pg, 90*time.Second)
}

// A namespaced tuwunel MatrixServer with SSO and DNS: its hosts become A
// records in BIND; its OIDC client is registered in Hydra under the ID
// <namespace>.<name>.matrix (per-namespace unique, as for a claim); once the
// volume is bound and the homeserver available the composite is Ready and
// the default connection Secret <name>-connection holds the homeserver's
// URL; deleting the composite removes the records and the Hydra client.
func TestNamespacedMatrixServer(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-ns-matrix")
	xr := createClaim(t, `
apiVersion: matrix.ns.homeplane.dev/v1alpha1
kind: MatrixServer
metadata: {name: chat, namespace: `+ns+`}
spec:
  parameters:
    serverName: nschat.homeplane.test
    host: matrix.nschat.homeplane.test
    implementation: tuwunel
    storage: 1Gi
    sso:
      providerConfigRef: {name: hydra}
    dns:
      providerConfigRef: {name: bind}
      zone: homeplane.test
      target: 192.0.2.40
`)
	pvc := waitComposedBy(t, xr, gvkPVC, 1)[0]
	deploy := waitComposedBy(t, xr, gvkDeployment, 1)[0]
	for _, kind := range []schema.GroupVersionKind{gvkService, gvkConfigMap, gvkNetworkPolicy} {
		for _, o := range waitComposedBy(t, xr, kind, 1) {
			if o.GetNamespace() != ns {
				t.Errorf("%s %s in namespace %q, want %q", kind.Kind, o.GetName(), o.GetNamespace(), ns)
			}
		}
	}
	waitComposedBy(t, xr, gvkRecordSet, 2)
	hosts := []string{"matrix.nschat." + testZone, "nschat." + testZone}
	for _, h := range hosts {
		err := poll(ctx, 60*time.Second, h+" A 192.0.2.40 in BIND", func() (bool, string, error) {
			got := env.dns.Records(h, mdns.TypeA)
			return slices.Equal(got, []string{"192.0.2.40"}), fmt.Sprintf("%v", got), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	oc := waitComposedBy(t, xr, gvkOIDCClient, 1)[0]
	chosen, _, _ := unstructured.NestedString(oc.Object, "spec", "forProvider", "clientID")
	if want := ns + ".chat.matrix"; chosen != want {
		t.Errorf("OIDCClient forProvider.clientID = %q, want %q (<namespace>.<name>.<app>)", chosen, want)
	}
	volumeBound(t, &pvc)
	deploymentAvailable(t, &deploy)
	oc = *waitCondition(t, &oc, "Ready", "True", 60*time.Second)
	id, _, _ := unstructured.NestedString(oc.Object, "status", "atProvider", "clientID")
	if c, err := env.idp.Client(ctx, id); err != nil || c == nil {
		t.Fatalf("client %q not in Hydra: %v", id, err)
	}
	waitCondition(t, xr, "Ready", "True", 90*time.Second)
	waitSecretKey(t, ns, "chat-connection", "homeserverUrl", "https://matrix.nschat.homeplane.test")

	if err := env.c.Delete(ctx, xr.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	waitGone(t, xr, 90*time.Second)
	for _, h := range hosts {
		err := poll(ctx, 90*time.Second, h+" removed from BIND", func() (bool, string, error) {
			got := env.dns.Records(h, mdns.TypeA)
			return len(got) == 0, fmt.Sprintf("%v", got), nil
		})
		if err != nil {
			t.Error(err)
		}
	}
	err := poll(ctx, 60*time.Second, "client "+id+" deleted in Hydra", func() (bool, string, error) {
		c, err := env.idp.Client(ctx, id)
		return c == nil && err == nil, fmt.Sprintf("%v %v", c != nil, err), nil
	})
	if err != nil {
		t.Error(err)
	}
}

// A namespaced Collabora whose labels name another namespace (labels are
// the tenant's to write): everything is still composed in its own
// namespace and nothing in the one the labels name; its host becomes an A
// record in BIND; once the Deployment is available it is Ready and the
// default connection Secret <name>-connection holds the WOPI URL.
func TestNamespacedCollabora(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-ns-collabora")
	victim := newNamespace(t, "e2e-ns-victim")
	xr := createClaim(t, `
apiVersion: office.ns.homeplane.dev/v1alpha1
kind: Collabora
metadata:
  name: office
  namespace: `+ns+`
  labels: {crossplane.io/claim-namespace: `+victim+`, crossplane.io/claim-name: office}
spec:
  parameters:
    host: nsoffice.homeplane.test
    wopiHosts: [https://cloud.homeplane.test]
    route:
      ingress: {className: nginx, controller: nginx}
    dns:
      providerConfigRef: {name: bind}
      zone: homeplane.test
      target: 192.0.2.50
`)
	deploy := waitComposedBy(t, xr, gvkDeployment, 1)[0]
	if deploy.GetNamespace() != ns {
		t.Errorf("Deployment in namespace %q, want %q", deploy.GetNamespace(), ns)
	}
	waitComposedBy(t, xr, gvkIngress, 1)
	waitComposedBy(t, xr, gvkNetworkPolicy, 1)
	waitComposedBy(t, xr, gvkRecordSet, 1)
	err := poll(ctx, 60*time.Second, "nsoffice."+testZone+" A 192.0.2.50 in BIND", func() (bool, string, error) {
		got := env.dns.Records("nsoffice."+testZone, mdns.TypeA)
		return slices.Equal(got, []string{"192.0.2.50"}), fmt.Sprintf("%v", got), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deploymentAvailable(t, &deploy)
	waitCondition(t, xr, "Ready", "True", 90*time.Second)
	waitSecretKey(t, ns, "office-connection", "wopiUrl", "https://nsoffice.homeplane.test")

	for _, kind := range []schema.GroupVersionKind{gvkDeployment, gvkSecret, gvkService, gvkIngress, gvkNetworkPolicy, gvkRecordSet} {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(kind.GroupVersion().WithKind(kind.Kind + "List"))
		if err := env.c.List(ctx, l, client.InNamespace(victim)); err != nil {
			t.Fatal(err)
		}
		for _, o := range l.Items {
			t.Errorf("%s %s/%s exists in the namespace the composite's labels name", kind.Kind, victim, o.GetName())
		}
	}
}
