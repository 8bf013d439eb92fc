package collabora

import (
	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/wiring"
)

// Ingress annotations. Sessions are long-lived websockets and documents are
// uploaded through the route, so both timeouts and body sizes are raised.
const (
	AnnotationNginxHashBy       = "nginx.ingress.kubernetes.io/upstream-hash-by"
	AnnotationNginxBodySize     = "nginx.ingress.kubernetes.io/proxy-body-size"
	AnnotationNginxReadTimeout  = "nginx.ingress.kubernetes.io/proxy-read-timeout"
	AnnotationNginxSendTimeout  = "nginx.ingress.kubernetes.io/proxy-send-timeout"
	AnnotationHAProxyBalance    = "haproxy.org/load-balance"
	AnnotationHAProxyTunnel     = "haproxy.org/timeout-tunnel"
	AnnotationHAProxyIngBalance = "haproxy-ingress.github.io/balance-algorithm"
	AnnotationHAProxyIngTunnel  = "haproxy-ingress.github.io/timeout-tunnel"

	// NginxHashByWOPISrc sends every request for one document (its WOPISrc
	// query parameter) to the same replica.
	NginxHashByWOPISrc = "$arg_WOPISrc"
	// HAProxyBalanceWOPISrc is the HAProxy equivalent.
	HAProxyBalanceWOPISrc = "url_param WOPISrc"

	// Collabora enforces its own upload limits.
	unlimitedBody = "0"
	// An idle editing session keeps its websocket open for an hour.
	websocketTimeoutSeconds = "3600"
	websocketTimeout        = websocketTimeoutSeconds + "s"
)

// AdminPaths are the admin console's and metrics' paths, blocked on the
// public route unless adminConsole.public is true.
var AdminPaths = []string{"/browser/dist/admin", "/cool/adminws", "/cool/getMetrics"}

// StatelessPaths are the path prefixes coolwsd answers without a document
// session, from any replica: WOPI discovery and capabilities, and the
// one-shot conversions that load a document from the request body, convert
// or inspect it and unload it (convert-to with its legacy /lool/ spelling,
// extract-link-targets, extract-document-structure,
// transform-document-structure, get-thumbnail, render-search-result). Source:
// coolwsd's ClientRequestDispatcher (handleWopiDiscoveryRequest,
// handleCapabilitiesRequest, and the POST requests it hands to
// ConvertToBroker and its subclasses). None of them carries WOPISrc, so
// behind a WOPISrc hash they would all land on the replica that the empty
// string hashes to. Everything else stays on the hashed route: the editor
// page (cool.html starts the WOPI CheckFileInfo the session then uses), the
// document websocket, clipboard, media and download requests all name the
// document's WOPISrc and must reach the replica that holds it.
var StatelessPaths = []string{
	"/hosting/discovery",
	"/hosting/capabilities",
	"/cool/convert-to",
	"/lool/convert-to",
	"/cool/extract-link-targets",
	"/cool/extract-document-structure",
	"/cool/transform-document-structure",
	"/cool/get-thumbnail",
	"/cool/render-search-result",
}

// hashes reports whether the route to the server pods hashes on WOPISrc:
// with more than one replica behind an Ingress. (The API refuses more than
// one replica behind a Gateway or an ingress controller that cannot hash.)
func hashes(p params) bool {
	return p.Replicas > 1 && !wiring.IsGateway(p.Route)
}

// annotations are Collabora's Ingress annotations for the controller, hashing
// on WOPISrc when replicas > 1. HAProxy has two ingress controllers with their
// own prefixes; each ignores the other's, so both are set.
func annotations(r common.Route, replicas int32) map[string]string {
	if wiring.IsGateway(r) {
		return nil
	}
	switch wiring.Controller(r) {
	case common.IngressControllerNginx:
		a := map[string]string{
			AnnotationNginxBodySize:    unlimitedBody,
			AnnotationNginxReadTimeout: websocketTimeoutSeconds,
			AnnotationNginxSendTimeout: websocketTimeoutSeconds,
		}
		if replicas > 1 {
			a[AnnotationNginxHashBy] = NginxHashByWOPISrc
		}
		return a
	case common.IngressControllerHAProxy:
		a := map[string]string{
			AnnotationHAProxyTunnel:    websocketTimeout,
			AnnotationHAProxyIngTunnel: websocketTimeout,
		}
		if replicas > 1 {
			a[AnnotationHAProxyBalance] = HAProxyBalanceWOPISrc
			a[AnnotationHAProxyIngBalance] = HAProxyBalanceWOPISrc
		}
		return a
	default:
		// Traefik proxies websockets and large bodies without annotations;
		// other controllers are the user's to annotate.
		return nil
	}
}
