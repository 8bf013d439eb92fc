package v1alpha1

import (
	"fmt"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
)

// Rules of the claim, each written once: the +kubebuilder markers of the
// types spell the same for the XRD, and a test checks that the XRD and
// Validate agree.
const (
	// WOPIHostPattern is an https URL with a DNS name or IPv4 host. The
	// function parses it further into coolwsd's alias group.
	WOPIHostPattern = `^https://[a-zA-Z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$`
	// DictionaryPattern is a language tag such as de_DE: it ends up in a
	// substitution in the image's start script.
	DictionaryPattern = `^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,8})*$`
	// ImagePattern is an image reference without white space.
	ImagePattern = `^[^\s]+$`

	MaxWOPIHosts      = 20
	MaxWOPIHostLength = 2048
	MaxReplicas       = 20
	MaxDictionaries   = 100

	// DefaultReplicas is one server.
	DefaultReplicas = 1
	// DefaultCPU and DefaultMemory are what Collabora documents for one
	// server; memory is also the limit. No CPU limit: throttling makes
	// typing lag.
	DefaultCPU    = "1800m"
	DefaultMemory = "2Gi"
)

var (
	wopiHostRE   = regexp.MustCompile(WOPIHostPattern)
	dictionaryRE = regexp.MustCompile(DictionaryPattern)
	imageRE      = regexp.MustCompile(ImagePattern)
)

// DefaultResources are the +kubebuilder:default of Resources.
func DefaultResources() common.Resources {
	cpu, mem, limit := resource.MustParse(DefaultCPU), resource.MustParse(DefaultMemory), resource.MustParse(DefaultMemory)
	return common.Resources{
		Requests: &common.ResourceList{CPU: &cpu, Memory: &mem},
		Limits:   &common.ResourceList{Memory: &limit},
	}
}

// Default applies the XRD's defaults to the composite's parameters.
func (x *XCollabora) Default() { x.Spec.Parameters.Default() }

// Validate checks the composite's parameters; errors are under
// spec.parameters.
func (x *XCollabora) Validate() field.ErrorList {
	return x.Spec.Parameters.Validate(field.NewPath("spec", "parameters"))
}

// Default applies the +kubebuilder:default markers' values to empty fields.
func (p *CollaboraParameters) Default() {
	if p.Replicas == 0 {
		p.Replicas = DefaultReplicas
	}
	if p.Image == "" {
		p.Image = DefaultImage
	}
	if p.Resources.Requests == nil && p.Resources.Limits == nil {
		p.Resources = DefaultResources()
	}
	p.Wiring.Default()
}

// Validate checks every rule of the XRD's schema, with the field path of
// each error under path (spec.parameters). Empty fields are valid where the
// XRD defaults them.
func (p *CollaboraParameters) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Host == "" {
		errs = append(errs, field.Required(path.Child("host"), "the host browsers reach Collabora Online at, e.g. office.example.org"))
	} else if msgs := validation.IsDNS1123Subdomain(p.Host); len(msgs) > 0 {
		errs = append(errs, field.Invalid(path.Child("host"), p.Host, "must be a DNS name such as office.example.org"))
	}
	errs = append(errs, validateWOPIHosts(path.Child("wopiHosts"), p.WOPIHosts)...)
	if p.Replicas != 0 && (p.Replicas < 1 || p.Replicas > MaxReplicas) {
		errs = append(errs, field.Invalid(path.Child("replicas"), p.Replicas, fmt.Sprintf("must be 1 to %d", MaxReplicas)))
	}
	if p.Replicas > 1 {
		errs = append(errs, validateScaling(path.Child("route"), p.Route)...)
	}
	if len(p.Dictionaries) > MaxDictionaries {
		errs = append(errs, field.TooMany(path.Child("dictionaries"), len(p.Dictionaries), MaxDictionaries))
	}
	for i, d := range p.Dictionaries {
		if !dictionaryRE.MatchString(d) {
			errs = append(errs, field.Invalid(path.Child("dictionaries").Index(i), d, "must be a language tag such as de_DE or en"))
		}
		if slices.Contains(p.Dictionaries[:i], d) {
			errs = append(errs, field.Duplicate(path.Child("dictionaries").Index(i), d))
		}
	}
	errs = append(errs, p.Resources.Validate(path.Child("resources"))...)
	if p.Image != "" && !imageRE.MatchString(p.Image) {
		errs = append(errs, field.Invalid(path.Child("image"), p.Image, "must be an image reference without spaces"))
	}
	errs = append(errs, p.Wiring.Validate(path)...)
	return errs
}

func validateWOPIHosts(path *field.Path, hosts []string) field.ErrorList {
	var errs field.ErrorList
	switch {
	case len(hosts) == 0:
		errs = append(errs, field.Required(path, "list at least one WOPI host, e.g. https://cloud.example.org"))
	case len(hosts) > MaxWOPIHosts:
		errs = append(errs, field.TooMany(path, len(hosts), MaxWOPIHosts))
	}
	for i, h := range hosts {
		switch {
		case len(h) > MaxWOPIHostLength:
			errs = append(errs, field.TooLong(path.Index(i), h, MaxWOPIHostLength))
		case !wopiHostRE.MatchString(h):
			errs = append(errs, field.Invalid(path.Index(i), h, "must be an https URL such as https://cloud.example.org"))
		}
		if slices.Contains(hosts[:i], h) {
			errs = append(errs, field.Duplicate(path.Index(i), h))
		}
	}
	return errs
}

// validateScaling checks that the route can send every request for a
// document to the same replica, which more than one replica needs: an
// Ingress whose controller hashes on the WOPISrc query parameter (nginx, the
// default, or haproxy). The XRD says the same in one CEL rule.
func validateScaling(path *field.Path, r common.Route) field.ErrorList {
	switch {
	case r.Gateway != nil:
		return field.ErrorList{field.Invalid(path.Child("gateway"), r.Gateway.Name, "Gateway API has no standard way to route every request for a document to the same replica (by hashing the WOPISrc query parameter), which replicas > 1 needs: use route.ingress with controller nginx or haproxy, or set replicas to 1")}
	case r.Ingress == nil:
		return field.ErrorList{field.Required(path.Child("ingress"), "replicas > 1 needs route.ingress with controller nginx or haproxy, which hash on the WOPISrc query parameter; or set replicas to 1")}
	}
	switch c := r.Ingress.Controller; c {
	case "", common.IngressControllerNginx, common.IngressControllerHAProxy:
		return nil
	default:
		return field.ErrorList{field.Invalid(path.Child("ingress", "controller"), c, fmt.Sprintf("the %s ingress controller cannot route every request for a document to the same replica (by hashing the WOPISrc query parameter), which replicas > 1 needs: use controller nginx or haproxy, or set replicas to 1", c))}
	}
}
