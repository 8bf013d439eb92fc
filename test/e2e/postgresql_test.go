//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// operatorRuns waits until the real Zalando operator reports the
// postgresql Running (it created the Services, Secrets, PodDisruptionBudgets
// and StatefulSet, whose pods kwok runs and the harness's Patroni labelled),
// failing at once on a status that says the operator refused it. With the
// pooler on it takes over two minutes: the operator retries a connection to
// PostgreSQL (none runs here) for its pooler's lookup function. Every
// database owner has its credentials Secret; it returns the first
// database's owner's credentials as the operator generated them.
func operatorRuns(t *testing.T, pg *unstructured.Unstructured) (user, password string) {
	t.Helper()
	ctx := context.Background()
	err := poll(ctx, 5*time.Minute, "postgresql "+pg.GetName()+" Running", func() (bool, string, error) {
		cur, err := get(ctx, pg)
		if err != nil {
			return false, "", err
		}
		st, _, _ := unstructured.NestedString(cur.Object, "status", "PostgresClusterStatus")
		switch st {
		case "Invalid", "SyncFailed", "CreateFailed", "AddFailed", "UpdateFailed":
			return false, "", fmt.Errorf("the operator reports postgresql %s %s", pg.GetName(), st)
		}
		return st == "Running", "status " + st, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dbs, _, _ := unstructured.NestedStringMap(pg.Object, "spec", "databases")
	if len(dbs) == 0 {
		t.Fatalf("postgresql %s has no databases", pg.GetName())
	}
	// Every owner's Secret; the first database's (by name) is returned.
	names := slices.Sorted(maps.Keys(dbs))
	for i, db := range slices.Backward(names) {
		owner := dbs[db]
		name := strings.ReplaceAll(owner, "_", "-") + "." + pg.GetName() + ".credentials.postgresql.acid.zalan.do"
		data, err := secretData(ctx, pg.GetNamespace(), name)
		if err != nil {
			t.Fatalf("the operator's credentials Secret %s: %v", name, err)
		}
		if string(data["username"]) != owner || len(data["password"]) < 16 {
			t.Fatalf("the operator's credentials Secret %s: username %q, %d-byte password", name, data["username"], len(data["password"]))
		}
		if i == 0 {
			user, password = owner, string(data["password"])
		}
	}
	return user, password
}

// Scenario 2: a PostgreSQL claim becomes a Zalando postgresql in the claim's
// namespace; once the real operator runs it and writes the owner's
// credentials, the claim is Ready and its connection Secret carries them.
func TestPostgreSQLClaim(t *testing.T) {
	ns := newNamespace(t, "e2e-postgres")
	claim := createClaim(t, `
apiVersion: database.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: wiki-db, namespace: `+ns+`}
spec:
  parameters:
    version: "16"
    storage: 2Gi
    deletionProtection: false
  writeConnectionSecretToRef: {name: wiki-db-connection}
`)
	pg := waitComposed(t, claim, gvkPostgresql, 1)[0]
	if pg.GetNamespace() != ns {
		t.Errorf("postgresql in namespace %q, want the claim's %q", pg.GetNamespace(), ns)
	}
	for path, want := range map[string]any{
		"spec.postgresql.version": "16",
		"spec.volume.size":        "2Gi",
		"spec.numberOfInstances":  int64(1),
		"spec.teamId":             "homeplane",
	} {
		got, _, _ := unstructured.NestedFieldNoCopy(pg.Object, strings.Split(path, ".")...)
		if got != want {
			t.Errorf("postgresql %s = %v, want %v", path, got, want)
		}
	}
	if !strings.HasPrefix(pg.GetName(), "homeplane-") {
		t.Errorf("postgresql name %q does not start with the team id", pg.GetName())
	}

	// Not Ready while the operator has not reported the cluster up.
	cur, err := get(context.Background(), claim)
	if err != nil {
		t.Fatal(err)
	}
	if c := condition(cur, "Ready"); c.Status == "True" {
		t.Errorf("claim Ready before the postgresql runs: %s", describeConditions(cur))
	}

	user, password := operatorRuns(t, &pg)
	waitCondition(t, claim, "Ready", "True", 90*time.Second)

	var data map[string][]byte
	err = poll(context.Background(), 30*time.Second, "connection Secret complete", func() (bool, string, error) {
		var err error
		data, err = secretData(context.Background(), ns, "wiki-db-connection")
		if err != nil {
			return false, "", err
		}
		return string(data["password"]) == password, fmt.Sprintf("keys %v", keys(data)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	host := pg.GetName() + "." + ns + ".svc"
	for k, want := range map[string]string{"host": host, "port": "5432", "username": user, "password": password} {
		if got := string(data[k]); got != want {
			t.Errorf("connection %s = %q, want %q", k, got, want)
		}
	}
	if len(data["database"]) == 0 {
		t.Error("connection database is empty")
	}
	u, err := url.Parse(string(data["uri"]))
	if err != nil {
		t.Fatalf("connection uri %q: %v", data["uri"], err)
	}
	if pw, _ := u.User.Password(); u.Scheme != "postgresql" || u.Host != host+":5432" || u.User.Username() != user || pw != password || u.Path != "/"+string(data["database"]) {
		t.Errorf("connection uri %q does not match the other keys", data["uri"])
	}

	// The owner's own Secret, <claim>.<role with _ as ->.connection, has the
	// same credentials and asks for TLS.
	role := "wiki-db." + strings.ReplaceAll(user, "_", "-") + ".connection"
	var own map[string][]byte
	err = poll(context.Background(), 30*time.Second, "role connection Secret complete", func() (bool, string, error) {
		var err error
		own, err = secretData(context.Background(), ns, role)
		if err != nil {
			return false, "", err
		}
		return string(own["password"]) == password, fmt.Sprintf("keys %v", keys(own)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"host": host, "port": "5432", "username": user, "database": string(data["database"]), "sslmode": "require"} {
		if got := string(own[k]); got != want {
			t.Errorf("role connection %s = %q, want %q", k, got, want)
		}
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Scenario 5: with deletionProtection on (the default), deleting the claim
// or its postgresql is refused by Crossplane's Usage webhook and the data
// stays; the refusal says why. With protection off, deleting the claim
// removes everything.
func TestPostgreSQLDeletionProtection(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-protected")
	claim := createClaim(t, `
apiVersion: database.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: keep-db, namespace: `+ns+`}
spec:
  parameters: {storage: 1Gi}
  writeConnectionSecretToRef: {name: keep-db-connection}
`)
	pg := waitComposed(t, claim, gvkPostgresql, 1)[0]
	waitComposed(t, claim, gvkUsage, 1)
	deletionRefused(t, claim, &pg)
	// The claim itself says why, not only the refused request.
	var cur *unstructured.Unstructured
	err := poll(ctx, 60*time.Second, "claim condition mentions deletionProtection", func() (bool, string, error) {
		var err error
		if cur, err = get(ctx, claim); err != nil {
			return false, "", err
		}
		return strings.Contains(describeConditions(cur), "deletionProtection"), describeConditions(cur), nil
	})
	if err != nil {
		t.Error(err)
	}

	// Protection off: the Usages go away, then deletion goes through and
	// cascades to the postgresql.
	patch := client.MergeFrom(cur.DeepCopy())
	_ = unstructured.SetNestedField(cur.Object, false, "spec", "parameters", "deletionProtection")
	if err := env.c.Patch(ctx, cur, patch); err != nil {
		t.Fatal(err)
	}
	err = poll(ctx, 60*time.Second, "claim no longer in use", func() (bool, string, error) {
		cur, err := get(ctx, claim)
		if err != nil {
			return false, "", err
		}
		usages, err := composed(ctx, claim, gvkUsage, ns)
		if err != nil {
			return false, "", err
		}
		return cur.GetLabels()["crossplane.io/in-use"] != "true" && len(usages) == 0,
			fmt.Sprintf("%d usages, labels %v", len(usages), cur.GetLabels()), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.c.Delete(ctx, claim.DeepCopy()); err != nil {
		t.Fatalf("deleting the claim with protection off: %v", err)
	}
	waitGone(t, claim, 90*time.Second)
	waitGone(t, &pg, 90*time.Second)
}

// deletionRefused waits until Crossplane marks every object in use (only
// then does its Usage webhook refuse deletes), then checks that deleting
// each is refused with a message naming deletionProtection and that none is
// being deleted.
func deletionRefused(t *testing.T, objs ...*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	for _, u := range objs {
		err := poll(ctx, 60*time.Second, fmt.Sprintf("%s %s marked in use", u.GetKind(), u.GetName()), func() (bool, string, error) {
			cur, err := get(ctx, u)
			if err != nil {
				return false, "", err
			}
			return cur.GetLabels()["crossplane.io/in-use"] == "true", fmt.Sprintf("labels %v", cur.GetLabels()), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range objs {
		err := env.c.Delete(ctx, u.DeepCopy())
		if err == nil {
			t.Fatalf("deleting %s %s was accepted with deletionProtection on", u.GetKind(), u.GetName())
		}
		if !strings.Contains(err.Error(), "deletionProtection") {
			t.Errorf("refusal to delete %s does not say why: %v", u.GetKind(), err)
		}
		t.Logf("delete %s refused: %v", u.GetKind(), err)
	}
	// Nothing was deleted: no deletion timestamp anywhere.
	for _, u := range objs {
		cur, err := get(ctx, u)
		if err != nil {
			t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
		}
		if cur.GetDeletionTimestamp() != nil {
			t.Errorf("%s %s is being deleted despite deletionProtection", u.GetKind(), u.GetName())
		}
	}
}
