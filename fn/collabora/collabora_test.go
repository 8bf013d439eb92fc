package collabora

import (
	"context"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

const minimal = `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"]}`

func labels(component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       "collabora",
		"app.kubernetes.io/instance":   "office",
		"app.kubernetes.io/managed-by": "homeplane",
		"app.kubernetes.io/component":  component,
	}
}

func meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "office", Labels: labels(component)}
}

func selector() map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "collabora",
		"app.kubernetes.io/instance":  "office",
		"app.kubernetes.io/component": "server",
	}
}

func wantAdminSecret(password string) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: meta("office-collabora-admin", "admin"),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"username": []byte("admin"), "password": []byte(password)},
	}
}

func wantProofKeySecret(key string) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: meta("office-collabora-proof-key", "proof-key"),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"proof_key": []byte(key)},
	}
}

func probe(period, timeout, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
		PeriodSeconds:    period,
		TimeoutSeconds:   timeout,
		FailureThreshold: failures,
	}
}

func adminEnv(name, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "office-collabora-admin"}, Key: key,
	}}}
}

// Checksums of the test secrets: generated (testPassword, testProofKey) and
// observed (observed-password, observed-key).
const (
	checksumGenerated = "sha256:7aacf773076c8154dd3fdbc9c166fd644255c37b4fd4f7e488e338f7d0aeea05"
	checksumObserved  = "sha256:56b9ca7dfb72f6e6bb8f15c40f23b8055468af7bc9fc5b97ef01c7d4bdde8827"
)

// wantDeployment is the Deployment of the minimal claim.
func wantDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta("office-collabora", "server"),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: selector()},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr.To(intstr.FromInt32(0)),
					MaxSurge:       ptr.To(intstr.FromInt32(1)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      labels("server"),
					Annotations: map[string]string{"homeplane.dev/secrets-checksum": checksumGenerated},
				},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken:  ptr.To(false),
					TerminationGracePeriodSeconds: ptr.To[int64](60),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr.To(true),
						RunAsUser:      ptr.To[int64](1001),
						RunAsGroup:     ptr.To[int64](1001),
						FSGroup:        ptr.To[int64](1001),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:  "collabora",
						Image: "collabora/code:25.04.9.4.1",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 9980, Protocol: corev1.ProtocolTCP}},
						Env: []corev1.EnvVar{
							{Name: "aliasgroup1", Value: "https://cloud.example.org:443"},
							{Name: "extra_params", Value: "--o:ssl.enable=false --o:ssl.termination=true --o:mount_jail_tree=false"},
							{Name: "server_name", Value: "office.example.org"},
							{Name: "DONT_GEN_SSL_CERT", Value: "true"},
							adminEnv("username", "username"),
							adminEnv("password", "password"),
						},
						StartupProbe:   probe(5, 5, 60),
						ReadinessProbe: probe(10, 5, 3),
						LivenessProbe:  probe(30, 10, 4),
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1800m"), corev1.ResourceMemory: apiresource.MustParse("2Gi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: apiresource.MustParse("2Gi")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr.To(true),
							Capabilities: &corev1.Capabilities{
								Drop: []corev1.Capability{"ALL"},
								Add:  []corev1.Capability{"CHOWN", "FOWNER", "MKNOD", "SYS_CHROOT"},
							},
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "tmp", MountPath: "/tmp"},
							{Name: "proof-key", MountPath: "/etc/coolwsd/proof_key", SubPath: "proof_key", ReadOnly: true},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
						{Name: "proof-key", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
							SecretName:  "office-collabora-proof-key",
							Items:       []corev1.KeyToPath{{Key: "proof_key", Path: "proof_key"}},
							DefaultMode: ptr.To[int32](0o440),
						}}},
					},
				},
			},
		},
	}
}

