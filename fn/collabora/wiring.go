package collabora

import (
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// expose states what Collabora serves: its host through one route (the admin
// paths sent to the Service's blocked port unless the console is public),
// published in DNS and certified as the claim asks; no single sign-on (CODE
// has no login of its own, users come through the WOPI host), nothing to keep
// on delete.
//
// Who reaches the server pods, on port 9980 only: the ingress controller's
// namespace (browsers, and the WOPI host, which calls /hosting/discovery
// through the public URL it is configured with) and the pods of the claim's
// namespace labelled network.allowFromPods, for a WOPI host configured with
// the Service's URL instead. Nothing else: replicas of CODE do not talk to
// each other, and coolwsd's calls to the WOPI host are egress.
//
// The Service's blocked port sends to port 1, where nothing listens; the
// policy does not open it. Opening it would let an admin path fail fast with
// a 502 instead of the controller's 504 after its connect timeout, but it
// would also admit anything that ever came to listen there (runtimes such as
// containerd 2 let unprivileged processes bind low ports). Blocked stays
// blocked.
func expose(req *compose.Request, p params) wiring.Exposure {
	return wiring.Exposure{
		App:    App,
		Claim:  p.Wiring,
		Routes: routeSpecs(p),
		Policy: &wiring.Policy{PodSelector: podLabels(req), Ports: []int32{Port}},
		Hosts:  []wiring.Host{{Field: fieldParameters + ".host", Name: p.Host}},
		Images: []wiring.Image{{Field: fieldParameters + ".image", Ref: p.Image}},
	}
}

// routeSpecs routes the host to the server pods. With one replica, one route
// sends everything to the Service (the admin paths to its blocked port
// unless the console is public). With more than one, that route hashes on
// WOPISrc, so every request of a document session reaches the replica that
// holds the document, and a second route sends the stateless paths
// (StatelessPaths) to a second Service of the same pods without hashing, so
// that discovery and conversions are balanced over every replica instead of
// all landing on the replica the empty WOPISrc hashes to. Both routes serve
// the same host: the first asks cert-manager for its certificate, the second
// lists the same Secret (the wiring stage issues one certificate per host).
func routeSpecs(p params) []wiring.RouteSpec {
	n := p.names
	paths := []wiring.Path{{Path: "/", Type: wiring.PathTypePrefix, Service: n.base, Port: Port}}
	if !p.AdminConsole.Public {
		svc, port := n.base, BlockedPort
		if p.move.viaOldService {
			svc, port = blockedServiceName(n), Port
		}
		for _, a := range AdminPaths {
			paths = append(paths, wiring.Path{Path: a, Type: wiring.PathTypePrefix, Service: svc, Port: port})
		}
	}
	specs := []wiring.RouteSpec{{
		Name:        n.base,
		App:         App,
		Resource:    ResourceRoute,
		Rules:       []wiring.Rule{{Host: p.Host, Paths: paths}},
		Annotations: annotations(p.Route, p.Replicas),
	}}
	if !hashes(p) {
		return specs
	}
	stateless := make([]wiring.Path, 0, len(StatelessPaths))
	for _, s := range StatelessPaths {
		stateless = append(stateless, wiring.Path{Path: s, Type: wiring.PathTypePrefix, Service: n.any, Port: Port})
	}
	return append(specs, wiring.RouteSpec{
		Name:      n.any,
		App:       App,
		Component: componentAny,
		Resource:  ResourceAnyRoute,
		Rules:     []wiring.Rule{{Host: p.Host, Paths: stateless}},
		// The same timeouts and body size (conversions upload documents),
		// without hashing.
		Annotations: annotations(p.Route, 1),
	})
}
