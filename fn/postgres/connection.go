package postgres

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Connection detail keys, the same in the composed Secrets and the XR's
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
	// Only in the roles' Secrets: the claim's connection details keep the
	// keys they had.
	keySSLMode   = "sslmode"
	keyPoolerURI = "poolerUri"
)

// sslMode is the libpq sslmode a role's Secret asks for: the operator's
// PostgreSQL rejects unencrypted connections by default (postgres-operator
// v1.15.1 docs/user.md: "set SSL mode to require"), and its certificate is
// self-signed unless the cluster is given one, so nothing stricter.
const sslMode = "require"

// Names of a role's connection Secret, its composition resource and the
// requirement of the operator's Secret it is made from.
const (
	roleSecretSuffix      = "connection"
	resourceRolePrefix    = "connection-"
	requirementRolePrefix = "credentials-"
)

// The operator's key names in its credentials Secrets.
const (
	operatorKeyUsername = "username"
	operatorKeyPassword = "password"
)

// Error strings.
const (
	errDecodeCredentials = "cannot read the operator's credentials Secret"
	errRoleTwin          = "differs from %s %q only by '_' and '-': the operator would write both roles' credentials to one Secret %s (it turns '_' into '-'); rename one of them"
	errRoleSecretName    = "the role's connection Secret would be named %q, which is not a DNS-1123 subdomain: %s"
)

// A role is a PostgreSQL role of the claim, which gets its own connection
// Secret.
type role struct {
	// Name is the role as the claim spells it.
	Name string
	// Database is the database its Secret connects to: the first the role
	// owns, else the claim's first database.
	Database string
	// Path is the claim field that names the role first, e.g.
	// spec.parameters.users[0].name.
	Path string
	// Secret is the name of its connection Secret (roleSecretName).
	Secret string
}

// dashed is a role with '_' as '-', as the operator spells it in Secret
// names (postgres-operator v1.15.1 pkg/cluster/util.go).
func dashed(role string) string { return strings.ReplaceAll(role, "_", "-") }

// credentialsSecretName is the Secret the operator writes for a user,
// <user with '_' as '-'>.<cluster>.credentials.postgresql.acid.zalan.do.
func credentialsSecretName(user, cluster string) string {
	return dashed(user) + "." + cluster + ".credentials.postgresql.acid.zalan.do"
}

// roleSecretName is the connection Secret of a role in the claim's
// namespace: <claim>.<role with '_' as '-'>.connection, e.g.
// shop-db.orders-owner.connection. Neither a claim name (the cluster name
// <teamId>-<claim> is a DNS-1035 label) nor a role (RolePattern) has a '.',
// so the name is distinct for every (claim, role) of a namespace once no two
// roles of a claim differ only by '_' and '-' (resolveRoles refuses those);
// it never equals a name Homeplane composes otherwise (compose.DNSLabel
// names have no '.') nor a Secret of the operator (those end in
// .credentials.postgresql.acid.zalan.do).
func roleSecretName(claim, role string) string {
	return claim + "." + dashed(role) + "." + roleSecretSuffix
}

// resolveRoles lists the roles of the claim that get a connection Secret:
// the owners in the order of databases, then the users that own no
// database, each once. It refuses, naming the later field, two roles that
// differ only by '_' and '-', and a role whose Secret name would not be a
// DNS-1123 subdomain (at most 253 characters); both as a FieldError.
// defaulted says that the databases are the default one, named after the
// claim.
func resolveRoles(claim string, p *params, defaulted bool) ([]role, error) {
	path := field.NewPath("spec", "parameters")
	var (
		roles  []role
		errs   field.ErrorList
		byName = map[string]bool{}
		byKey  = map[string]role{}
	)
	add := func(name, db string, fp *field.Path) {
		if byName[name] {
			return
		}
		if o, ok := byKey[dashed(name)]; ok {
			other := o.Path
			if defaulted && o.Path == path.Child("databases").Index(0).Child("owner").String() {
				other = "the default owner (named after the claim)"
			}
			errs = append(errs, field.Invalid(fp, name, fmt.Sprintf(errRoleTwin, other, o.Name, credentialsSecretName(name, p.Cluster))))
			return
		}
		r := role{Name: name, Database: db, Path: fp.String(), Secret: roleSecretName(claim, name)}
		if msgs := validation.IsDNS1123Subdomain(r.Secret); len(msgs) > 0 {
			errs = append(errs, field.Invalid(fp, name, fmt.Sprintf(errRoleSecretName, r.Secret, strings.Join(msgs, "; "))))
			return
		}
		byName[name], byKey[dashed(name)] = true, r
		roles = append(roles, r)
	}
	for i, d := range p.Databases {
		add(d.Owner, d.Name, path.Child("databases").Index(i).Child("owner"))
	}
	for i, u := range p.Users {
		add(u.Name, p.Databases[0].Name, path.Child("users").Index(i).Child("name"))
	}
	if err := compose.FieldErrors(errs); err != nil {
		return nil, err
	}
	return roles, nil
}

// owner is the user whose credentials the claim's connection details carry:
// the owner of the first database.
func owner(p *params) (database, user string) {
	return p.Databases[0].Name, p.Databases[0].Owner
}

func host(req *compose.Request, service string) string {
	return service + "." + req.Namespace + ".svc"
}

// credentialsRequirementName is the requirement of a role's operator Secret.
func credentialsRequirementName(r role) string { return requirementRolePrefix + dashed(r.Name) }

