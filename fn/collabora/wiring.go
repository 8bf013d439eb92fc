package collabora

import (
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// expose states what Collabora serves: its host through one route (the admin
// paths sent to the blocked Service unless the console is public), published
// in DNS and certified as the claim asks; no single sign-on (CODE has no login
// of its own, users come through the WOPI host), nothing to keep on delete.
//
// Who reaches the server pods, on port 9980 only: the ingress controller's
// namespace (browsers, and the WOPI host, which calls /hosting/discovery
// through the public URL it is configured with) and the pods of the claim's
// namespace labelled network.allowFromPods, for a WOPI host configured with
// the Service's URL instead. Nothing else: replicas of CODE do not talk to
// each other, and coolwsd's calls to the WOPI host are egress.
//
// The blocked-admin-path Service sends to port 1, where nothing listens; the
// policy does not open it. Opening it would let an admin path fail fast with
// a 502 instead of the controller's 504 after its connect timeout, but it
// would also admit anything that ever came to listen there (runtimes such as
// containerd 2 let unprivileged processes bind low ports). Blocked stays
// blocked.
func expose(req *compose.Request, p params) wiring.Exposure {
	return wiring.Exposure{
		App:    App,
		Claim:  p.Wiring,
		Routes: []wiring.RouteSpec{routeSpec(p)},
		Policy: &wiring.Policy{PodSelector: podLabels(req), Ports: []int32{Port}},
		Hosts:  []wiring.Host{{Field: fieldParameters + ".host", Name: p.Host}},
		Images: []wiring.Image{{Field: fieldParameters + ".image", Ref: p.Image}},
	}
}

// routeSpec routes the host to the Service, and the admin paths to the
// blocked Service unless the console is public.
func routeSpec(p params) wiring.RouteSpec {
	n := p.names
	paths := []wiring.Path{{Path: "/", Type: wiring.PathTypePrefix, Service: n.base, Port: Port}}
	if !p.AdminConsole.Public {
		for _, a := range AdminPaths {
			paths = append(paths, wiring.Path{Path: a, Type: wiring.PathTypePrefix, Service: n.blocked, Port: Port})
		}
	}
	return wiring.RouteSpec{
		Name:        n.base,
		App:         App,
		Resource:    ResourceRoute,
		Rules:       []wiring.Rule{{Host: p.Host, Paths: paths}},
		Annotations: annotations(p.Route, p.Replicas),
	}
}
