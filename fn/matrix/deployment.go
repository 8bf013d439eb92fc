package matrix

import (
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

// The homeserver container and its probes.
const (
	ContainerName = "homeserver"
	PortName      = "http"
	// ProbePath answers without authentication as soon as the server serves
	// clients. The images have no shell, so probes are HTTP.
	ProbePath = "/_matrix/client/versions"

	volumeData = "data"
	volumeTmp  = "tmp"
)

// UID and GID the homeserver runs as. The images are built FROM scratch
// without a user (so root); any unprivileged ID works as the data volume is
// made group-writable through fsGroup.
const (
	UID int64 = 1000
	GID int64 = 1000
)

// selector selects the homeserver's pods. It is immutable once the
// Deployment exists, so it holds only labels that never change.
func selector(req *compose.Request) map[string]string {
	return map[string]string{
		compose.LabelName:     App,
		compose.LabelInstance: req.ClaimName,
	}
}

// Deployment returns the homeserver's Deployment: one replica, replaced with
// Recreate, because the database allows only one process at a time.
func Deployment(req *compose.Request, p *params, cm *corev1.ConfigMap, t *token) *appsv1.Deployment {
	n := namesFor(req.ClaimName)
	i := p.impl()
	meta := req.ObjectMeta(n.Deployment(), App, ComponentHomeserver)

	var env []corev1.EnvVar
	if t.Ref != nil {
		env = append(env, corev1.EnvVar{Name: i.Env(keyRegistrationToken), ValueFrom: &corev1.EnvVarSource{SecretKeyRef: t.Ref}})
	}
	if p.TURN != nil {
		env = append(env, corev1.EnvVar{Name: i.Env(keyTURNSecret), ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: p.TURN.SharedSecretRef.Name},
			Key:                  p.TURN.SharedSecretRef.Key,
		}}})
	}
	env = append(env, ssoSecretEnv(p)...)

	resources := p.Resources.Requirements()

	probe := func(period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: ProbePath, Port: intstr.FromString(PortName)}},
			PeriodSeconds:    period,
			TimeoutSeconds:   5,
			SuccessThreshold: 1,
			FailureThreshold: failures,
		}
	}
	// Starting can take long (opening RocksDB, or tuwunel migrating a Conduit
	// database): the startup probe allows spec.parameters.startupTimeout
	// before liveness applies.
	startup := probe(startupPeriodSeconds, startupFailures(p.StartupTimeout))

	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: selector(req)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      meta.Labels,
					Annotations: map[string]string{AnnotationConfigHash: configHash(cm.Data)},
				},
				Spec: corev1.PodSpec{
					// Service links would add <SERVICE>_PORT variables, which
					// the homeserver would read as CONDUIT_* settings for any
					// Service whose name starts with "conduit".
					EnableServiceLinks:            ptr.To(false),
					AutomountServiceAccountToken:  ptr.To(false),
					TerminationGracePeriodSeconds: ptr.To(gracePeriodSeconds(p.StartupTimeout)),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:        ptr.To(true),
						RunAsUser:           ptr.To(UID),
						RunAsGroup:          ptr.To(GID),
						FSGroup:             ptr.To(GID),
						FSGroupChangePolicy: ptr.To(corev1.FSGroupChangeOnRootMismatch),
						SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:  ContainerName,
						Image: p.image(),
						Ports: []corev1.ContainerPort{{Name: PortName, ContainerPort: Port, Protocol: corev1.ProtocolTCP}},
						EnvFrom: []corev1.EnvFromSource{{
							ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name}},
						}},
						Env:            env,
						Resources:      resources,
						StartupProbe:   startup,
						ReadinessProbe: probe(10, 3),
						LivenessProbe:  probe(30, 3),
						VolumeMounts: []corev1.VolumeMount{
							{Name: volumeData, MountPath: i.DataPath},
							{Name: volumeTmp, MountPath: "/tmp"},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr.To(false),
							// The homeserver writes only to its database path;
							// /tmp is an emptyDir for libraries that expect one.
							ReadOnlyRootFilesystem: ptr.To(true),
							RunAsNonRoot:           ptr.To(true),
							Capabilities:           &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: volumeData, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: n.PVC()}}},
						{Name: volumeTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("256Mi"))}}},
					},
				},
			},
		},
	}
}

// startupPeriodSeconds is how often the startup probe asks.
const startupPeriodSeconds int32 = 10

// startupFailures is the startup probe's failureThreshold that gives the
// homeserver at least timeout to answer: timeout / periodSeconds, rounded up.
// spec.parameters.startupTimeout is at most 24h, so at most 8640.
func startupFailures(timeout time.Duration) int32 {
	period := time.Duration(startupPeriodSeconds) * time.Second
	n := (timeout + period - 1) / period
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(n) //nolint:gosec // n is at most math.MaxInt32, checked above
}

// gracePeriodSeconds is the termination grace period: the startup timeout in
// whole seconds (rounded up), so that a homeserver stopped during a long
// migration may finish it. The homeserver exits as soon as it can on SIGTERM;
// the grace period is only how long Kubernetes waits before SIGKILL.
func gracePeriodSeconds(timeout time.Duration) int64 {
	return int64((timeout + time.Second - 1) / time.Second)
}

// deploymentAvailable reports whether the observed Deployment has an
// available replica.
func deploymentAvailable(req *compose.Request) bool {
	d := &appsv1.Deployment{}
	ok, err := req.ObservedInto(ResourceDeployment, d)
	return ok && err == nil && d.Status.AvailableReplicas > 0
}
