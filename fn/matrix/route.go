package matrix

import (
	"strconv"

	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/runtime"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/route"
)

// Paths the homeserver serves.
const (
	PathMatrix    = "/_matrix"
	PathWellKnown = "/.well-known/matrix"
)

// AnnotationNginxBodySize lets uploads up to maxUploadSize through
// ingress-nginx, whose default is 1m.
const AnnotationNginxBodySize = "nginx.ingress.kubernetes.io/proxy-body-size"

type routed struct {
	name resource.Name
	obj  runtime.Object
}

// Routes returns the route to the homeserver and, when the homeserver runs on
// another host than the server name, the delegation route that serves
// /.well-known/matrix/ on the server name. They are two objects because an
// HTTPRoute serves the same paths on all its hostnames.
func Routes(req *compose.Request, p *params) ([]routed, error) {
	n := namesFor(req.ClaimName)
	svc := n.Service()

	// On its own host the homeserver gets every path. On the server name
	// (often the apex of a website) it gets only the Matrix paths.
	paths := []route.Path{{Path: "/", Type: route.PathTypePrefix, Service: svc, Port: Port}}
	if !p.Delegated() {
		paths = []route.Path{
			{Path: PathMatrix, Type: route.PathTypePrefix, Service: svc, Port: Port},
			{Path: PathWellKnown, Type: route.PathTypePrefix, Service: svc, Port: Port},
		}
		// continuwuity's OIDC callback and login pages live outside /_matrix.
		if p.SSO != nil && p.impl().SSO == ssoOAuthOIDC {
			paths = append(paths, route.Path{Path: PathContinuwuity, Type: route.PathTypePrefix, Service: svc, Port: Port})
		}
	}
	var annotations map[string]string
	if route.Controller(p.Route) == common.IngressControllerNginx {
		annotations = map[string]string{AnnotationNginxBodySize: strconv.FormatInt(p.MaxUploadSize.Value(), 10)}
	}
	main := route.Spec{
		Name:        n.Route(),
		App:         App,
		Component:   ComponentRoute,
		Resource:    ResourceRoute,
		Rules:       []route.Rule{{Host: p.Host, Paths: paths}},
		Annotations: annotations,
		Field:       fieldRoute,
	}
	name, obj, err := route.Compose(req, p.Route, main)
	if err != nil {
		return nil, err
	}
	out := []routed{{name, obj}}
	if !p.Delegated() {
		return out, nil
	}

	delegation := route.Spec{
		Name:      n.Delegation(),
		App:       App,
		Component: ComponentDelegation,
		Resource:  ResourceDelegation,
		Rules: []route.Rule{{Host: p.ServerName, Paths: []route.Path{
			{Path: PathWellKnown, Type: route.PathTypePrefix, Service: svc, Port: Port},
		}}},
		Field: fieldRoute,
	}
	name, obj, err = route.Compose(req, p.Route, delegation)
	if err != nil {
		return nil, err
	}
	return append(out, routed{name, obj}), nil
}
