package postgres

import (
	"strconv"
	"strings"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

// Spilo's variables for WAL-G backups to S3, set per cluster in the
// postgresql's env, which the operator puts before its own global settings.
const (
	envBucket          = "WAL_S3_BUCKET"
	envScopePrefix     = "WAL_BUCKET_SCOPE_PREFIX"
	envScopeSuffix     = "WAL_BUCKET_SCOPE_SUFFIX"
	envUseWALGBackup   = "USE_WALG_BACKUP"
	envUseWALGRestore  = "USE_WALG_RESTORE"
	envSchedule        = "BACKUP_SCHEDULE"
	envRetain          = "BACKUP_NUM_TO_RETAIN"
	envEndpoint        = "AWS_ENDPOINT"
	envWALEEndpoint    = "WALE_S3_ENDPOINT"
	envRegion          = "AWS_REGION"
	envForcePathStyle  = "AWS_S3_FORCE_PATH_STYLE"
	envAccessKeyID     = "AWS_ACCESS_KEY_ID"
	envSecretAccessKey = "AWS_SECRET_ACCESS_KEY"

	// Spilo copies CLONE_-prefixed variables into the environment it
	// restores a clone with.
	clonePrefix = "CLONE_"
)

// env is the Spilo environment of the cluster: where backups go, and where a
// point-in-time restore reads from. Credentials are only referenced, so no
// secret ever appears in the postgresql.
func env(p *params) []corev1.EnvVar {
	b := p.Backup
	if b == nil {
		return nil
	}
	var e []corev1.EnvVar
	e = append(e, store("", b)...)
	e = append(e,
		corev1.EnvVar{Name: envUseWALGBackup, Value: "true"},
		corev1.EnvVar{Name: envUseWALGRestore, Value: "true"},
		corev1.EnvVar{Name: envSchedule, Value: b.Schedule},
		corev1.EnvVar{Name: envRetain, Value: strconv.Itoa(int(b.Retention))},
	)
	if r := p.Restore; r != nil && r.Timestamp != "" {
		e = append(e, store(clonePrefix, b)...)
		e = append(e, corev1.EnvVar{Name: clonePrefix + envUseWALGRestore, Value: "true"})
	}
	return e
}

// store says where the WAL archive of a cluster is: spilo/<cluster>/wal/ in
// the bucket. The scope prefix must be empty when the bucket is set per
// cluster or Spilo does not find the backups on restore, and an empty suffix
// leaves the Kubernetes UID out of the path, so that a restore can find a
// cluster's backups by its name alone.
func store(prefix string, b *v1alpha1.Backup) []corev1.EnvVar {
	e := []corev1.EnvVar{
		{Name: prefix + envBucket, Value: b.Bucket},
		{Name: prefix + envScopePrefix, Value: ""},
		{Name: prefix + envScopeSuffix, Value: ""},
	}
	if b.Endpoint != "" {
		// With an endpoint Spilo derives the addressing style from
		// WALE_S3_ENDPOINT's "+path" or "+virtualhost" and overrides
		// AWS_S3_FORCE_PATH_STYLE with it; it assumes path without one.
		style := "+virtualhost://"
		if b.ForcePathStyle {
			style = "+path://"
		}
		e = append(e,
			corev1.EnvVar{Name: prefix + envEndpoint, Value: b.Endpoint},
			corev1.EnvVar{Name: prefix + envWALEEndpoint, Value: strings.Replace(b.Endpoint, "://", style, 1)},
		)
	}
	if b.Region != "" {
		e = append(e, corev1.EnvVar{Name: prefix + envRegion, Value: b.Region})
	}
	if b.ForcePathStyle {
		e = append(e, corev1.EnvVar{Name: prefix + envForcePathStyle, Value: "true"})
	}
	ref := b.CredentialsSecretRef
	e = append(e,
		secretEnv(prefix+envAccessKeyID, ref.Name, ref.AccessKeyIDKey),
		secretEnv(prefix+envSecretAccessKey, ref.Name, ref.SecretAccessKeyKey),
	)
	return e
}

func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret},
		Key:                  key,
	}}}
}

// clone maps a restore to the operator's clone: from the source's WAL
// archive up to the timestamp, or, without one, from the running source.
func clone(p *params) *acidv1.CloneDescription {
	r := p.Restore
	if r == nil {
		return nil
	}
	return &acidv1.CloneDescription{ClusterName: p.TeamID + "-" + r.FromClaim, EndTimestamp: r.Timestamp}
}
