package collabora

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/office/v1alpha1"
)

func ingress(c common.IngressController) common.Route {
	return common.Route{Ingress: &common.IngressRoute{ClassName: "x", Controller: c}}
}

func TestAnnotations(t *testing.T) {
	cases := map[string]struct {
		reason   string
		route    common.Route
		replicas int32
		want     map[string]string
	}{
		"DefaultRouteOneReplica": {
			reason:   "The default route is nginx: long websocket timeouts and no body limit, no hashing for one replica.",
			replicas: 1,
			want: map[string]string{
				AnnotationNginxBodySize:    "0",
				AnnotationNginxReadTimeout: "3600",
				AnnotationNginxSendTimeout: "3600",
			},
		},
		"NginxReplicas": {
			reason:   "More than one replica hashes on WOPISrc.",
			route:    ingress(common.IngressControllerNginx),
			replicas: 2,
			want: map[string]string{
				AnnotationNginxBodySize:    "0",
				AnnotationNginxReadTimeout: "3600",
				AnnotationNginxSendTimeout: "3600",
				AnnotationNginxHashBy:      "$arg_WOPISrc",
			},
		},
		"HAProxyOneReplica": {
			reason:   "HAProxy gets long tunnel timeouts for both of its controllers.",
			route:    ingress(common.IngressControllerHAProxy),
			replicas: 1,
			want: map[string]string{
				AnnotationHAProxyTunnel:    "3600s",
				AnnotationHAProxyIngTunnel: "3600s",
			},
		},
		"HAProxyReplicas": {
			reason:   "More than one replica balances on the WOPISrc URL parameter.",
			route:    ingress(common.IngressControllerHAProxy),
			replicas: 3,
			want: map[string]string{
				AnnotationHAProxyTunnel:     "3600s",
				AnnotationHAProxyIngTunnel:  "3600s",
				AnnotationHAProxyBalance:    "url_param WOPISrc",
				AnnotationHAProxyIngBalance: "url_param WOPISrc",
			},
		},
		"Traefik": {
			reason:   "Traefik needs no annotations.",
			route:    ingress(common.IngressControllerTraefik),
			replicas: 1,
		},
		"Other": {
			reason:   "An unknown controller is the user's to annotate.",
			route:    ingress(common.IngressControllerOther),
			replicas: 1,
		},
		"Gateway": {
			reason:   "An HTTPRoute has no annotations.",
			route:    common.Route{Gateway: &common.GatewayRoute{Name: "public"}},
			replicas: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, annotations(tc.route, tc.replicas)); diff != "" {
				t.Errorf("%s\nannotations(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCheckScaling(t *testing.T) {
	cases := map[string]struct {
		reason   string
		route    common.Route
		replicas int32
		wantErr  bool
	}{
		"OneReplicaAnywhere": {reason: "One replica needs no hashing.", route: ingress(common.IngressControllerOther), replicas: 1},
		"OneReplicaGateway":  {reason: "One replica needs no hashing.", route: common.Route{Gateway: &common.GatewayRoute{Name: "g"}}, replicas: 1},
		"DefaultRoute":       {reason: "The default route is nginx.", replicas: 2},
		"Nginx":              {reason: "nginx hashes.", route: ingress(common.IngressControllerNginx), replicas: 2},
		"HAProxy":            {reason: "HAProxy hashes.", route: ingress(common.IngressControllerHAProxy), replicas: 2},
		"Traefik":            {reason: "Traefik cannot hash on a query parameter.", route: ingress(common.IngressControllerTraefik), replicas: 2, wantErr: true},
		"Other":              {reason: "An unknown controller is not trusted to.", route: ingress(common.IngressControllerOther), replicas: 2, wantErr: true},
		"Gateway":            {reason: "Gateway API has no standard way.", route: common.Route{Gateway: &common.GatewayRoute{Name: "g"}}, replicas: 2, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := resolveParams(v1alpha1.CollaboraParameters{Host: "office.example.org", WOPIHosts: []string{"https://cloud.example.org"},
				Replicas: tc.replicas, Wiring: common.Wiring{Route: tc.route}})
			if (err != nil) != tc.wantErr {
				t.Errorf("%s\nresolve(...): got error %v, want error: %t", tc.reason, err, tc.wantErr)
			}
		})
	}
}
