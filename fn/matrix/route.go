package matrix

import (
	"strconv"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// Paths the homeserver serves.
const (
	PathMatrix    = "/_matrix"
	PathWellKnown = "/.well-known/matrix"
)

// AnnotationNginxBodySize lets uploads up to maxUploadSize through
// ingress-nginx, whose default is 1m.
const AnnotationNginxBodySize = "nginx.ingress.kubernetes.io/proxy-body-size"

// routeSpecs returns the route to the homeserver and, when the homeserver
// runs on another host than the server name, the delegation route that serves
// /.well-known/matrix/ on the server name. They are two objects because an
// HTTPRoute serves the same paths on all its hostnames.
func routeSpecs(req *compose.Request, p *params) []wiring.RouteSpec {
	n := namesFor(req.ClaimName)
	svc := n.Service()

	// On its own host the homeserver gets every path. On the server name
	// (often the apex of a website) it gets only the Matrix paths.
	paths := []wiring.Path{{Path: "/", Type: wiring.PathTypePrefix, Service: svc, Port: Port}}
	if !p.Delegated() {
		paths = []wiring.Path{
			{Path: PathMatrix, Type: wiring.PathTypePrefix, Service: svc, Port: Port},
			{Path: PathWellKnown, Type: wiring.PathTypePrefix, Service: svc, Port: Port},
		}
		// continuwuity's OIDC callback and login pages live outside /_matrix.
		if p.SSO != nil && p.impl().SSO == ssoOAuthOIDC {
			paths = append(paths, wiring.Path{Path: PathContinuwuity, Type: wiring.PathTypePrefix, Service: svc, Port: Port})
		}
	}
	var annotations map[string]string
	if wiring.Controller(p.Route) == common.IngressControllerNginx {
		annotations = map[string]string{AnnotationNginxBodySize: strconv.FormatInt(p.MaxUploadSize.Value(), 10)}
	}
	out := []wiring.RouteSpec{{
		Name:        n.Route(),
		App:         App,
		Component:   ComponentRoute,
		Resource:    ResourceRoute,
		Rules:       []wiring.Rule{{Host: p.Host, Paths: paths}},
		Annotations: annotations,
	}}
	if !p.Delegated() {
		return out
	}
	return append(out, wiring.RouteSpec{
		Name:      n.Delegation(),
		App:       App,
		Component: ComponentDelegation,
		Resource:  ResourceDelegation,
		Rules: []wiring.Rule{{Host: p.ServerName, Paths: []wiring.Path{
			{Path: PathWellKnown, Type: wiring.PathTypePrefix, Service: svc, Port: Port},
		}}},
	})
}
