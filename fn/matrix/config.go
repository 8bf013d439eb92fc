package matrix

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Config keys (lower case, as in the implementations' TOML files).
const (
	keyConfig            = "config"
	keyServerName        = "server_name"
	keyAddress           = "address"
	keyPort              = "port"
	keyDatabasePath      = "database_path"
	keyDatabaseBackend   = "database_backend"
	keyMaxRequestSize    = "max_request_size"
	keyAllowRegistration = "allow_registration"
	keyOpenRegistration  = "yes_i_am_very_very_sure_i_want_an_open_registration_server_prone_to_abuse"
	keyRegistrationToken = "registration_token"
	keyAllowFederation   = "allow_federation"
	keyTrustedServers    = "trusted_servers"
	keyWellKnown         = "well_known"
	keyClient            = "client"
	keyServer            = "server"
	keyLog               = "log"
	keyTURNURIs          = "turn_uris"
	keyTURNSecret        = "turn_secret"
)

// AnnotationConfigHash on the pod template restarts the homeserver when its
// configuration changes: environment variables are only read at start.
const AnnotationConfigHash = "homeplane.dev/config-hash"

// ListenAddress must be all interfaces: Conduit listens on 127.0.0.1 by
// default, which no Service can reach.
const ListenAddress = "0.0.0.0"

// env returns the homeserver's configuration as environment variables. It
// holds no secrets: those are read from Secrets by the Deployment.
func env(p *params) (map[string]string, error) {
	i := p.impl()
	e := map[string]string{
		i.Env(keyServerName):      p.ServerName,
		i.Env(keyAddress):         ListenAddress,
		i.Env(keyPort):            strconv.Itoa(Port),
		i.Env(keyDatabasePath):    i.DataPath,
		i.Env(keyMaxRequestSize):  strconv.FormatInt(p.MaxUploadSize.Value(), 10),
		i.Env(keyAllowFederation): strconv.FormatBool(p.Federation),
		// The homeserver answers /.well-known/matrix/* itself: clients and
		// servers find it at host, on the standard HTTPS port.
		i.Env(keyWellKnown, keyClient): "https://" + p.Host,
		i.Env(keyWellKnown, keyServer): net.JoinHostPort(p.Host, "443"),
	}
	if i.EnvOnly {
		// Conduit refuses to start without CONDUIT_CONFIG; empty means no file.
		e[i.Env(keyConfig)] = ""
	}
	if i.Backend {
		e[i.Env(keyDatabaseBackend)] = string(p.Database)
	}
	// Set explicitly: continuwuity allows registration by default.
	e[i.Env(keyAllowRegistration)] = strconv.FormatBool(p.Registration != v1alpha1.RegistrationClosed)
	if p.Registration == v1alpha1.RegistrationOpen && i.OpenRegistrationAck {
		e[i.Env(keyOpenRegistration)] = "true"
	}
	if p.Federation {
		ts, err := tomlList(p.TrustedServers)
		if err != nil {
			return nil, err
		}
		e[i.Env(keyTrustedServers)] = ts
	}
	if p.LogLevel != "" {
		e[i.Env(keyLog)] = string(p.LogLevel)
	}
	if p.TURN != nil {
		uris, err := tomlList(p.TURN.URIs)
		if err != nil {
			return nil, err
		}
		e[i.Env(keyTURNURIs)] = uris
	}
	if err := ssoEnv(p, e); err != nil {
		return nil, err
	}
	return e, nil
}

// tomlList renders a list of strings as a TOML (and JSON) array, the way the
// implementations parse list values of environment variables.
func tomlList(l []string) (string, error) {
	if l == nil {
		l = []string{}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("cannot render list: %w", err)
	}
	return string(b), nil
}

// ConfigMap returns the ConfigMap of the homeserver's environment.
func ConfigMap(req *compose.Request, p *params) (*corev1.ConfigMap, error) {
	e, err := env(p)
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: req.ObjectMeta(namesFor(req.ClaimName).ConfigMap(), App, ComponentConfig),
		Data:       e,
	}, nil
}

// configHash is a stable digest of the ConfigMap's data.
func configHash(data map[string]string) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		// Length-prefixed, so that no two different maps hash the same.
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(data[k]), data[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
