package postgres

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

const testUID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"

func TestEnvAWS(t *testing.T) {
	p := &params{PostgreSQLParameters: v1alpha1.PostgreSQLParameters{Backup: &v1alpha1.Backup{
		Bucket: "b", Region: "eu-central-1", Schedule: "0 3 * * *", Retention: 14,
		CredentialsSecretRef: v1alpha1.S3CredentialsSecretRef{LocalSecretReference: common.LocalSecretReference{Name: "aws"}, AccessKeyIDKey: "id", SecretAccessKeyKey: "secret"},
	}}, Archive: newArchive("tenant-a", testUID)}
	want := []corev1.EnvVar{
		{Name: "WAL_S3_BUCKET", Value: "b"},
		{Name: "WAL_BUCKET_SCOPE_PREFIX", Value: "tenant-a/"},
		{Name: "WAL_BUCKET_SCOPE_SUFFIX", Value: "/" + testUID},
		{Name: "AWS_REGION", Value: "eu-central-1"},
		{Name: "AWS_ACCESS_KEY_ID", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "aws"}, Key: "id"}}},
		{Name: "AWS_SECRET_ACCESS_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "aws"}, Key: "secret"}}},
		{Name: "USE_WALG_BACKUP", Value: "true"},
		{Name: "USE_WALG_RESTORE", Value: "true"},
		{Name: "BACKUP_SCHEDULE", Value: "0 3 * * *"},
		{Name: "BACKUP_NUM_TO_RETAIN", Value: "14"},
	}
	if diff := cmp.Diff(want, env(p)); diff != "" {
		t.Errorf("env(): -want, +got:\n%s", diff)
	}
}

func TestNoBackupNoEnv(t *testing.T) {
	if e := env(&params{}); e != nil {
		t.Errorf("env(no backup): want none, got %v", e)
	}
}

func TestEnvVirtualHostStyle(t *testing.T) {
	b := &v1alpha1.Backup{Bucket: "b", Endpoint: "https://s3.example.org", CredentialsSecretRef: v1alpha1.S3CredentialsSecretRef{LocalSecretReference: common.LocalSecretReference{Name: "s"}}}
	got := access("", b)
	want := []corev1.EnvVar{
		{Name: "AWS_ENDPOINT", Value: "https://s3.example.org"},
		{Name: "WALE_S3_ENDPOINT", Value: "https+virtualhost://s3.example.org"},
	}
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("access(virtual host style): -want, +got:\n%s", diff)
	}
}

func TestObservedArchive(t *testing.T) {
	pg := func(env ...corev1.EnvVar) *acidv1.Postgresql {
		return &acidv1.Postgresql{Spec: acidv1.PostgresSpec{Env: env}}
	}
	cases := map[string]struct {
		observed *acidv1.Postgresql
		want     string
		ok       bool
	}{
		"None":     {observed: nil},
		"NoBackup": {observed: pg(corev1.EnvVar{Name: "USE_WALG_BACKUP", Value: "true"})},
		"Legacy": {observed: pg(corev1.EnvVar{Name: envBucket, Value: "b"}, corev1.EnvVar{Name: envScopePrefix}, corev1.EnvVar{Name: envScopeSuffix}),
			want: "s3://b/spilo/c/wal", ok: true},
		"New": {observed: pg(corev1.EnvVar{Name: envBucket, Value: "b"}, corev1.EnvVar{Name: envScopePrefix, Value: "ns/"}, corev1.EnvVar{Name: envScopeSuffix, Value: "/" + testUID}),
			want: "s3://b/spilo/ns/c/" + testUID + "/wal", ok: true},
		// Kept without the variable, as it runs; where that is depends on
		// the operator's configuration, so no location is published.
		"NoSuffix": {observed: pg(corev1.EnvVar{Name: envBucket, Value: "b"}, corev1.EnvVar{Name: envScopePrefix}), ok: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, ok := observedArchive(tc.observed)
			if ok != tc.ok {
				t.Fatalf("observedArchive(): want archiving %v, got %v", tc.ok, ok)
			}
			if got := location("b", "c", a); ok && got != tc.want {
				t.Errorf("location(): want %q, got %q", tc.want, got)
			}
		})
	}
}

