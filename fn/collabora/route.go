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

// annotations are Collabora's Ingress annotations for the controller. HAProxy
// has two ingress controllers with their own prefixes; each ignores the
// other's, so both are set.
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
