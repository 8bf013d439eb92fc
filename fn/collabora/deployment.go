package collabora

import (
	"slices"
	"strconv"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

// Port coolwsd listens on.
const Port int32 = 9980

const (
	portName      = "http"
	containerName = "collabora"
	componentPod  = "server"
	// componentAny labels the Service and route of the stateless paths.
	componentAny = "stateless"

	// uid and gid of the image's cool user.
	coolUID int64 = 1001

	// ExtraParams is how coolwsd learns that TLS ends at the route: it serves
	// plain HTTP, but writes https URLs into discovery and its pages.
	ExtraParams = "--o:ssl.enable=false --o:ssl.termination=true"
	// ExtraParamsNoMount adds that coolwsd copies (links) each document
	// jail's template instead of bind mounting it, which needs SYS_ADMIN
	// (coolwsd.xml mount_jail_tree).
	ExtraParamsNoMount = ExtraParams + " --o:mount_jail_tree=false"

	proofKeyPath   = "/etc/coolwsd/proof_key"
	volumeProofKey = "proof-key"
	volumeTmp      = "tmp"

	// terminationGracePeriod gives coolwsd time to save open documents back
	// to their WOPI hosts when a pod stops.
	terminationGracePeriod int64 = 60
)

// Capabilities the image's file capabilities need in the bounding set:
// coolforkit has CHOWN, FOWNER, MKNOD and SYS_CHROOT to build each document's
// chroot jail, all four in the Pod Security baseline level's list of
// capabilities a container may add; coolmount has SYS_ADMIN to bind mount the
// jail's template, which only the privileged level allows. Sorted.
var (
	capabilities         = []corev1.Capability{"CHOWN", "FOWNER", "MKNOD", "SYS_CHROOT"}
	capabilitiesSysAdmin = []corev1.Capability{"CHOWN", "FOWNER", "MKNOD", "SYS_ADMIN", "SYS_CHROOT"}
)

// containerCapabilities are the capabilities the container adds: SYS_ADMIN
// only where the platform admin allows it.
func containerCapabilities(p params) []corev1.Capability {
	if p.sysAdmin {
		return slices.Clone(capabilitiesSysAdmin)
	}
	return slices.Clone(capabilities)
}

// extraParams are coolwsd's command line settings: without SYS_ADMIN the
// jails are not bind mounted.
func extraParams(p params) string {
	if p.sysAdmin {
		return ExtraParams
	}
	return ExtraParamsNoMount
}

// podLabels select the server pods.
func podLabels(req *compose.Request) map[string]string {
	return map[string]string{
		compose.LabelName:      App,
		compose.LabelInstance:  req.ClaimName,
		compose.LabelComponent: componentPod,
	}
}

// deployment returns the Collabora Deployment. Its replica count is always
// the claim's: never an autoscaler, which would move documents between
// replicas and break collaborative editing.
// secretsChecksum goes on the pod template (see AnnotationSecretsChecksum).
func deployment(req *compose.Request, p params, n names, secretsChecksum string) *appsv1.Deployment {
	labels := req.Labels(App, componentPod)
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: req.ObjectMeta(n.base, App, componentPod),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(p.Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: podLabels(req)},
			// Start the new pod before stopping an old one: a stopping pod
			// closes every document open on it.
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr.To(intstr.FromInt32(0)),
					MaxSurge:       ptr.To(intstr.FromInt32(1)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      labels,
					Annotations: map[string]string{AnnotationSecretsChecksum: secretsChecksum},
				},
				Spec: corev1.PodSpec{
					// Collabora never talks to the Kubernetes API.
					AutomountServiceAccountToken:  ptr.To(false),
					TerminationGracePeriodSeconds: ptr.To(terminationGracePeriod),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr.To(true),
						RunAsUser:    ptr.To(coolUID),
						RunAsGroup:   ptr.To(coolUID),
						// The proof key is mounted 0440 for this group.
						FSGroup:        ptr.To(coolUID),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{container(p, n)},
					Volumes: []corev1.Volume{
						{Name: volumeTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
						{Name: volumeProofKey, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
							SecretName:  n.proofKey,
							Items:       []corev1.KeyToPath{{Key: KeyProofKey, Path: KeyProofKey}},
							DefaultMode: ptr.To(int32(0o440)),
						}}},
					},
				},
			},
		},
	}
	if p.Replicas > 1 {
		// Spread replicas over nodes so that losing one loses fewer documents.
		d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew:           1,
			TopologyKey:       corev1.LabelHostname,
			WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: podLabels(req)},
		}}
	}
	return d
}

func container(p params, n names) corev1.Container {
	probe := func(period, timeout, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString(portName)}},
			PeriodSeconds:    period,
			TimeoutSeconds:   timeout,
			FailureThreshold: failures,
		}
	}
	return corev1.Container{
		Name:  containerName,
		Image: p.Image,
		Ports: []corev1.ContainerPort{{Name: portName, ContainerPort: Port, Protocol: corev1.ProtocolTCP}},
		Env:   env(p, n),
		// The first start builds the jail template: allow five minutes.
		StartupProbe:   probe(5, 5, 60),
		ReadinessProbe: probe(10, 5, 3),
		// Lenient: a restart closes every document open on the pod.
		LivenessProbe: probe(30, 10, 4),
		Resources:     p.Resources.Requirements(),
		SecurityContext: &corev1.SecurityContext{
			// Without it the kernel ignores the file capabilities of
			// coolforkit and coolmount (no_new_privs).
			AllowPrivilegeEscalation: ptr.To(true),
			Capabilities: &corev1.Capabilities{
				Drop: []corev1.Capability{"ALL"},
				Add:  containerCapabilities(p),
			},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: volumeTmp, MountPath: "/tmp"},
			// The image's start script generates a key only when this file
			// does not exist.
			{Name: volumeProofKey, MountPath: proofKeyPath, SubPath: KeyProofKey, ReadOnly: true},
		},
	}
}

// env configures coolwsd the way the image's start script reads it.
func env(p params, n names) []corev1.EnvVar {
	e := make([]corev1.EnvVar, 0, len(p.aliasGroups)+7)
	for i, g := range p.aliasGroups {
		e = append(e, corev1.EnvVar{Name: "aliasgroup" + strconv.Itoa(i+1), Value: g})
	}
	e = append(e,
		corev1.EnvVar{Name: "extra_params", Value: extraParams(p)},
		corev1.EnvVar{Name: "server_name", Value: p.Host},
	)
	if len(p.Dictionaries) > 0 {
		e = append(e, corev1.EnvVar{Name: "dictionaries", Value: strings.Join(p.Dictionaries, " ")})
	}
	e = append(e,
		// TLS ends at the route: skip generating a self-signed certificate.
		corev1.EnvVar{Name: "DONT_GEN_SSL_CERT", Value: "true"},
		secretEnv("username", n.admin, KeyUsername),
		secretEnv("password", n.admin, KeyPassword),
	)
	return e
}

func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret},
		Key:                  key,
	}}}
}

// deploymentReady reports whether the observed Deployment has rolled out its
// current spec and has as many available replicas as the claim wants.
func deploymentReady(req *compose.Request, want int32) (resource.Ready, error) {
	d := &appsv1.Deployment{}
	ok, err := req.ObservedInto(ResourceDeployment, d)
	if err != nil || !ok {
		return resource.ReadyFalse, err
	}
	if d.Status.ObservedGeneration < d.Generation || d.Status.AvailableReplicas < want || d.Status.UpdatedReplicas < want {
		return resource.ReadyFalse, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue {
			return resource.ReadyTrue, nil
		}
	}
	return resource.ReadyFalse, nil
}