// credentialsRequirement asks Crossplane for the operator's Secret of a
// role, in the claim's namespace.
func credentialsRequirement(req *compose.Request, p *params, r role) compose.Requirement {
	return compose.Requirement{APIVersion: "v1", Kind: "Secret", Namespace: req.Namespace, Name: credentialsSecretName(r.Name, p.Cluster)}
}

// credentials returns the username and password from the operator's Secret
// fetched for requirement, or false while it does not exist or lacks either.
// A Secret that cannot be decoded, or that is not in the claim's namespace,
// is an error naming the requirement, never the Secret's data.
func credentials(req *compose.Request, requirement string) (user, password []byte, ok bool, err error) {
	s := &corev1.Secret{}
	found, err := req.RequiredInto(requirement, s)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: %w", errDecodeCredentials, err)
	}
	if !found || len(s.Data[operatorKeyUsername]) == 0 || len(s.Data[operatorKeyPassword]) == 0 {
		return nil, nil, false, nil
	}
	return s.Data[operatorKeyUsername], s.Data[operatorKeyPassword], true, nil
}

// connectionDetails are what a client needs to connect as the owner: the
// claim's connection details, as they have always been.
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

// roleDetails are what a client needs to connect as role r: host, port,
// database, username, password, uri (postgresql://user:password@host:5432/
// database?sslmode=require, user and password percent-encoded), jdbcUrl
// (jdbc:postgresql://host:5432/database?sslmode=require: JDBC clients take
// the credentials separately), sslmode, and with the pooler on poolerHost
// and poolerUri (the uri through <cluster>-pooler, also port 5432).
func roleDetails(req *compose.Request, p *params, r role, user, password []byte) map[string][]byte {
	h := host(req, p.Cluster)
	q := url.Values{keySSLMode: {sslMode}}.Encode()
	uri := func(h string) []byte {
		u := url.URL{Scheme: "postgresql", User: url.UserPassword(string(user), string(password)),
			Host: h + ":" + strconv.Itoa(port), Path: "/" + r.Database, RawQuery: q}
		return []byte(u.String())
	}
	d := map[string][]byte{
		keyHost:     []byte(h),
		keyPort:     []byte(strconv.Itoa(port)),
		keyDatabase: []byte(r.Database),
		keyUsername: user,
		keyPassword: password,
		keyURI:      uri(h),
		keyJDBCURL:  []byte("jdbc:postgresql://" + h + ":" + strconv.Itoa(port) + "/" + r.Database + "?" + q),
		keySSLMode:  []byte(sslMode),
	}
	if p.Pooler {
		ph := host(req, p.Cluster+"-pooler")
		d[keyPoolerHost] = []byte(ph)
		d[keyPoolerURI] = uri(ph)
	}
	return d
}

// connectionSecret is the claim's composed Secret in its namespace.
func connectionSecret(req *compose.Request, details map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: req.ObjectMeta(req.ClaimName+"-postgresql", "postgresql", "connection"),
		Type:       corev1.SecretTypeOpaque,
		Data:       details,
	}
}

// roleResource is the composition resource name of a role's Secret.
func roleResource(r role) resource.Name { return resource.Name(resourceRolePrefix + dashed(r.Name)) }

// roleSecret is a role's composed Secret in the claim's namespace.
func roleSecret(req *compose.Request, r role, details map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: req.ObjectMeta(r.Secret, "postgresql", "connection"),
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

// observedRoleCredentials returns the username and password of a role's
// Secret composed before, so that it is kept (with the current host,
// database and pooler) while the operator's Secret is briefly not readable.
func observedRoleCredentials(req *compose.Request, r role) (user, password []byte, ok bool, err error) {
	user, okUser, err := req.ObservedSecretValue(string(roleResource(r)), keyUsername)
	if err != nil {
		return nil, nil, false, err
	}
	password, okPassword, err := req.ObservedSecretValue(string(roleResource(r)), keyPassword)
	if err != nil {
		return nil, nil, false, err
	}
	return user, password, okUser && okPassword, nil
}

// connections composes the Secret of each role into res, from the
// operator's credentials (asked for every time: Crossplane only fetches what
// the latest response asks for), else from the role's Secret composed
// before. It returns the operator Secrets it waits for, in the order of
// roles; a role whose Secret was never composed gets none until then, never
// a placeholder.
func connections(req *compose.Request, p *params, res *compose.Result) (waiting []string, err error) {
	for _, r := range p.Roles {
		rq := credentialsRequirementName(r)
		res.Requirements[rq] = credentialsRequirement(req, p, r)
		user, password, ok, err := credentials(req, rq)
		if err != nil {
			return nil, err
		}
		if !ok {
			waiting = append(waiting, credentialsSecretName(r.Name, p.Cluster))
			if user, password, ok, err = observedRoleCredentials(req, r); err != nil {
				return nil, err
			}
		}
		if ok {
			res.Add(roleResource(r), roleSecret(req, r, roleDetails(req, p, r, user, password)), resource.ReadyTrue)
		}
	}
	return waiting, nil
}

// connectionStatus names every role's connection Secret.
func connectionStatus(p *params) []v1alpha1.ConnectionStatus {
	out := make([]v1alpha1.ConnectionStatus, 0, len(p.Roles))
	for _, r := range p.Roles {
		out = append(out, v1alpha1.ConnectionStatus{Role: r.Name, Database: r.Database, SecretName: r.Secret})
	}
	return out
}
