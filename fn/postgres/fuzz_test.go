package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

// FuzzRestoreSource feeds arbitrary restoring specs, source claims and
// source clusters (in this or another namespace) to the composer, for a
// claim's composite and for a namespaced composite. Whatever it gets, it
// must not panic, must ask only for objects of the claim's namespace (a
// source of its own flavour's kind), and may only compose a cluster that
// archives under its own namespace and restores from a location of its own
// namespace.
func FuzzRestoreSource(f *testing.F) {
	f.Add([]byte(`{"restore":{"fromClaim":"wiki","timestamp":"2026-11-20T12:00:00+01:00"},"backup":{"bucket":"pg-backups","credentialsSecretRef":{"name":"m"}}}`),
		[]byte(`{"backup":{"bucket":"pg-backups","credentialsSecretRef":{"name":"minio"}}}`), testNS, "wiki/", "/"+testSourceUID, "pg-backups")
	f.Add([]byte(`{"restore":{"fromClaim":"wiki","timestamp":"2026-11-20T12:00:00+01:00"}}`),
		[]byte(`{"teamId":"docs","backup":{"bucket":"b-1","credentialsSecretRef":{"name":"minio"}}}`), "tenant-a", "tenant-a/", "/"+testSourceUID, "b-1")
	f.Add([]byte(`{"restore":{"fromClaim":"wiki"}}`), []byte(`{}`), testNS, "", "", "")
	f.Add([]byte(`{"restore":{"fromClaim":"tenant-a/wiki"}}`), []byte(`null`), testNS, "../", "/../x", "pg-backups")
	f.Fuzz(func(t *testing.T, spec, source []byte, ns, prefix, suffix, bucket string) {
		var params map[string]any
		if json.Unmarshal(spec, &params) != nil || params == nil {
			t.Skip("not a JSON object")
		}
		var srcParams any
		if json.Unmarshal(source, &srcParams) != nil {
			t.Skip("not JSON")
		}
		claim := sourceClaim(ns, "wiki", nil, "")
		claim.Object["spec"] = map[string]any{"parameters": srcParams}
		if _, err := runtime.DefaultUnstructuredConverter.ToUnstructured(claim); err != nil {
			t.Skip("not representable")
		}
		pg := sourceClusterWithEnv(ns, withScope(legacyBackupEnv(), prefix, suffix))
		pg.Spec.Env[0].Value = bucket
		for _, namespaced := range []bool{false, true} {
			sourceKind := v1alpha1.GroupVersion.WithKind(claimKind)
			var opts []composetest.Option
			if namespaced {
				sourceKind = v1alpha1.NamespacedGroupVersionKind
				opts = append(opts, composetest.Namespaced(v1alpha1.NamespacedGroupVersionKind))
			}
			claim.SetAPIVersion(sourceKind.GroupVersion().String())
			for _, cluster := range []string{"homeplane-wiki", "docs-wiki"} {
				pg.Name = cluster
				req := request(t, params, nil, map[string]runtime.Object{"restore-source": claim, "restore-source-cluster": pg}, opts...)
				res, err := NewComposer().Compose(context.Background(), req)
				if err != nil {
					continue
				}
				for n, r := range res.Requirements {
					if r.Namespace != testNS {
						t.Fatalf("requirement %s in namespace %q, not the claim's %q", n, r.Namespace, testNS)
					}
				}
				if r, ok := res.Requirements[requirementSource]; ok && (r.APIVersion != sourceKind.GroupVersion().String() || r.Kind != sourceKind.Kind) {
					t.Fatalf("namespaced %v: the restore source is asked for as %s %s, want %s", namespaced, r.APIVersion, r.Kind, sourceKind)
				}
				checkComposed(t, res.Resources)
			}
		}
	})
}

// checkComposed checks what a new cluster of the claim wiki/wiki-db may be.
func checkComposed(t *testing.T, resources map[resource.Name]compose.Desired) {
	t.Helper()
	for n, d := range resources {
		m, err := meta.Accessor(d.Object)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if ns := m.GetNamespace(); ns != testNS {
			t.Fatalf("%s composed in namespace %q, not the claim's %q", n, ns, testNS)
		}
		u, ok := d.Object.(*unstructured.Unstructured)
		if n != resourceDatabase || !ok {
			continue
		}
		pg := &acidv1.Postgresql{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, pg); err != nil {
			t.Fatalf("composed postgresql: %v", err)
		}
		a, archiving := observedArchive(pg)
		if archiving && (a.Prefix == nil || *a.Prefix != testNS+"/") {
			t.Fatalf("a new cluster archives outside its namespace: %v", pg.Spec.Env)
		}
		c := pg.Spec.Clone
		if c == nil || c.S3WalPath == "" {
			continue
		}
		bucket, _, _ := strings.Cut(strings.TrimPrefix(c.S3WalPath, "s3://"), "/")
		if !sourceLocationOK(c.S3WalPath, bucket, testNS, c.ClusterName) || !strings.HasSuffix(c.ClusterName, "-wiki") {
			t.Fatalf("restores from %s (cluster %s), not a location of namespace %s", c.S3WalPath, c.ClusterName, testNS)
		}
		for _, e := range pg.Spec.Env {
			if strings.HasPrefix(e.Name, clonePrefix) && e.ValueFrom == nil && strings.Contains(e.Name, "SECRET") {
				t.Fatalf("a clone secret in plain text: %s", e.Name)
			}
		}
	}
}
