package matrix

import (
	"context"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
)

func ingressPath(path string) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{
		Path:     path,
		PathType: ptr.To(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: "chat-matrix", Port: networkingv1.ServiceBackendPort{Number: 6167},
		}},
	}
}

func wantIngress(name, component, host string, annotations map[string]string, tls bool, paths ...string) *networkingv1.Ingress {
	in := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta(name, component),
		Spec:       networkingv1.IngressSpec{IngressClassName: ptr.To("nginx")},
	}
	in.Annotations = annotations
	rule := networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}}
	for _, p := range paths {
		rule.HTTP.Paths = append(rule.HTTP.Paths, ingressPath(p))
	}
	in.Spec.Rules = []networkingv1.IngressRule{rule}
	if tls {
		in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: name + "-tls"}}
	}
	return in
}

func wantHTTPRoute(name, component, host string, paths ...string) *gatewayv1.HTTPRoute {
	r := &gatewayv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "HTTPRoute"},
		ObjectMeta: meta(name, component),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "public", Namespace: ptr.To(gatewayv1.Namespace("gateways"))}}},
			Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(host)},
			Rules: []gatewayv1.HTTPRouteRule{{
				BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: "chat-matrix", Port: ptr.To[int32](6167)}}}},
			}},
		},
	}
	for _, p := range paths {
		r.Spec.Rules[0].Matches = append(r.Spec.Rules[0].Matches, gatewayv1.HTTPRouteMatch{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(p)}})
	}
	return r
}

// routed is a composed route with its composition resource name.
type routed struct {
	name resource.Name
	obj  runtime.Object
}

var bodySize = map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "20971520"}

func TestRoutes(t *testing.T) {
	gateway := common.Route{Gateway: &common.GatewayRoute{Name: "public", Namespace: "gateways"}}
	cases := map[string]struct {
		reason string
		params v1alpha1.MatrixServerParameters
		want   []routed
	}{
		"OnServerName": {
			reason: "On the server name itself (often a website's apex) only the Matrix paths go to the homeserver; nginx lets uploads through.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			want:   []routed{{"route-ingress", wantIngress("chat-matrix", "route", "example.org", bodySize, false, "/_matrix", "/.well-known/matrix")}},
		},
		"Delegated": {
			reason: "On its own host the homeserver gets every path; the server name delegates with its well-known paths only, in a second Ingress.",
			params: v1alpha1.MatrixServerParameters{
				ServerName:    "example.org",
				Host:          "matrix.example.org",
				MaxUploadSize: ptr.To(apiresource.MustParse("100Mi")),
				Wiring:        common.Wiring{Route: common.Route{Ingress: &common.IngressRoute{ClassName: "nginx"}, TLS: &common.TLS{Issuer: "le"}}},
			},
			want: []routed{
				{"route-ingress", wantIngress("chat-matrix", "route", "matrix.example.org", map[string]string{
					"nginx.ingress.kubernetes.io/proxy-body-size": "104857600",
					"cert-manager.io/cluster-issuer":              "le",
				}, true, "/")},
				{"delegation-ingress", wantIngress("chat-matrix-delegation", "delegation", "example.org", map[string]string{
					"cert-manager.io/cluster-issuer": "le",
				}, true, "/.well-known/matrix")},
			},
		},
		"OtherController": {
			reason: "The body size annotation is nginx's: other controllers do not get it.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org", Wiring: common.Wiring{Route: common.Route{Ingress: &common.IngressRoute{ClassName: "nginx", Controller: common.IngressControllerTraefik}}}},
			want:   []routed{{"route-ingress", wantIngress("chat-matrix", "route", "example.org", nil, false, "/_matrix", "/.well-known/matrix")}},
		},
		"GatewayDelegated": {
			reason: "Gateway API: two HTTPRoutes, because an HTTPRoute serves the same paths on all its hostnames.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org", Host: "matrix.example.org", Wiring: common.Wiring{Route: gateway}},
			want: []routed{
				{"route-httproute", wantHTTPRoute("chat-matrix", "route", "matrix.example.org", "/")},
				{"delegation-httproute", wantHTTPRoute("chat-matrix-delegation", "delegation", "example.org", "/.well-known/matrix")},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			params, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&tc.params)
			if err != nil {
				t.Fatal(err)
			}
			res, err := NewComposer().Compose(context.Background(), request(t, params, nil))
			if err != nil {
				t.Fatal(err)
			}
			var got []routed
			for _, r := range []resource.Name{"route-ingress", "delegation-ingress", "route-httproute", "delegation-httproute"} {
				if d, ok := res.Resources[r]; ok {
					got = append(got, routed{r, d.Object})
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(routed{})); diff != "" {
				t.Errorf("%s\nCompose(...) routes: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