func TestSourceLocationOK(t *testing.T) {
	cases := map[string]struct {
		loc  string
		want bool
	}{
		"New":           {loc: "s3://b/spilo/tenant-b/homeplane-db/" + testUID + "/wal", want: true},
		"Legacy":        {loc: "s3://b/spilo/homeplane-db/wal", want: true},
		"OtherNS":       {loc: "s3://b/spilo/tenant-a/homeplane-db/" + testUID + "/wal"},
		"OtherCluster":  {loc: "s3://b/spilo/tenant-b/homeplane-other/" + testUID + "/wal"},
		"OtherBucket":   {loc: "s3://c/spilo/tenant-b/homeplane-db/" + testUID + "/wal"},
		"NotAUID":       {loc: "s3://b/spilo/tenant-b/homeplane-db/../../tenant-a/homeplane-db/" + testUID + "/wal"},
		"Traversal":     {loc: "s3://b/spilo/tenant-b/homeplane-db/x/../../../tenant-a/homeplane-db/wal"},
		"VersionInPath": {loc: "s3://b/spilo/tenant-b/homeplane-db/" + testUID + "/wal/17"},
		"Empty":         {loc: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := sourceLocationOK(tc.loc, "b", "tenant-b", "homeplane-db"); got != tc.want {
				t.Errorf("sourceLocationOK(%q): want %v, got %v", tc.loc, tc.want, got)
			}
		})
	}
}

// Limits a location must fit: S3 object keys are at most 1024 bytes
// (AWS S3 user guide, "Naming Amazon S3 objects"); below the location
// WAL-G writes e.g.
// basebackups_005/base_000000010000000000000002_D_000000010000000000000001/tar_partitions/part_1.tar.lz4,
// so a generous reserve is kept for it.
const (
	maxS3Key        = 1024
	walgKeyReserve  = 256
	maxNamespaceLen = validation.DNS1123LabelMaxLength
)

// TestArchiveLocationsProperty: over random (namespace, claim name) pairs,
// dashes and maximum lengths included, new locations are distinct for
// distinct pairs, even when the UIDs collide (the namespace and the cluster
// name alone make them injective), and fit S3's key limit.
func TestArchiveLocationsProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 2026))
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	label := func(maxLen int, dashes bool) string {
		n := 1 + r.IntN(maxLen)
		if r.IntN(4) == 0 {
			n = maxLen
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
			if dashes && i > 0 && i < n-1 && r.IntN(3) == 0 {
				b[i] = '-'
			}
		}
		return string(b)
	}
	seen := map[string]string{}
	seenSameUID := map[string]string{}
	for i := range 20000 {
		team := v1alpha1.DefaultTeamID
		if r.IntN(5) == 0 {
			team = "t" + label(v1alpha1.MaxTeamIDLength-1, true)
		}
		maxClaim := bindingName().maxCluster() - len(team) - 1
		if maxClaim < 1 {
			continue
		}
		ns, claim := label(maxNamespaceLen, true), label(maxClaim, true)
		// Pairs that differ only in where a dash splits them.
		if i%7 == 0 && strings.Contains(claim, "-") {
			head, tail, _ := strings.Cut(claim, "-")
			if k := min(len(ns), maxNamespaceLen-len(head)-1); k > 0 && len(validation.IsDNS1123Label(tail)) == 0 {
				ns, claim = ns[:k]+"-"+head, tail
			}
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			t.Fatalf("test input: namespace %q: %v", ns, errs)
		}
		// Databases are named so that the claim name is the only input.
		p, err := resolveClaim(claim, v1alpha1.PostgreSQLParameters{TeamID: team, Databases: []v1alpha1.Database{{Name: "app", Owner: "app"}}})
		if err != nil {
			t.Fatalf("resolveClaim(%q, teamId %q): %v", claim, team, err)
		}
		uid := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, r.Uint64()&0xffffffffffff)
		checks := []struct {
			seen map[string]string
			uid  string
		}{{seen, uid}}
		if team == v1alpha1.DefaultTeamID {
			// With one teamId the cluster name is injective over the claim.
			checks = append(checks, struct {
				seen map[string]string
				uid  string
			}{seenSameUID, testUID})
		}
		for _, c := range checks {
			loc := location("pg-backups-of-a-long-bucket-name-that-is-63-characters-long-xyz", p.Cluster, newArchive(ns, c.uid))
			pair := ns + "/" + claim + " (teamId " + team + ")"
			if other, dup := c.seen[loc]; dup && other != pair {
				t.Fatalf("%s and %s share the archive %s", other, pair, loc)
			}
			c.seen[loc] = pair
			if key := strings.TrimPrefix(loc, "s3://pg-backups-of-a-long-bucket-name-that-is-63-characters-long-xyz/") + "/17/"; len(key)+walgKeyReserve > maxS3Key {
				t.Fatalf("%s: key prefix %q is %d bytes, over %d with WAL-G's own names", pair, key, len(key), maxS3Key-walgKeyReserve)
			}
			if !sourceLocationOK(loc, "pg-backups-of-a-long-bucket-name-that-is-63-characters-long-xyz", ns, p.Cluster) {
				t.Fatalf("%s: a restore in its namespace would refuse its own location %s", pair, loc)
			}
		}
	}
}
