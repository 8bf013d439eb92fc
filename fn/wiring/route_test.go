package wiring

import (
	"errors"
	"fmt"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// errorString compares errors by message.
func errorString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func request() *compose.Request {
	return &compose.Request{ClaimName: "chat", Namespace: "team"}
}

func meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      "chat-app",
		Namespace: "team",
		Labels: map[string]string{
			"app.kubernetes.io/name":       "app",
			"app.kubernetes.io/instance":   "chat",
			"app.kubernetes.io/managed-by": "homeplane",
			"app.kubernetes.io/component":  "route",
		},
	}
}

func oneHost() RouteSpec {
	return RouteSpec{
		Name: "chat-app",
		App:  "app",
		Rules: []Rule{{Host: "app.example.org", Paths: []Path{
			{Path: "/", Service: "chat-app", Port: 8080},
		}}},
	}
}

func prefix() *networkingv1.PathType { return ptr.To(networkingv1.PathTypePrefix) }

func backend(svc string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: port}}}
}

func ingressTypeMeta() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}
}

func routeTypeMeta() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "HTTPRoute"}
}

func TestComposeRoute(t *testing.T) {
	type want struct {
		name resource.Name
		obj  runtime.Object
		err  error
	}
	cases := map[string]struct {
		reason string
		route  common.Route
		spec   RouteSpec
		owner  *RouteSpec
		want   want
	}{
		"SharesCertificate": {
			reason: "An Ingress whose hosts another route's certificate covers lists that route's Secret and drops every cert-manager annotation, the user's too, so that ingress-shim issues one certificate per host.",
			route: common.Route{
				Ingress: &common.IngressRoute{Annotations: map[string]string{
					"cert-manager.io/common-name": "x", "kubernetes.io/tls-acme": "true", "acme.cert-manager.io/http01-edit-in-place": "true", "extra": "yes",
				}},
				TLS: &common.TLS{Issuer: "letsencrypt"},
			},
			spec:  func() RouteSpec { s := oneHost(); s.Name = "chat-app-any"; s.Resource = "any"; return s }(),
			owner: func() *RouteSpec { s := oneHost(); return &s }(),
			want: want{
				name: "any-ingress",
				obj: &networkingv1.Ingress{
					TypeMeta: ingressTypeMeta(),
					ObjectMeta: func() metav1.ObjectMeta {
						m := meta()
						m.Name = "chat-app-any"
						m.Annotations = map[string]string{"extra": "yes"}
						return m
					}(),
					Spec: networkingv1.IngressSpec{
						IngressClassName: ptr.To("nginx"),
						TLS:              []networkingv1.IngressTLS{{Hosts: []string{"app.example.org"}, SecretName: "chat-app-tls"}},
						Rules: []networkingv1.IngressRule{{Host: "app.example.org", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
							Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: prefix(), Backend: backend("chat-app", 8080)}},
						}}}},
					},
				},
			},
		},
		"DefaultIngress": {
			reason: "A route with neither ingress nor gateway is an nginx Ingress, as the XRD defaults it, without TLS.",
			spec:   oneHost(),
			want: want{
				name: "ingress",
				obj: &networkingv1.Ingress{
					TypeMeta:   ingressTypeMeta(),
					ObjectMeta: meta(),
					Spec: networkingv1.IngressSpec{
						IngressClassName: ptr.To("nginx"),
						Rules: []networkingv1.IngressRule{{Host: "app.example.org", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
							Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: prefix(), Backend: backend("chat-app", 8080)}},
						}}}},
					},
				},
			},
		},
		"IngressWithTLSAndAnnotations": {
			reason: "TLS asks cert-manager's ClusterIssuer for one certificate covering every host; the user's annotations override the app's; each host keeps its own paths.",
			route: common.Route{
				Ingress: &common.IngressRoute{ClassName: "public", Annotations: map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "50m", "extra": "yes"}},
				TLS:     &common.TLS{Issuer: "letsencrypt"},
			},
			spec: RouteSpec{
				Name:        "chat-app",
				App:         "app",
				Resource:    "web",
				Annotations: map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "20m"},
				Rules: []Rule{
					{Host: "b.example.org", Paths: []Path{{Path: "/", Type: PathTypePrefix, Service: "chat-app", Port: 8080}}},
					{Host: "a.example.org", Paths: []Path{{Path: "/.well-known/x", Type: PathTypeExact, Service: "chat-app", Port: 8080}}},
				},
			},
			want: want{
				name: "web-ingress",
				obj: &networkingv1.Ingress{
					TypeMeta: ingressTypeMeta(),
					ObjectMeta: func() metav1.ObjectMeta {
						m := meta()
						m.Annotations = map[string]string{
							"nginx.ingress.kubernetes.io/proxy-body-size": "50m",
							"extra":                          "yes",
							"cert-manager.io/cluster-issuer": "letsencrypt",
						}
						return m
					}(),
					Spec: networkingv1.IngressSpec{
						IngressClassName: ptr.To("public"),
						TLS:              []networkingv1.IngressTLS{{Hosts: []string{"a.example.org", "b.example.org"}, SecretName: "chat-app-tls"}},
						Rules: []networkingv1.IngressRule{
							{Host: "b.example.org", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
								Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: prefix(), Backend: backend("chat-app", 8080)}},
							}}},
							{Host: "a.example.org", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
								Paths: []networkingv1.HTTPIngressPath{{Path: "/.well-known/x", PathType: ptr.To(networkingv1.PathTypeExact), Backend: backend("chat-app", 8080)}},
							}}},
						},
					},
				},
			},
		},
		"IngressWithNamespacedIssuer": {
			reason: "An Issuer (not a ClusterIssuer) uses cert-manager's issuer annotation and the spec's TLS Secret name.",
			route:  common.Route{Ingress: &common.IngressRoute{}, TLS: &common.TLS{Issuer: "local", IssuerKind: common.IssuerKindIssuer}},
			spec: func() RouteSpec {
				s := oneHost()
				s.TLSSecretName = "my-cert"
				s.Component = "web"
				return s
			}(),
			want: want{
				name: "ingress",
				obj: &networkingv1.Ingress{
					TypeMeta: ingressTypeMeta(),
					ObjectMeta: func() metav1.ObjectMeta {
						m := meta()
						m.Labels["app.kubernetes.io/component"] = "web"
						m.Annotations = map[string]string{"cert-manager.io/issuer": "local"}
						return m
					}(),
					Spec: networkingv1.IngressSpec{
						IngressClassName: ptr.To("nginx"),
						TLS:              []networkingv1.IngressTLS{{Hosts: []string{"app.example.org"}, SecretName: "my-cert"}},
						Rules: []networkingv1.IngressRule{{Host: "app.example.org", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
							Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: prefix(), Backend: backend("chat-app", 8080)}},
						}}}},
					},
				},
			},
		},
		"GatewayInClaimNamespace": {
			reason: "A gateway route attaches to the named Gateway in the claim's namespace; paths to one backend share a rule.",
			route:  common.Route{Gateway: &common.GatewayRoute{Name: "public"}},
			spec: RouteSpec{
				Name: "chat-app",
				App:  "app",
				Rules: []Rule{{Host: "app.example.org", Paths: []Path{
					{Path: "/api", Service: "chat-app", Port: 8080},
					{Path: "/health", Type: PathTypeExact, Service: "chat-app", Port: 8080},
					{Path: "/", Service: "chat-web", Port: 80},
				}}},
			},
			want: want{
				name: "httproute",
				obj: &gatewayv1.HTTPRoute{
					TypeMeta:   routeTypeMeta(),
					ObjectMeta: meta(),
					Spec: gatewayv1.HTTPRouteSpec{
						CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "public", Namespace: ptr.To(gatewayv1.Namespace("team"))}}},
						Hostnames:       []gatewayv1.Hostname{"app.example.org"},
						Rules: []gatewayv1.HTTPRouteRule{
							{
								Matches: []gatewayv1.HTTPRouteMatch{
									{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To("/api")}},
									{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchExact), Value: ptr.To("/health")}},
								},
								BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: "chat-app", Port: ptr.To[int32](8080)}}}},
							},
							{
								Matches:     []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To("/")}}},
								BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: "chat-web", Port: ptr.To[int32](80)}}}},
							},
						},
					},
				},
			},
		},
		"GatewayElsewhereManyHosts": {
			reason: "A gateway in another namespace with a listener; hosts with the same paths share one route, hostnames sorted.",
			route:  common.Route{Gateway: &common.GatewayRoute{Name: "edge", Namespace: "infra", SectionName: "https"}},
			spec: RouteSpec{
				Name:     "chat-app",
				App:      "app",
				Resource: "web",
				Rules: []Rule{
					{Host: "b.example.org", Paths: []Path{{Path: "/", Service: "chat-app", Port: 8080}}},
					{Host: "a.example.org", Paths: []Path{{Path: "/", Service: "chat-app", Port: 8080}}},
				},
			},
			want: want{
				name: "web-httproute",
				obj: &gatewayv1.HTTPRoute{
					TypeMeta:   routeTypeMeta(),
					ObjectMeta: meta(),
					Spec: gatewayv1.HTTPRouteSpec{
						CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
							Name: "edge", Namespace: ptr.To(gatewayv1.Namespace("infra")), SectionName: ptr.To(gatewayv1.SectionName("https")),
						}}},
						Hostnames: []gatewayv1.Hostname{"a.example.org", "b.example.org"},
						Rules: []gatewayv1.HTTPRouteRule{{
							Matches:     []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To("/")}}},
							BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: "chat-app", Port: ptr.To[int32](8080)}}}},
						}},
					},
				},
			},
		},
		"GatewayPathsDiffer": {
			reason: "An HTTPRoute cannot serve different paths per host.",
			route:  common.Route{Gateway: &common.GatewayRoute{Name: "public"}},
			spec: RouteSpec{Name: "chat-app", App: "app", Rules: []Rule{
				{Host: "a.example.org", Paths: []Path{{Path: "/", Service: "chat-app", Port: 8080}}},
				{Host: "b.example.org", Paths: []Path{{Path: "/x", Service: "chat-app", Port: 8080}}},
			}},
			want: want{name: "httproute", err: fmt.Errorf(errPathsDiffer, "b.example.org", "a.example.org")},
		},
		"BothRoutes": {
			reason: "Ingress and gateway together are a field error on the route.",
			route:  common.Route{Ingress: &common.IngressRoute{}, Gateway: &common.GatewayRoute{Name: "public"}},
			spec:   oneHost(),
			want:   want{name: "httproute", err: compose.InvalidField("spec.parameters.route.gateway", "Forbidden: set at most one of route.ingress or route.gateway")},
		},
		"TLSOnGateway": {
			reason: "TLS with a gateway is allowed: the HTTPRoute is the same, the app composes the Certificate the listener uses.",
			route:  common.Route{Gateway: &common.GatewayRoute{Name: "public"}, TLS: &common.TLS{Issuer: "le"}},
			spec:   func() RouteSpec { s := oneHost(); s.Field = "spec.parameters.web"; return s }(),
			want: want{
				name: "httproute",
				obj: &gatewayv1.HTTPRoute{
					TypeMeta:   metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "HTTPRoute"},
					ObjectMeta: meta(),
					Spec: gatewayv1.HTTPRouteSpec{
						CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
							Name: "public", Namespace: ptr.To(gatewayv1.Namespace("team")),
						}}},
						Hostnames: []gatewayv1.Hostname{"app.example.org"},
						Rules: []gatewayv1.HTTPRouteRule{{
							Matches:     []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To("/")}}},
							BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: "chat-app", Port: ptr.To[int32](8080)}}}},
						}},
					},
				},
			},
		},
		"NoRules": {
			reason: "A spec without rules is a programming error.",
			spec:   RouteSpec{Name: "chat-app", App: "app"},
			want:   want{name: "ingress", err: errors.New(errNoRules)},
		},
		"BadPath": {
			reason: "A relative path is a programming error.",
			spec:   RouteSpec{Name: "chat-app", App: "app", Rules: []Rule{{Host: "a", Paths: []Path{{Path: "x", Service: "s", Port: 1}}}}},
			want:   want{name: "ingress", err: fmt.Errorf(errBadPath, "x", "a")},
		},
		"BadPort": {
			reason: "A path without a port is a programming error.",
			spec:   RouteSpec{Name: "chat-app", App: "app", Rules: []Rule{{Host: "a", Paths: []Path{{Path: "/", Service: "s"}}}}},
			want:   want{name: "ingress", err: fmt.Errorf(errBadPort, "/", "a", 0)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, o, err := composeRoute(request(), tc.route, tc.spec, tc.owner)
			if diff := cmp.Diff(errorString(tc.want.err), errorString(err)); diff != "" {
				t.Fatalf("%s\nCompose(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if n != tc.want.name {
				t.Errorf("%s\nCompose(...): want name %q, got %q", tc.reason, tc.want.name, n)
			}
			if tc.want.err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.obj, o); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
			// The object must convert as the function server converts it.
			if _, err := composed.From(o); err != nil {
				t.Errorf("%s\ncomposed.From(...): %v", tc.reason, err)
			}
		})
	}
}