// wantService is the Service of the server pods with the admin console
// private: port 9980, and port 9981 to port 1 for the admin paths.
func wantService() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta("office-collabora", "server"),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector(),
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 9980, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
				{Name: "blocked", Port: 9981, TargetPort: intstr.FromInt32(1), Protocol: corev1.ProtocolTCP},
			},
		},
	}
}

// wantOldBlockedService is the Service the admin paths went to before the
// blocked port: port 9980 of the server pods forwarded to port 1.
func wantOldBlockedService() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta("office-collabora-blocked", "blocked"),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector(),
			Ports:    []corev1.ServicePort{{Name: "http", Port: 9980, TargetPort: intstr.FromInt32(1), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// withOldBlockedService adds the old blocked Service, composed as it was, to
// a wanted result.
func withOldBlockedService(r *compose.Result) *compose.Result {
	r.Resources["blocked-service"] = compose.Desired{Object: wantOldBlockedService(), Ready: resource.ReadyTrue}
	return r
}

// oldPrivateIngress is the Ingress as composed before the blocked port: the
// admin paths to the old blocked Service.
func oldPrivateIngress() *networkingv1.Ingress {
	return wantIngress("nginx", nginxAnnotations(), []networkingv1.HTTPIngressPath{
		ingressPath("/", "office-collabora"),
		ingressPath("/browser/dist/admin", "office-collabora-blocked"),
		ingressPath("/cool/adminws", "office-collabora-blocked"),
		ingressPath("/cool/getMetrics", "office-collabora-blocked"),
	})
}

// wantPublicService is wantService with the admin console public: no
// blocked port.
func wantPublicService() *corev1.Service {
	s := wantService()
	s.Spec.Ports = s.Spec.Ports[:1]
	return s
}

func wantPDB() *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: meta("office-collabora", "server"),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: selector()},
		},
	}
}

func ingressPath(path, svc string) networkingv1.HTTPIngressPath {
	return ingressPathToPort(path, svc, 9980)
}

func ingressPathToPort(path, svc string, port int32) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{
		Path:     path,
		PathType: ptr.To(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: svc, Port: networkingv1.ServiceBackendPort{Number: port},
		}},
	}
}

// privatePaths route / to Collabora and the admin paths nowhere: to the
// Service's blocked port.
func privatePaths() []networkingv1.HTTPIngressPath {
	return []networkingv1.HTTPIngressPath{
		ingressPath("/", "office-collabora"),
		ingressPathToPort("/browser/dist/admin", "office-collabora", 9981),
		ingressPathToPort("/cool/adminws", "office-collabora", 9981),
		ingressPathToPort("/cool/getMetrics", "office-collabora", 9981),
	}
}

func nginxAnnotations() map[string]string {
	return map[string]string{
		"nginx.ingress.kubernetes.io/proxy-body-size":    "0",
		"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
		"nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
	}
}

func wantIngress(class string, annotations map[string]string, paths []networkingv1.HTTPIngressPath) *networkingv1.Ingress {
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: "office-collabora", Namespace: "office", Labels: labels("route"), Annotations: annotations},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To(class),
			Rules: []networkingv1.IngressRule{{
				Host:             "office.example.org",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
			}},
		},
	}
}

// wantAnyService is the Service of the stateless paths: the server pods'
// port under a name of its own, so the controller balances it without
// hashing.
func wantAnyService() *corev1.Service {
	s := wantPublicService()
	s.ObjectMeta = meta("office-collabora-any", "stateless")
	return s
}

// wantAnyIngress routes the stateless paths to wantAnyService, with the
// controller's annotations but without hashing.
func wantAnyIngress(class string, annotations map[string]string) *networkingv1.Ingress {
	paths := []networkingv1.HTTPIngressPath{}
	for _, p := range []string{
		"/hosting/discovery", "/hosting/capabilities", "/cool/convert-to", "/lool/convert-to",
		"/cool/extract-link-targets", "/cool/extract-document-structure", "/cool/transform-document-structure",
		"/cool/get-thumbnail", "/cool/render-search-result",
	} {
		paths = append(paths, ingressPath(p, "office-collabora-any"))
	}
	in := wantIngress(class, annotations, paths)
	in.ObjectMeta = meta("office-collabora-any", "stateless")
	in.Annotations = annotations
	return in
}

