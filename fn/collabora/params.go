package collabora

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Field paths.
const (
	fieldParameters = "spec.parameters"
	fieldWOPIHosts  = fieldParameters + ".wopiHosts"
	fieldResources  = fieldParameters + ".resources"
	fieldRoute      = fieldParameters + ".route"
	fieldDNS        = fieldParameters + ".dns"
	fieldNetwork    = fieldParameters + ".network"
)

// Error strings.
const (
	errWOPIHost      = "must be an https URL such as https://cloud.example.org: %s"
	errWOPIDuplicate = "is the same WOPI host as %s"

	errURLParse  = "cannot parse URL"
	errURLScheme = "scheme must be https"
	errURLUser   = "must not contain credentials"
	errURLQuery  = "must not have a query or fragment"
	errURLNoHost = "must have a host"
	errURLHost   = "host must be a DNS name or an IP address"
	errURLPort   = "port must be between 1 and 65535"
)

// params are the validated, defaulted parameters.
type params struct {
	v1alpha1.CollaboraParameters

	// aliasGroups are the WOPI hosts as coolwsd's alias groups want them:
	// scheme://host:port, in the order the user listed them.
	aliasGroups []string
	// names are the composed objects' names.
	names names
	// sysAdmin: the claim asks for mounted jails and the platform admin lets
	// the pods add SYS_ADMIN (the function input's collabora.allowSysAdmin).
	sysAdmin bool
	// move is where a claim composed before BlockedPort stands in moving
	// its admin paths there.
	move blockedMove
}

// resolve checks what the XRD cannot, on a composite already defaulted and
// validated (fn/app): the claim's name, which names the Service, and the WOPI
// hosts as alias groups, which also refuses what the XRD's pattern lets
// through (credentials, a query, a port out of range) and two URLs of the
// same host.
func resolve(req *compose.Request, xr *v1alpha1.XCollabora) (params, error) {
	n, err := newNames(req.ClaimName)
	if err != nil {
		return params{}, err
	}
	p := params{CollaboraParameters: xr.Spec.Parameters, names: n, sysAdmin: xr.Spec.Parameters.MountJailTree && req.Policy.Collabora.AllowSysAdmin}
	groups, err := aliasGroups(p.WOPIHosts)
	if err != nil {
		return params{}, err
	}
	p.aliasGroups = groups
	if p.move, err = planBlockedMove(req, n, p.AdminConsole.Public); err != nil {
		return params{}, wrap(err, errObservedRoute)
	}
	return p, nil
}

// aliasGroups turns WOPI host URLs into alias groups. Only scheme, host and
// port count to coolwsd; a path (e.g. a Nextcloud in a subdirectory) is
// dropped.
func aliasGroups(hosts []string) ([]string, error) {
	groups := make([]string, 0, len(hosts))
	first := map[string]int{}
	for i, h := range hosts {
		f := fmt.Sprintf("%s[%d]", fieldWOPIHosts, i)
		g, err := aliasGroup(h)
		if err != nil {
			return nil, compose.InvalidField(f, errWOPIHost, err.Error())
		}
		if j, ok := first[g]; ok {
			return nil, compose.InvalidField(f, errWOPIDuplicate, fmt.Sprintf("%s[%d]", fieldWOPIHosts, j))
		}
		first[g] = i
		groups = append(groups, g)
	}
	return groups, nil
}

// aliasGroup returns https://host:port for one WOPI host URL. The host ends
// up in coolwsd.xml and in a comma-separated list, so it must be a plain DNS
// name or IP address.
func aliasGroup(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New(errURLParse)
	}
	switch {
	case u.Scheme != "https":
		return "", errors.New(errURLScheme)
	case u.User != nil:
		return "", errors.New(errURLUser)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New(errURLQuery)
	case u.Opaque != "":
		return "", errors.New(errURLNoHost)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New(errURLNoHost)
	}
	if net.ParseIP(host) == nil {
		if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 {
			return "", errors.New(errURLHost)
		}
	}
	port := 443
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 65535 {
			return "", errors.New(errURLPort)
		}
		port = n
	}
	return "https://" + net.JoinHostPort(host, strconv.Itoa(port)), nil
}
