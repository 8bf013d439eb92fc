package postgres

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/fn/compose"
)

// Connection detail keys, the same in the composed Secret and the XR's
// connection details (and so the claim's writeConnectionSecretToRef).
const (
	keyHost       = "host"
	keyPort       = "port"
	keyDatabase   = "database"
	keyUsername   = "username"
	keyPassword   = "password"
	keyURI        = "uri"
	keyJDBCURL    = "jdbcUrl"
	keyPoolerHost = "poolerHost"
)

// requirementCredentials names the operator's credentials Secret among the
// required resources.
const requirementCredentials = "credentials"

const errDecodeCredentials = "cannot read the operator's credentials Secret"

// credentialsSecretName is the Secret the operator writes for a user: its
// name must be a DNS subdomain, so underscores become dashes.
func credentialsSecretName(user, cluster string) string {
	return strings.ReplaceAll(user, "_", "-") + "." + cluster + ".credentials.postgresql.acid.zalan.do"
}

// owner is the user whose credentials the connection details carry: the
// owner of the first database.
func owner(p *params) (database, user string) {
	return p.Databases[0].Name, p.Databases[0].Owner
}

func host(req *compose.Request, service string) string {
	return service + "." + req.Namespace + ".svc"
}

// credentialsRequirement asks Crossplane for the operator's Secret.
func credentialsRequirement(req *compose.Request, p *params) compose.Requirement {
	_, user := owner(p)
	return compose.Requirement{APIVersion: "v1", Kind: "Secret", Namespace: req.Namespace, Name: credentialsSecretName(user, p.Cluster)}
}

// credentials returns the username and password from the operator's Secret,
// or false while it does not exist.
func credentials(req *compose.Request) (user, password []byte, ok bool, err error) {
	s := &corev1.Secret{}
	found, err := req.RequiredInto(requirementCredentials, s)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: %w", errDecodeCredentials, err)
	}
	if !found || len(s.Data["username"]) == 0 || len(s.Data["password"]) == 0 {
		return nil, nil, false, nil
	}
	return s.Data["username"], s.Data["password"], true, nil
}

// connectionDetails are what a client needs to connect as the owner.
func connectionDetails(req *compose.Request, p *params, user, password []byte) map[string][]byte {
	db, _ := owner(p)
	h := host(req, p.Cluster)
	addr := h + ":" + strconv.Itoa(port)
	uri := url.URL{Scheme: "postgresql", User: url.UserPassword(string(user), string(password)), Host: addr, Path: "/" + db}
	d := map[string][]byte{
		keyHost:     []byte(h),
		keyPort:     []byte(strconv.Itoa(port)),
		keyDatabase: []byte(db),
		keyUsername: user,
		keyPassword: password,
		keyURI:      []byte(uri.String()),
		// Credentials stay out of the JDBC URL: JDBC clients take them apart.
		keyJDBCURL: []byte("jdbc:postgresql://" + addr + "/" + db),
	}
	if p.Pooler {
		d[keyPoolerHost] = []byte(host(req, p.Cluster+"-pooler"))
	}
	return d
}

// connectionSecret is the composed Secret in the claim's namespace.
func connectionSecret(req *compose.Request, details map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: req.ObjectMeta(req.ClaimName+"-postgresql", "postgresql", "connection"),
		Type:       corev1.SecretTypeOpaque,
		Data:       details,
	}
}

// observedConnection returns the data of the connection Secret composed
// before, so that it is kept while the operator's Secret is briefly not
// readable instead of being deleted under the app's feet.
func observedConnection(req *compose.Request) (map[string][]byte, bool, error) {
	s := &corev1.Secret{}
	found, err := req.ObservedInto(resourceConnection, s)
	if err != nil || !found || len(s.Data) == 0 {
		return nil, false, err
	}
	return s.Data, true, nil
}