// wantHTTPRoute is the HTTPRoute to Gateway gateways/public: the admin paths
// get their own rule to the Service's blocked port.
func wantHTTPRoute() *gatewayv1.HTTPRoute {
	match := func(p string) gatewayv1.HTTPRouteMatch {
		return gatewayv1.HTTPRouteMatch{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(p)}}
	}
	ref := func(port gatewayv1.PortNumber) []gatewayv1.HTTPBackendRef {
		return []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{
			Name: "office-collabora", Port: ptr.To(port),
		}}}}
	}
	return &gatewayv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "HTTPRoute"},
		ObjectMeta: meta("office-collabora", "route"),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
				Name: "public", Namespace: ptr.To[gatewayv1.Namespace]("gateways"),
			}}},
			Hostnames: []gatewayv1.Hostname{"office.example.org"},
			Rules: []gatewayv1.HTTPRouteRule{
				{Matches: []gatewayv1.HTTPRouteMatch{match("/")}, BackendRefs: ref(9980)},
				{Matches: []gatewayv1.HTTPRouteMatch{match("/browser/dist/admin"), match("/cool/adminws"), match("/cool/getMetrics")}, BackendRefs: ref(9981)},
			},
		},
	}
}

func connection(password string) map[string][]byte {
	return map[string][]byte{
		"wopiUrl":       []byte("https://office.example.org"),
		"discoveryUrl":  []byte("https://office.example.org/hosting/discovery"),
		"adminUsername": []byte("admin"),
		"adminPassword": []byte(password),
	}
}

// wantMinimal is the result for the minimal claim on its first reconcile:
// NetworkPolicies on by default, no DNS record, no certificate of its own.
func wantMinimal() *compose.Result {
	deny, allow := wantNetworkPolicies(ingressPeer("ingress-nginx"))
	return &compose.Result{
		Resources: map[resource.Name]compose.Desired{
			"admin-secret":         {Object: wantAdminSecret(testPassword), Ready: resource.ReadyTrue},
			"proof-key-secret":     {Object: wantProofKeySecret(testProofKey), Ready: resource.ReadyTrue},
			"deployment":           {Object: wantDeployment(), Ready: resource.ReadyFalse},
			"service":              {Object: wantService(), Ready: resource.ReadyTrue},
			"route-ingress":        {Object: wantIngress("nginx", nginxAnnotations(), privatePaths()), Ready: resource.ReadyTrue},
			"network-policy-deny":  {Object: deny, Ready: resource.ReadyTrue},
			"network-policy-allow": {Object: allow, Ready: resource.ReadyTrue},
		},
		ConnectionDetails: connection(testPassword),
		Status:            v1alpha1.XCollaboraStatus{URL: "https://office.example.org"},
		Conditions:        []compose.Condition{tlsDisabled("the ingress controller's default certificate"), dnsDisabled},
	}
}

// wantGatewayMinimal is wantMinimal through Gateway gateways/public: an
// HTTPRoute instead of the Ingress, the listener's certificate, and the
// warning about the ingress namespace of the NetworkPolicies.
func wantGatewayMinimal() *compose.Result {
	r := wantMinimal()
	delete(r.Resources, "route-ingress")
	r.Resources["route-httproute"] = compose.Desired{Object: wantHTTPRoute(), Ready: resource.ReadyTrue}
	r.Conditions = []compose.Condition{tlsDisabled("the certificate of the Gateway's listener"), dnsDisabled}
	r.Events = []compose.Event{gatewayNamespaceWarning}
	return r
}

