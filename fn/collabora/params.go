package collabora

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Defaults; they match the +kubebuilder:default markers of
// v1alpha1.CollaboraParameters, so a composite the API server did not default
// (e.g. in a render) composes the same.
const (
	DefaultReplicas = 1
)

// Limits the XRD also enforces.
const (
	maxReplicas  = 20
	maxWOPIHosts = 20
)

// Field paths.
const (
	fieldParameters   = "spec.parameters"
	fieldHost         = fieldParameters + ".host"
	fieldWOPIHosts    = fieldParameters + ".wopiHosts"
	fieldReplicas     = fieldParameters + ".replicas"
	fieldDictionaries = fieldParameters + ".dictionaries"
	fieldResources    = fieldParameters + ".resources"
	fieldImage        = fieldParameters + ".image"
	fieldRoute        = fieldParameters + ".route"
	fieldDNS          = fieldParameters + ".dns"
	fieldNetwork      = fieldParameters + ".network"
)

// Error strings.
const (
	errHostRequired  = "is required"
	errHostInvalid   = "must be a DNS name such as office.example.org: %s"
	errNoWOPIHosts   = "must list at least one WOPI host, e.g. https://cloud.example.org"
	errTooManyHosts  = "must list at most %d WOPI hosts"
	errWOPIHost      = "must be an https URL such as https://cloud.example.org: %s"
	errWOPIDuplicate = "is the same WOPI host as %s"
	errReplicas      = "must be between 1 and %d"
	errDictionary    = "must be a language tag such as de_DE or en"
	errDuplicate     = "is listed twice"
	errImage         = "must be an image reference without spaces"

	errURLParse  = "cannot parse URL"
	errURLScheme = "scheme must be https"
	errURLUser   = "must not contain credentials"
	errURLQuery  = "must not have a query or fragment"
	errURLNoHost = "must have a host"
	errURLHost   = "host must be a DNS name or an IP address"
	errURLPort   = "port must be between 1 and 65535"
)

// A dictionary ends up in a sed-like substitution in the image's start
// script, so it must be exactly a language tag.
var dictionaryRE = regexp.MustCompile(`^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,8})*$`)

// params are the validated, defaulted parameters.
type params struct {
	v1alpha1.CollaboraParameters

	// aliasGroups are the WOPI hosts as coolwsd's alias groups want them:
	// scheme://host:port, in the order the user listed them.
	aliasGroups []string
}

// resolve validates the parameters and applies the XRD's defaults.
func resolve(in v1alpha1.CollaboraParameters) (params, error) {
	p := params{CollaboraParameters: *in.DeepCopy()}

	if p.Host == "" {
		return params{}, compose.InvalidField(fieldHost, errHostRequired)
	}
	if errs := validation.IsDNS1123Subdomain(p.Host); len(errs) > 0 {
		return params{}, compose.InvalidField(fieldHost, errHostInvalid, strings.Join(errs, "; "))
	}

	groups, err := aliasGroups(p.WOPIHosts)
	if err != nil {
		return params{}, err
	}
	p.aliasGroups = groups

	if p.Replicas == 0 {
		p.Replicas = DefaultReplicas
	}
	if p.Replicas < 1 || p.Replicas > maxReplicas {
		return params{}, compose.InvalidField(fieldReplicas, errReplicas, maxReplicas)
	}
	// Before anything is generated: a claim that cannot work costs nothing.
	if err := checkScaling(p.Route, p.Replicas); err != nil {
		return params{}, err
	}

	seen := map[string]bool{}
	for i, d := range p.Dictionaries {
		f := fmt.Sprintf("%s[%d]", fieldDictionaries, i)
		if !dictionaryRE.MatchString(d) {
			return params{}, compose.InvalidField(f, errDictionary)
		}
		if seen[d] {
			return params{}, compose.InvalidField(f, errDuplicate)
		}
		seen[d] = true
	}

	if p.Image == "" {
		p.Image = v1alpha1.DefaultImage
	}
	if strings.ContainsAny(p.Image, " \t\r\n") {
		return params{}, compose.InvalidField(fieldImage, errImage)
	}

	if p.Resources.Requests == nil && p.Resources.Limits == nil {
		p.Resources = defaultResources()
	}
	if err := checkResources(p.Resources); err != nil {
		return params{}, err
	}
	if err := checkNetwork(p.Network); err != nil {
		return params{}, err
	}
	return p, nil
}

// aliasGroups turns WOPI host URLs into alias groups. Only scheme, host and
// port count to coolwsd; a path (e.g. a Nextcloud in a subdirectory) is
// dropped.
func aliasGroups(hosts []string) ([]string, error) {
	if len(hosts) == 0 {
		return nil, compose.InvalidField(fieldWOPIHosts, errNoWOPIHosts)
	}
	if len(hosts) > maxWOPIHosts {
		return nil, compose.InvalidField(fieldWOPIHosts, errTooManyHosts, maxWOPIHosts)
	}
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
