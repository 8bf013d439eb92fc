package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

func TestEnvAWS(t *testing.T) {
	p := &params{PostgreSQLParameters: v1alpha1.PostgreSQLParameters{Backup: &v1alpha1.Backup{
		Bucket: "b", Region: "eu-central-1", Schedule: "0 3 * * *", Retention: 14,
		CredentialsSecretRef: v1alpha1.SecretKeyRef{LocalSecretReference: common.LocalSecretReference{Name: "aws"}, AccessKeyIDKey: "id", SecretAccessKeyKey: "secret"},
	}}}
	want := []corev1.EnvVar{
		{Name: "WAL_S3_BUCKET", Value: "b"},
		{Name: "WAL_BUCKET_SCOPE_PREFIX", Value: ""},
		{Name: "WAL_BUCKET_SCOPE_SUFFIX", Value: ""},
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

func TestCloneFromRunningSource(t *testing.T) {
	p := &params{PostgreSQLParameters: v1alpha1.PostgreSQLParameters{TeamID: "team", Restore: &v1alpha1.Restore{FromClaim: "src"}}}
	want := &acidv1.CloneDescription{ClusterName: "team-src"}
	if diff := cmp.Diff(want, clone(p)); diff != "" {
		t.Errorf("clone(): -want, +got:\n%s", diff)
	}
	if e := env(p); e != nil {
		t.Errorf("env(clone without timestamp, no backup): want none, got %v", e)
	}
}

func TestEnvVirtualHostStyle(t *testing.T) {
	b := &v1alpha1.Backup{Bucket: "b", Endpoint: "https://s3.example.org", CredentialsSecretRef: v1alpha1.SecretKeyRef{LocalSecretReference: common.LocalSecretReference{Name: "s"}}}
	got := store("", b)
	want := []corev1.EnvVar{
		{Name: "AWS_ENDPOINT", Value: "https://s3.example.org"},
		{Name: "WALE_S3_ENDPOINT", Value: "https+virtualhost://s3.example.org"},
	}
	if diff := cmp.Diff(want, got[3:5]); diff != "" {
		t.Errorf("store(virtual host style): -want, +got:\n%s", diff)
	}
}
