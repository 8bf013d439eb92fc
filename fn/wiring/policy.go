package wiring

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/homeplane/homeplane/fn/compose"
)

// Image is an image a claim makes the app run.
type Image struct {
	// Field is the claim field that chose it, e.g. spec.parameters.image.
	Field string
	// Ref is the image reference as the pod will run it.
	Ref string
}

// Host is a host a claim makes the app answer to.
type Host struct {
	// Field is the claim field that chose it, e.g. spec.parameters.host.
	Field string
	Name  string
}

// checkPolicy refuses what the platform admin did not allow (the function
// input, req.Policy), the same way for every kind: images from other
// repositories, hosts and DNS record names outside the namespace's suffixes,
// and Ingress annotations not on the allowlist. Errors name the claim field.
func checkPolicy(req *compose.Request, e Exposure) error {
	pol := req.Policy
	var errs field.ErrorList
	for _, im := range e.Images {
		ok, err := pol.Images.AllowsImage(im.Ref)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(path(im.Field), im.Ref, err.Error()))
		case !ok:
			errs = append(errs, field.Forbidden(path(im.Field), fmt.Sprintf("image %s is not from a repository the platform admin allows: %s",
				im.Ref, strings.Join(pol.Images.AllowedRepositories, ", "))))
		}
	}
	if len(e.Routes) == 0 {
		return compose.FieldErrors(errs)
	}
	hosts := slices.Clone(e.Hosts)
	// Every routed host is checked, also one the app did not state.
	for _, s := range e.Routes {
		for _, h := range routeHosts(s) {
			if !slices.ContainsFunc(hosts, func(x Host) bool { return x.Name == h }) {
				hosts = append(hosts, Host{Field: FieldRoute, Name: h})
			}
		}
	}
	// Every record name too (e.g. SRV owners). The zone itself is not
	// checked: a zone shared by all tenants holds each one's own names.
	if e.Claim.DNS != nil {
		for _, x := range e.ExtraRecords {
			hosts = append(hosts, Host{Field: FieldDNS, Name: x.Name})
		}
	}
	for _, h := range hosts {
		if !pol.Hosts.AllowsHost(req.Namespace, h.Name) {
			errs = append(errs, field.Forbidden(path(h.Field), fmt.Sprintf("%s is not under a host suffix the platform admin allows namespace %s: %s",
				h.Name, req.Namespace, allowed(pol.Hosts.Suffixes(req.Namespace)))))
		}
	}
	if in := e.Claim.Route.Ingress; in != nil {
		keys := make([]string, 0, len(in.Annotations))
		for k := range in.Annotations {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !pol.Route.AllowsAnnotation(k) {
				errs = append(errs, field.Forbidden(path(FieldRoute+".ingress.annotations").Key(k),
					fmt.Sprintf("the platform admin does not allow this annotation (allowed: %s): an annotation acts with the ingress controller's rights", allowed(pol.Route.AllowedAnnotations))))
			}
		}
	}
	return compose.FieldErrors(errs)
}

// path turns a dotted claim field path into a field.Path.
func path(dotted string) *field.Path {
	parts := strings.Split(dotted, ".")
	return field.NewPath(parts[0], parts[1:]...)
}

func allowed(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
