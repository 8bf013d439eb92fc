package matrix

import (
	"time"

	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func labels(component string) map[string]string {
	return map[string]string{
		compose.LabelName:      "matrix",
		compose.LabelInstance:  claim,
		compose.LabelManagedBy: compose.ManagedBy,
		compose.LabelComponent: component,
	}
}

func meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels(component)}
}

func probe(period, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/_matrix/client/versions", Port: intstr.FromString("http")}},
		PeriodSeconds:    period,
		TimeoutSeconds:   5,
		SuccessThreshold: 1,
		FailureThreshold: failures,
	}
}

// wantDeployment is the Deployment of a default Conduit homeserver with a
// generated token, changed by mod.
func wantDeployment(hash string, mod func(d *appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta("chat-matrix", "homeserver"),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "matrix", "app.kubernetes.io/instance": "chat"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      labels("homeserver"),
					Annotations: map[string]string{"homeplane.dev/config-hash": hash},
				},
				Spec: corev1.PodSpec{
					EnableServiceLinks:            ptr.To(false),
					AutomountServiceAccountToken:  ptr.To(false),
					TerminationGracePeriodSeconds: ptr.To[int64](1800),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:        ptr.To(true),
						RunAsUser:           ptr.To[int64](1000),
						RunAsGroup:          ptr.To[int64](1000),
						FSGroup:             ptr.To[int64](1000),
						FSGroupChangePolicy: ptr.To(corev1.FSGroupChangeOnRootMismatch),
						SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:    "homeserver",
						Image:   "registry.gitlab.com/famedly/conduit/matrix-conduit:v0.10.12",
						Ports:   []corev1.ContainerPort{{Name: "http", ContainerPort: 6167, Protocol: corev1.ProtocolTCP}},
						EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "chat-matrix-env"}}}},
						Env: []corev1.EnvVar{{Name: "CONDUIT_REGISTRATION_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
							LocalObjectReference: corev1.LocalObjectReference{Name: "chat-matrix-registration"}, Key: "registrationToken",
						}}}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
						},
						StartupProbe:   probe(10, 180),
						ReadinessProbe: probe(10, 3),
						LivenessProbe:  probe(30, 3),
						VolumeMounts: []corev1.VolumeMount{
							{Name: "data", MountPath: "/var/lib/matrix-conduit"},
							{Name: "tmp", MountPath: "/tmp"},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr.To(false),
							ReadOnlyRootFilesystem:   ptr.To(true),
							RunAsNonRoot:             ptr.To(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "chat-matrix-data"}}},
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("256Mi"))}}},
					},
				},
			},
		},
	}
	if mod != nil {
		mod(d)
	}
	return d
}