func TestController(t *testing.T) {
	cases := map[string]struct {
		route common.Route
		want  common.IngressController
	}{
		"Default":  {want: common.IngressControllerNginx},
		"EmptySet": {route: common.Route{Ingress: &common.IngressRoute{}}, want: common.IngressControllerNginx},
		"Traefik":  {route: common.Route{Ingress: &common.IngressRoute{Controller: common.IngressControllerTraefik}}, want: common.IngressControllerTraefik},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Controller(tc.route); got != tc.want {
				t.Errorf("Controller(...): want %q, got %q", tc.want, got)
			}
		})
	}
}

func TestCertificateOwners(t *testing.T) {
	route := func(name string, hosts ...string) RouteSpec {
		s := RouteSpec{Name: name}
		for _, h := range hosts {
			s.Rules = append(s.Rules, Rule{Host: h, Paths: []Path{{Path: "/", Service: "s", Port: 1}}})
		}
		return s
	}
	cases := map[string]struct {
		reason string
		routes []RouteSpec
		want   []int
		err    error
	}{
		"DistinctHosts": {
			reason: "Routes for other hosts each ask for their own certificate (Matrix: homeserver and delegation).",
			routes: []RouteSpec{route("a", "matrix.example.org"), route("b", "example.org")},
			want:   []int{0, 1},
		},
		"SameHost": {
			reason: "A second route for the same host uses the first one's certificate (Collabora: sessions and stateless paths).",
			routes: []RouteSpec{route("a", "office.example.org"), route("b", "office.example.org")},
			want:   []int{0, 0},
		},
		"SubsetOfHosts": {
			reason: "A route whose hosts are all covered by one earlier route uses that route's certificate.",
			routes: []RouteSpec{route("a", "x.example.org", "y.example.org"), route("b", "other.example.org"), route("c", "y.example.org")},
			want:   []int{0, 1, 0},
		},
		"SplitHosts": {
			reason: "A route half covered by an earlier certificate cannot get one certificate per host.",
			routes: []RouteSpec{route("a", "x.example.org"), route("b", "x.example.org", "z.example.org")},
			err:    fmt.Errorf(errSplitHosts, "b", "x.example.org", "a", "z.example.org"),
		},
		"HostsOfTwoCertificates": {
			reason: "A route whose hosts two earlier certificates cover would need both.",
			routes: []RouteSpec{route("a", "x.example.org"), route("b", "y.example.org"), route("c", "x.example.org", "y.example.org")},
			err:    fmt.Errorf(errSplitHosts, "c", "x.example.org", "a", "y.example.org"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := certificateOwners(tc.routes)
			if diff := cmp.Diff(errorString(tc.err), errorString(err)); diff != "" {
				t.Fatalf("%s\ncertificateOwners(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ncertificateOwners(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