// availableDeployment is an observed Deployment that has rolled out.
func availableDeployment(replicas int32) *appsv1.Deployment {
	d := wantDeployment()
	d.Spec.Replicas = ptr.To(replicas)
	d.Generation = 2
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: 2,
		Replicas:           replicas,
		UpdatedReplicas:    replicas,
		ReadyReplicas:      replicas,
		AvailableReplicas:  replicas,
		Conditions:         []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
	}
	return d
}

func TestCompose(t *testing.T) {
	cases := map[string]struct {
		reason     string
		parameters string
		observed   []runtime.Object
		keys       KeyGenerator
		// policy is the platform admin's; the default when nil.
		policy  *fnv1alpha1.Policy
		want    func() *compose.Result
		wantErr string
	}{
		"Minimal": {
			reason:     "A host and one WOPI host compose one replica behind an nginx Ingress with the admin paths blocked, generated secrets, and a Deployment not yet ready.",
			parameters: minimal,
			want:       wantMinimal,
		},
		"ThreeReplicasNginx": {
			reason:     "Three replicas hash on WOPISrc at the nginx Ingress, spread over nodes, and get a PodDisruptionBudget; never an autoscaler. The stateless paths go through a second Ingress to a second Service of the same pods, without hashing.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 3}`,
			want: func() *compose.Result {
				r := wantMinimal()
				d := wantDeployment()
				d.Spec.Replicas = ptr.To[int32](3)
				d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
					MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
					LabelSelector: &metav1.LabelSelector{MatchLabels: selector()},
				}}
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyFalse}
				r.Resources["pdb"] = compose.Desired{Object: wantPDB(), Ready: resource.ReadyTrue}
				a := nginxAnnotations()
				a["nginx.ingress.kubernetes.io/upstream-hash-by"] = "$arg_WOPISrc"
				r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("nginx", a, privatePaths()), Ready: resource.ReadyTrue}
				r.Resources["any-service"] = compose.Desired{Object: wantAnyService(), Ready: resource.ReadyTrue}
				r.Resources["any-route-ingress"] = compose.Desired{Object: wantAnyIngress("nginx", nginxAnnotations()), Ready: resource.ReadyTrue}
				return r
			},
		},
		"ThreeReplicasHAProxy": {
			reason:     "Three replicas behind HAProxy balance on the WOPISrc URL parameter, for both HAProxy ingress controllers; the stateless paths are balanced through their own Ingress and Service.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 3, "route": {"ingress": {"className": "haproxy", "controller": "haproxy"}}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				d := wantDeployment()
				d.Spec.Replicas = ptr.To[int32](3)
				d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
					MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
					LabelSelector: &metav1.LabelSelector{MatchLabels: selector()},
				}}
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyFalse}
				r.Resources["pdb"] = compose.Desired{Object: wantPDB(), Ready: resource.ReadyTrue}
				a := map[string]string{
					"haproxy.org/load-balance":                    "url_param WOPISrc",
					"haproxy.org/timeout-tunnel":                  "3600s",
					"haproxy-ingress.github.io/balance-algorithm": "url_param WOPISrc",
					"haproxy-ingress.github.io/timeout-tunnel":    "3600s",
				}
				r.Resources["route-ingress"] = compose.Desired{Object: wantIngress("haproxy", a, privatePaths()), Ready: resource.ReadyTrue}
				r.Resources["any-service"] = compose.Desired{Object: wantAnyService(), Ready: resource.ReadyTrue}
				r.Resources["any-route-ingress"] = compose.Desired{Object: wantAnyIngress("haproxy", map[string]string{
					"haproxy.org/timeout-tunnel":               "3600s",
					"haproxy-ingress.github.io/timeout-tunnel": "3600s",
				}), Ready: resource.ReadyTrue}
				return r
			},
		},
		"ReplicasTraefikRejected": {
			reason:     "Traefik cannot hash on a query parameter: more than one replica behind it is a FieldError.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 2, "route": {"ingress": {"className": "traefik", "controller": "traefik"}}}`,
			wantErr:    `spec.parameters.route.ingress.controller: Invalid value: "traefik": the traefik ingress controller cannot route every request for a document to the same replica (by hashing the WOPISrc query parameter), which replicas > 1 needs: use controller nginx or haproxy, or set replicas to 1`,
		},
		"ReplicasOtherRejected": {
			reason:     "An unknown controller cannot be trusted to hash on WOPISrc.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 2, "route": {"ingress": {"className": "cilium", "controller": "other"}}}`,
			wantErr:    `spec.parameters.route.ingress.controller: Invalid value: "other": the other ingress controller cannot route every request for a document to the same replica (by hashing the WOPISrc query parameter), which replicas > 1 needs: use controller nginx or haproxy, or set replicas to 1`,
		},
		"ReplicasGatewayRejected": {
			reason:     "Gateway API has no standard hashing on a query parameter.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": 2, "route": {"gateway": {"name": "public"}}}`,
			wantErr:    `spec.parameters.route.gateway: Invalid value: "public": Gateway API has no standard way to route every request for a document to the same replica (by hashing the WOPISrc query parameter), which replicas > 1 needs: use route.ingress with controller nginx or haproxy, or set replicas to 1`,
		},
		"AdminConsolePublic": {
			reason:     "A public admin console is routed like every other path, and the Service has no blocked port.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "adminConsole": {"public": true}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["service"] = compose.Desired{Object: wantPublicService(), Ready: resource.ReadyTrue}
				r.Resources["route-ingress"] = compose.Desired{
					Object: wantIngress("nginx", nginxAnnotations(), []networkingv1.HTTPIngressPath{ingressPath("/", "office-collabora")}),
					Ready:  resource.ReadyTrue,
				}
				return r
			},
		},
		"GatewayPrivateAdmin": {
			reason:     "Through a Gateway the admin paths get their own rule to the Service's blocked port; Gateway API picks the longest match.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "route": {"gateway": {"name": "public", "namespace": "gateways"}}}`,
			want:       wantGatewayMinimal,
		},
		"BlockedMoveServiceGainsPort": {
			reason:     "Upgrading, step 1: while the observed Service lacks the blocked port, the route keeps sending the admin paths to the old blocked Service, which stays composed as it was; the Service gains the port.",
			parameters: minimal,
			observed:   []runtime.Object{as("service", wantPublicService()), as("route-ingress", oldPrivateIngress()), as("blocked-service", wantOldBlockedService())},
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["route-ingress"] = compose.Desired{Object: oldPrivateIngress(), Ready: resource.ReadyTrue}
				return withOldBlockedService(r)
			},
		},
		"BlockedMoveRouteMoves": {
			reason:     "Upgrading, step 2: once the observed Service has the blocked port the route moves to it, and the old Service stays composed while the observed route still sends to it (Crossplane deletes what is no longer composed before it applies).",
			parameters: minimal,
			observed:   []runtime.Object{as("service", wantService()), as("route-ingress", oldPrivateIngress()), as("blocked-service", wantOldBlockedService())},
			want:       func() *compose.Result { return withOldBlockedService(wantMinimal()) },
		},
		"BlockedMoveHTTPRouteMoves": {
			reason:     "The same step through a Gateway: an observed HTTPRoute rule to the old blocked Service keeps it composed.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "route": {"gateway": {"name": "public", "namespace": "gateways"}}}`,
			observed: []runtime.Object{as("service", wantService()), as("blocked-service", wantOldBlockedService()), as("route-httproute", func() *gatewayv1.HTTPRoute {
				hr := wantHTTPRoute()
				hr.Spec.Rules[1].BackendRefs[0].Name = "office-collabora-blocked"
				hr.Spec.Rules[1].BackendRefs[0].Port = ptr.To[gatewayv1.PortNumber](9980)
				return hr
			}())},
			want: func() *compose.Result { return withOldBlockedService(wantGatewayMinimal()) },
		},
		"BlockedMoveDone": {
			reason:     "Upgrading, step 3: once the observed route sends the admin paths to the blocked port, the old Service is no longer composed, and Crossplane deletes it.",
			parameters: minimal,
			observed: []runtime.Object{
				as("service", wantService()),
				as("route-ingress", wantIngress("nginx", nginxAnnotations(), privatePaths())),
				as("blocked-service", wantOldBlockedService()),
			},
			want: wantMinimal,
		},
		"BlockedMoveToPublic": {
			reason:     "Upgrading a claim whose admin console turns public: no admin paths to move, the old Service stays composed only while the observed route still sends to it.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "adminConsole": {"public": true}}`,
			observed:   []runtime.Object{as("service", wantPublicService()), as("route-ingress", oldPrivateIngress()), as("blocked-service", wantOldBlockedService())},
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["service"] = compose.Desired{Object: wantPublicService(), Ready: resource.ReadyTrue}
				r.Resources["route-ingress"] = compose.Desired{
					Object: wantIngress("nginx", nginxAnnotations(), []networkingv1.HTTPIngressPath{ingressPath("/", "office-collabora")}),
					Ready:  resource.ReadyTrue,
				}
				return withOldBlockedService(r)
			},
		},
		"BlockedServiceNeverObserved": {
			reason:     "An observed route naming the old blocked Service (e.g. edited by hand) composes nothing new when that Service was never observed: the move only starts from what Homeplane composed.",
			parameters: minimal,
			observed:   []runtime.Object{as("route-ingress", oldPrivateIngress())},
			want:       wantMinimal,
		},
		"SecretsStable": {
			reason:     "Observed secrets are reused, never regenerated: the admin password and the proof key stay the same on every reconcile.",
			parameters: minimal,
			observed: []runtime.Object{
				as("admin-secret", wantAdminSecret("observed-password")),
				as("proof-key-secret", wantProofKeySecret("observed-key")),
			},
			keys: failingKey,
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["admin-secret"] = compose.Desired{Object: wantAdminSecret("observed-password"), Ready: resource.ReadyTrue}
				r.Resources["proof-key-secret"] = compose.Desired{Object: wantProofKeySecret("observed-key"), Ready: resource.ReadyTrue}
				d := wantDeployment()
				d.Spec.Template.Annotations["homeplane.dev/secrets-checksum"] = checksumObserved
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyFalse}
				r.ConnectionDetails = connection("observed-password")
				return r
			},
		},
		"ReadyWhenAvailable": {
			reason:     "The Deployment is ready once it has rolled out its spec with every replica available.",
			parameters: minimal,
			observed:   []runtime.Object{as("deployment", availableDeployment(1))},
			want: func() *compose.Result {
				r := wantMinimal()
				r.Resources["deployment"] = compose.Desired{Object: wantDeployment(), Ready: resource.ReadyTrue}
				return r
			},
		},
		"EverythingSet": {
			reason: "Several WOPI hosts become alias groups in order; dictionaries, image and resources are passed through; TLS comes from cert-manager; the admin allows the mirror and the annotation.",
			policy: &fnv1alpha1.Policy{
				Images: fnv1alpha1.ImagePolicy{AllowedRepositories: []string{"registry.example.org/collabora/code"}},
				Route:  fnv1alpha1.RoutePolicy{AllowedAnnotations: []string{"nginx.ingress.kubernetes.io/proxy-body-size"}},
			},
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org", "https://Files.Example.com:8443/nextcloud"], "dictionaries": ["de_DE", "en_US"], "image": "registry.example.org/collabora/code:25.04", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": 4, "memory": "4Gi"}}, "route": {"ingress": {"className": "public", "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "500m"}}, "tls": {"issuer": "letsencrypt"}}}`,
			want: func() *compose.Result {
				r := wantMinimal()
				d := wantDeployment()
				c := &d.Spec.Template.Spec.Containers[0]
				c.Image = "registry.example.org/collabora/code:25.04"
				c.Env = append([]corev1.EnvVar{
					{Name: "aliasgroup1", Value: "https://cloud.example.org:443"},
					{Name: "aliasgroup2", Value: "https://files.example.com:8443"},
					{Name: "extra_params", Value: "--o:ssl.enable=false --o:ssl.termination=true --o:mount_jail_tree=false"},
					{Name: "server_name", Value: "office.example.org"},
					{Name: "dictionaries", Value: "de_DE en_US"},
				}, c.Env[3:]...)
				c.Resources = corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("500m"), corev1.ResourceMemory: apiresource.MustParse("1Gi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("4"), corev1.ResourceMemory: apiresource.MustParse("4Gi")},
				}
				r.Resources["deployment"] = compose.Desired{Object: d, Ready: resource.ReadyFalse}
				a := nginxAnnotations()
				a["nginx.ingress.kubernetes.io/proxy-body-size"] = "500m"
				a["cert-manager.io/cluster-issuer"] = "letsencrypt"
				in := wantIngress("public", a, privatePaths())
				in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"office.example.org"}, SecretName: "office-collabora-tls"}}
				r.Resources["route-ingress"] = compose.Desired{Object: in, Ready: resource.ReadyTrue}
				r.Conditions = []compose.Condition{tlsIngress("ClusterIssuer"), dnsDisabled}
				return r
			},
		},
		"ProofKeyGenerationFails": {
			reason:     "A failing key generator is an error, not a Secret without a key.",
			parameters: minimal,
			keys:       failingKey,
			wantErr:    "cannot compose Collabora WOPI proof key Secret: no entropy",
		},
		"WrongType": {
			reason:     "A field of the wrong type is a FieldError naming it.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "replicas": "three"}`,
			wantErr:    "spec.parameters.replicas: cannot be a string, must be an integer",
		},
		"SysAdminAllowed": {
			reason:     "A claim that asks for mounted jails where the platform admin allows SYS_ADMIN: the container adds it and coolwsd bind mounts its jails.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "mountJailTree": true}`,
			policy:     &fnv1alpha1.Policy{Images: fnv1alpha1.ImagePolicy{AllowedRepositories: fnv1alpha1.DefaultRepositories}, Collabora: fnv1alpha1.CollaboraPolicy{AllowSysAdmin: true}},
			want: func() *compose.Result {
				r := wantMinimal()
				d := r.Resources["deployment"].Object.(*appsv1.Deployment)
				c := &d.Spec.Template.Spec.Containers[0]
				c.SecurityContext.Capabilities.Add = []corev1.Capability{"CHOWN", "FOWNER", "MKNOD", "SYS_ADMIN", "SYS_CHROOT"}
				c.Env[1].Value = "--o:ssl.enable=false --o:ssl.termination=true"
				r.Conditions = append(r.Conditions, compose.Condition{Type: "SysAdmin", Status: "True", Reason: "Allowed",
					Message: "The pods add SYS_ADMIN to bind mount document jails (spec.parameters.mountJailTree): their namespace's Pod Security level must be privileged"})
				return r
			},
		},
		"SysAdminNotAllowed": {
			reason:     "A claim that asks for mounted jails where the policy does not allow SYS_ADMIN: baseline pods, and a condition that says why.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "mountJailTree": true}`,
			want: func() *compose.Result {
				r := wantMinimal()
				r.Conditions = append(r.Conditions, compose.Condition{Type: "SysAdmin", Status: "False", Reason: "NotAllowed",
					Message: "spec.parameters.mountJailTree asks for SYS_ADMIN, which the platform admin's policy does not allow (function input collabora.allowSysAdmin): jails are copied instead and the pods meet the Pod Security baseline level"})
				return r
			},
		},
		"SysAdminNotRequested": {
			reason:     "Where the policy allows SYS_ADMIN but the claim does not ask for mounted jails, the pods stay baseline.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"]}`,
			policy:     &fnv1alpha1.Policy{Images: fnv1alpha1.ImagePolicy{AllowedRepositories: fnv1alpha1.DefaultRepositories}, Collabora: fnv1alpha1.CollaboraPolicy{AllowSysAdmin: true}},
			want:       wantMinimal,
		},
		"ImageNotAllowed": {
			reason:     "An image from a repository the platform admin did not allow is refused, naming the field.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "image": "evil.example.net/code:1"}`,
			wantErr:    "spec.parameters.image: Forbidden: image evil.example.net/code:1 is not from a repository the platform admin allows: docker.io/collabora/code, registry.gitlab.com/famedly/conduit/matrix-conduit, ghcr.io/matrix-construct/tuwunel, forgejo.ellis.link/continuwuation/continuwuity",
		},
		"AnnotationNotAllowed": {
			reason:     "An Ingress annotation the platform admin did not allow is refused: it would act with the controller's rights.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["https://cloud.example.org"], "route": {"ingress": {"annotations": {"nginx.ingress.kubernetes.io/auth-tls-secret": "other/secret"}}}}`,
			wantErr:    "spec.parameters.route.ingress.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]: Forbidden: the platform admin does not allow this annotation (allowed: none): an annotation acts with the ingress controller's rights",
		},
		"HostNotAllowed": {
			reason:     "A host outside the suffixes the admin gives the namespace is refused (the DNS zone may be shared: its record names are what is checked).",
			parameters: `{"host": "office.other.example", "wopiHosts": ["https://cloud.example.org"], "dns": {"providerConfigRef": {"name": "bind"}, "zone": "other.example", "target": "192.0.2.10"}}`,
			policy:     &fnv1alpha1.Policy{Images: fnv1alpha1.ImagePolicy{AllowedRepositories: fnv1alpha1.DefaultRepositories}, Hosts: fnv1alpha1.HostPolicy{Allowed: []fnv1alpha1.HostRule{{Suffix: "{namespace}.apps.example.org"}}}},
			wantErr:    "spec.parameters.host: Forbidden: office.other.example is not under a host suffix the platform admin allows namespace office: office.apps.example.org",
		},
		"HostAllowed": {
			reason:     "A host under the namespace's own suffix is allowed.",
			parameters: `{"host": "docs.office.apps.example.org", "wopiHosts": ["https://cloud.example.org"]}`,
			policy:     &fnv1alpha1.Policy{Images: fnv1alpha1.ImagePolicy{AllowedRepositories: fnv1alpha1.DefaultRepositories}, Hosts: fnv1alpha1.HostPolicy{Allowed: []fnv1alpha1.HostRule{{Suffix: "{namespace}.apps.example.org"}}}},
			// Only that it composes: the host's effect is the Minimal case's.
		},
		"InvalidParameters": {
			reason:     "Invalid parameters are FieldErrors naming the field.",
			parameters: `{"host": "office.example.org", "wopiHosts": ["http://cloud.example.org"]}`,
			wantErr:    `spec.parameters.wopiHosts[0]: Invalid value: "http://cloud.example.org": must be an https URL such as https://cloud.example.org`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			keys := tc.keys
			if keys == nil {
				keys = fixedKey
			}
			req := request(t, tc.parameters, tc.observed...)
			if tc.policy != nil {
				req.Policy = *tc.policy
			}
			got, err := NewComposer(WithProofKeyGenerator(keys)).Compose(context.Background(), req)
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nCompose(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" || tc.want == nil {
				return
			}
			if diff := cmp.Diff(withSysAdmin(tc.want()), got, cmpOpts...); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