func TestDeployment(t *testing.T) {
	cases := map[string]struct {
		reason string
		params v1alpha1.MatrixServerParameters
		token  *token
		want   func(hash string) runtime.Object
	}{
		"Conduit": {
			reason: "One Recreate replica, locked-down pod, HTTP probes, token from the generated Secret, never from the ConfigMap.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			token:  &token{Ref: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "chat-matrix-registration"}, Key: "registrationToken"}},
			want:   func(h string) runtime.Object { return wantDeployment(h, nil) },
		},
		"TuwunelWithTURNAndResources": {
			reason: "tuwunel's image and data path; the TURN secret is read from the user's Secret; resources replace the defaults; no token without token registration.",
			params: v1alpha1.MatrixServerParameters{
				ServerName:     "example.org",
				Implementation: v1alpha1.ImplementationTuwunel,
				Registration:   v1alpha1.RegistrationOpen,
				TURN:           &v1alpha1.TURN{URIs: []string{"turn:t.example.org"}, SharedSecretRef: common.SecretKeySelector{Name: "coturn", Key: "static-auth-secret"}},
				Resources:      &common.Resources{Limits: &common.ResourceList{Memory: ptr.To(resource.MustParse("2Gi"))}},
			},
			token: &token{},
			want: func(h string) runtime.Object {
				return wantDeployment(h, func(d *appsv1.Deployment) {
					c := &d.Spec.Template.Spec.Containers[0]
					c.Image = "ghcr.io/matrix-construct/tuwunel:v1.9.3"
					c.Env = []corev1.EnvVar{{Name: "CONDUIT_TURN_SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
						LocalObjectReference: corev1.LocalObjectReference{Name: "coturn"}, Key: "static-auth-secret",
					}}}}
					c.Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")}}
					c.VolumeMounts[0].MountPath = "/var/lib/tuwunel"
				})
			},
		},
		"LongStartup": {
			reason: "A startupTimeout of 1h30m gives the startup probe 540 periods of 10s and the pod as long to stop, so that a migration can finish.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org", StartupTimeout: "1h30m"},
			token:  &token{Ref: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "chat-matrix-registration"}, Key: "registrationToken"}},
			want: func(h string) runtime.Object {
				return wantDeployment(h, func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](5400)
					d.Spec.Template.Spec.Containers[0].StartupProbe = probe(10, 540)
				})
			},
		},
		"ImageOverride": {
			reason: "image replaces the implementation's default image.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org", Implementation: v1alpha1.ImplementationContinuwuity, Image: "mirror.example.org/c10y:v1", Registration: v1alpha1.RegistrationClosed},
			token:  &token{},
			want: func(h string) runtime.Object {
				return wantDeployment(h, func(d *appsv1.Deployment) {
					c := &d.Spec.Template.Spec.Containers[0]
					c.Image = "mirror.example.org/c10y:v1"
					c.Env = nil
					c.VolumeMounts[0].MountPath = "/var/lib/continuwuity"
				})
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(t, nil, nil)
			p, err := resolveParams(claim, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			cm, err := ConfigMap(req, p)
			if err != nil {
				t.Fatal(err)
			}
			got := Deployment(req, p, cm, tc.token)
			if diff := cmp.Diff(tc.want(configHash(cm.Data)), got, cmpOpts()...); diff != "" {
				t.Errorf("%s\nDeployment(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestStartupBudget(t *testing.T) {
	cases := map[string]struct {
		timeout  time.Duration
		failures int32
		grace    int64
	}{
		"Default":   {timeout: 30 * time.Minute, failures: 180, grace: 1800},
		"Minimum":   {timeout: time.Minute, failures: 6, grace: 60},
		"RoundsUp":  {timeout: 95 * time.Second, failures: 10, grace: 95},
		"Maximum":   {timeout: 24 * time.Hour, failures: 8640, grace: 86400},
		"SubSecond": {timeout: 61*time.Second + time.Millisecond, failures: 7, grace: 62},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// The budget is never shorter than asked for.
			if got := startupFailures(tc.timeout); got != tc.failures || time.Duration(got)*10*time.Second < tc.timeout {
				t.Errorf("startupFailures(%s): want %d, got %d", tc.timeout, tc.failures, got)
			}
			if got := gracePeriodSeconds(tc.timeout); got != tc.grace || time.Duration(got)*time.Second < tc.timeout {
				t.Errorf("gracePeriodSeconds(%s): want %d, got %d", tc.timeout, tc.grace, got)
			}
		})
	}
}

func TestDeploymentAvailable(t *testing.T) {
	cases := map[string]struct {
		observed map[string]runtime.Object
		want     bool
	}{
		"NotObserved": {want: false},
		"NoReplica":   {observed: map[string]runtime.Object{ResourceDeployment: &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}}}, want: false},
		"Available": {observed: map[string]runtime.Object{ResourceDeployment: &appsv1.Deployment{
			TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			Status:   appsv1.DeploymentStatus{AvailableReplicas: 1},
		}}, want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := deploymentAvailable(request(t, nil, tc.observed)); got != tc.want {
				t.Errorf("deploymentAvailable(...): want %t, got %t", tc.want, got)
			}
		})
	}
}
