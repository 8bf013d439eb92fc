package postgres

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
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

// errNoUID: Crossplane gives every composite a UID; only a hand-made
// request (a render without one) lacks it.
const errNoUID = "the composite has no UID (metadata.uid), which a new cluster's backup location is made of"

// uidRE is a Kubernetes UID as the API server generates it: a random UUID.
var uidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// archive is where in its bucket a cluster keeps its WAL archive and base
// backups. Spilo 4.0-p3 (postgres-appliance/scripts/configure_spilo.py,
// write_wale_environment) builds the WAL-E/WAL-G prefix
// s3://<WAL_S3_BUCKET>/spilo/<WAL_BUCKET_SCOPE_PREFIX><SCOPE><WAL_BUCKET_SCOPE_SUFFIX>/wal/<PGVERSION>,
// where the operator sets SCOPE to the cluster's name. A nil field is left
// out of the env, as an observed cluster may have it.
type archive struct {
	Prefix, Suffix *string
}

// newArchive is the location of a new cluster:
// spilo/<namespace>/<cluster>/<uid>/wal/. The namespace makes it injective
// over (namespace, claim) and lets a platform admin grant a tenant's
// credentials only spilo/<namespace>/ of a shared bucket; the composite's UID
// (a random UUID) keeps a re-created claim of the same name out of the old
// archive and cannot be guessed by another tenant. The operator's own default
// suffix is "/<postgresql UID>" (pkg/cluster/k8sres.go, getBucketScopeSuffix,
// v1.15.1), but that UID exists only once the postgresql does: setting it
// then would restart a cluster while it bootstraps or clones.
func newArchive(namespace, uid string) *archive {
	return &archive{Prefix: ptr.To(namespace + "/"), Suffix: ptr.To("/" + uid)}
}

// observedArchive is the location of a cluster that already archives, read
// from its env: it is kept, so that its archive stays continuous and
// restorable (clusters composed before the location carried the namespace
// archive to spilo/<cluster>/wal/).
func observedArchive(observed *acidv1.Postgresql) (*archive, bool) {
	if observed == nil {
		return nil, false
	}
	a, archiving := &archive{}, false
	for i := range observed.Spec.Env {
		e := observed.Spec.Env[i]
		switch e.Name {
		case envBucket:
			archiving = e.Value != ""
		case envScopePrefix:
			a.Prefix = ptr.To(e.Value)
		case envScopeSuffix:
			a.Suffix = ptr.To(e.Value)
		}
	}
	return a, archiving
}

// placeArchive decides where the cluster archives: where it already does,
// else the new location. The kept location is checked with the claim's
// bucket: a cluster moved to another bucket keeps its path there.
func placeArchive(req *compose.Request, p *params, observed *acidv1.Postgresql) error {
	if p.Backup == nil {
		return nil
	}
	// A location Homeplane could not have set (an env edited into another
	// namespace's archive) is not kept: writing on would mix archives.
	if a, ok := observedArchive(observed); ok {
		loc := location(p.Backup.Bucket, p.Cluster, a)
		if loc == "" || sourceLocationOK(loc, p.Backup.Bucket, req.Namespace, p.Cluster) {
			p.Archive = a
			return nil
		}
	}
	uid := ""
	if req.Composite != nil {
		uid = string(req.Composite.GetUID())
	}
	if !uidRE.MatchString(uid) {
		return fmt.Errorf("%s: got %q", errNoUID, uid)
	}
	p.Archive = newArchive(req.Namespace, uid)
	return nil
}

// location is the archive's URL without the major version, as published in
// status.backup.location and given to a restore as the operator's
// clone.s3_wal_path; empty when a part of it is not known.
func location(bucket, cluster string, a *archive) string {
	if a == nil || a.Prefix == nil || a.Suffix == nil {
		return ""
	}
	return "s3://" + bucket + "/spilo/" + *a.Prefix + cluster + *a.Suffix + "/wal"
}

// sourceLocationOK accepts only the two locations Homeplane gives a cluster
// of this namespace: the new one, or the one it archived to before. A
// location in another namespace cannot be archived to or restored from.
func sourceLocationOK(loc, bucket, namespace, cluster string) bool {
	if loc == location(bucket, cluster, &archive{Prefix: ptr.To(""), Suffix: ptr.To("")}) {
		return true
	}
	uid, ok := strings.CutPrefix(loc, "s3://"+bucket+"/spilo/"+namespace+"/"+cluster+"/")
	if ok {
		uid, ok = strings.CutSuffix(uid, "/wal")
	}
	return ok && uidRE.MatchString(uid)
}

// env is the Spilo environment of the cluster: where backups go, and where a
// point-in-time restore reads from. Credentials are only referenced, so no
// secret ever appears in the postgresql.
func env(p *params) []corev1.EnvVar {
	var e []corev1.EnvVar
	if b := p.Backup; b != nil {
		e = append(e, corev1.EnvVar{Name: envBucket, Value: b.Bucket})
		if a := p.Archive; a != nil && a.Prefix != nil {
			e = append(e, corev1.EnvVar{Name: envScopePrefix, Value: *a.Prefix})
		}
		if a := p.Archive; a != nil && a.Suffix != nil {
			e = append(e, corev1.EnvVar{Name: envScopeSuffix, Value: *a.Suffix})
		}
		e = append(e, access("", b)...)
		e = append(e,
			corev1.EnvVar{Name: envUseWALGBackup, Value: "true"},
			corev1.EnvVar{Name: envUseWALGRestore, Value: "true"},
			corev1.EnvVar{Name: envSchedule, Value: b.Schedule},
			corev1.EnvVar{Name: envRetain, Value: strconv.Itoa(int(b.Retention))},
		)
	}
	return append(e, p.CloneEnv...)
}

// access is how Spilo reaches the store: endpoint, region, addressing style
// and the credentials, by reference.
func access(prefix string, b *v1alpha1.Backup) []corev1.EnvVar {
	var e []corev1.EnvVar
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
	return append(e,
		secretEnv(prefix+envAccessKeyID, ref.Name, ref.AccessKeyIDKey),
		secretEnv(prefix+envSecretAccessKey, ref.Name, ref.SecretAccessKeyKey),
	)
}

func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret},
		Key:                  key,
	}}}
}

// clone is the operator's clone of the restore's source; nil without one.
func clone(p *params) *acidv1.CloneDescription {
	return p.Clone
}
