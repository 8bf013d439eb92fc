package wiring

// Builds the Ingress or Gateway API HTTPRoute through which
// clients reach an app, from the common Route every Homeplane composite has.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func init() {
	// composed.From needs the Gateway API kinds to set apiVersion and kind.
	utilruntime.Must(gatewayv1.Install(composed.Scheme))
}

// Error strings.
const (
	errNoName      = "route has no name"
	errNoRules     = "route has no rules"
	errNoHost      = "route rule %d has no host"
	errNoPaths     = "route rule for host %q has no paths"
	errBadPath     = "path %q of host %q must start with /"
	errBadPathType = "path %q of host %q has unknown type %q"
	errNoBackend   = "path %q of host %q has no service"
	errBadPort     = "path %q of host %q has invalid port %d"
	errPathsDiffer = "an HTTPRoute serves the same paths on all its hostnames, but host %q has other paths than host %q: compose one route per host"
	errSplitHosts  = "route %q serves host %q, whose certificate route %q asks for, and host %q, which that certificate does not cover: one certificate per host needs each route's hosts covered by one earlier route or by none"
)

// Annotations cert-manager's ingress-shim reads.
const (
	AnnotationClusterIssuer = "cert-manager.io/cluster-issuer"
	AnnotationIssuer        = "cert-manager.io/issuer"
	// AnnotationTLSACME is ingress-shim's legacy trigger: with it an Ingress
	// gets a certificate from the shim's default issuer.
	AnnotationTLSACME = "kubernetes.io/tls-acme"
)

// certManagerPrefixes are the annotation prefixes of cert-manager
// (cert-manager.io/issuer, .../common-name, acme.cert-manager.io/http01-...):
// an Ingress that shares another route's certificate carries none of them.
var certManagerPrefixes = []string{"cert-manager.io/", "acme.cert-manager.io/"}

// Defaults of common.Route (Route.Default), for routes built without it.
const (
	DefaultIngressClassName = common.DefaultIngressClass
	DefaultController       = common.IngressControllerNginx
)

// PathType says how a path matches.
type PathType string

// Path types.
const (
	// PathTypePrefix matches the path and everything below it, element-wise.
	PathTypePrefix PathType = "Prefix"
	// PathTypeExact matches only the path itself.
	PathTypeExact PathType = "Exact"
)

// Path routes requests for a path to a Service port.
type Path struct {
	Path string
	// Type defaults to Prefix.
	Type    PathType
	Service string
	Port    int32
}

// Rule routes the paths of one host.
type Rule struct {
	Host  string
	Paths []Path
}

// RouteSpec is what an app wants routed.
type RouteSpec struct {
	// Name of the Ingress or HTTPRoute object.
	Name string

	// App is the app.kubernetes.io/name label.
	App string

	// Component is the app.kubernetes.io/component label. Defaults to "route".
	Component string

	// Resource is the base of the composition resource name composeRoute returns:
	// <Resource>-ingress or <Resource>-httproute ("ingress" or "httproute"
	// when empty). Each kind has its own name so that switching between them
	// replaces the old object instead of leaving it behind.
	Resource string

	// Rules are the hosts and their paths.
	Rules []Rule

	// Annotations are app-specific Ingress annotations (e.g. body size,
	// consistent hashing). They are not used for an HTTPRoute.
	Annotations map[string]string

	// TLSSecretName is the Secret cert-manager writes the certificate to.
	// Defaults to <Name>-tls.
	TLSSecretName string

	// Field is the path of the route in the composite, for error messages.
	// Defaults to spec.parameters.route.
	Field string
}

func (s RouteSpec) component() string {
	if s.Component == "" {
		return "route"
	}
	return s.Component
}

func (s RouteSpec) field(sub string) string {
	f := s.Field
	if f == "" {
		f = "spec.parameters.route"
	}
	if sub == "" {
		return f
	}
	return f + "." + sub
}

func (s RouteSpec) tlsSecretName() string {
	if s.TLSSecretName != "" {
		return s.TLSSecretName
	}
	return s.Name + "-tls"
}

// resourceName returns the composition resource name for a kind.
func (s RouteSpec) resourceName(kind string) resource.Name {
	if s.Resource == "" {
		return resource.Name(kind)
	}
	return resource.Name(s.Resource + "-" + kind)
}

// IngressResource is the composition resource name of s's Ingress, for an
// app that reads it back from the observed state.
func (s RouteSpec) IngressResource() resource.Name { return s.resourceName("ingress") }

// HTTPRouteResource is the composition resource name of s's HTTPRoute.
func (s RouteSpec) HTTPRouteResource() resource.Name { return s.resourceName("httproute") }

// IsGateway reports whether r routes through a Gateway API HTTPRoute.
func IsGateway(r common.Route) bool { return r.Gateway != nil }

// Controller returns the ingress controller of r, defaulted.
func Controller(r common.Route) common.IngressController {
	if r.Ingress == nil || r.Ingress.Controller == "" {
		return DefaultController
	}
	return r.Ingress.Controller
}

// validateRoute checks r with common.Route's Validate, for a composite the API
// server did not validate (e.g. in a render), naming fields under s.Field.
func validateRoute(r common.Route, s RouteSpec) error {
	return compose.FieldErrors(r.Validate(field.NewPath(s.field(""))))
}

// composeRoute returns the Ingress or the HTTPRoute r asks for, with its
// composition resource name. A Route with neither is an Ingress: that is the
// XRD's default. owner is the route whose certificate an Ingress uses (see
// certificateOwners); nil when s asks for its own.
func composeRoute(req *compose.Request, r common.Route, s RouteSpec, owner *RouteSpec) (resource.Name, runtime.Object, error) {
	if IsGateway(r) {
		o, err := httpRoute(req, r, s)
		return s.HTTPRouteResource(), o, err
	}
	o, err := ingress(req, r, s, owner)
	return s.IngressResource(), o, err
}

// certificateOwners returns, for each of routes, the index of the route whose
// Ingress asks cert-manager for the certificate of its hosts: its own index
// when none of its hosts is covered by an earlier route, else that earlier
// route's. One certificate per host: two Ingresses that both carried
// cert-manager's annotation and TLS section for a host would make
// ingress-shim create two Certificates for it (two orders against the ACME
// rate limits; with the same Secret name, two owners fighting over one
// Certificate), and a controller serves a host one certificate whichever
// Ingress it reads first (ingress-nginx: the first Ingress with a TLS entry
// for the host). A route whose hosts are split between an earlier route's
// certificate and no certificate is a programming error.
func certificateOwners(routes []RouteSpec) ([]int, error) {
	owners := make([]int, len(routes))
	issuer := map[string]int{}
	for i, s := range routes {
		owners[i] = i
		hosts := routeHosts(s)
		covered, first := -1, ""
		for _, h := range hosts {
			if j, ok := issuer[h]; ok {
				covered, first = j, h
				break
			}
		}
		if covered < 0 {
			for _, h := range hosts {
				issuer[h] = i
			}
			continue
		}
		for _, h := range hosts {
			if j, ok := issuer[h]; !ok || j != covered {
				return nil, fmt.Errorf(errSplitHosts, s.Name, first, routes[covered].Name, h)
			}
		}
		owners[i] = covered
	}
	return owners, nil
}

// isCertManagerAnnotation reports whether k is an annotation cert-manager's
// ingress-shim acts on.
func isCertManagerAnnotation(k string) bool {
	if k == AnnotationTLSACME {
		return true
	}
	for _, p := range certManagerPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// Ingress returns an Ingress for s. With r.TLS set and no owner it asks
// cert-manager for a certificate covering every host; with an owner (a route
// of the same app whose certificate covers every host of s) it lists the
// owner's Secret and carries no cert-manager annotation, not even one the
// user set, so that cert-manager issues one certificate per host.
// Annotations are the app's, then cert-manager's, then the user's, so that a
// user can override any of them.
func ingress(req *compose.Request, r common.Route, s RouteSpec, owner *RouteSpec) (*networkingv1.Ingress, error) {
	if err := validateRoute(r, s); err != nil {
		return nil, err
	}
	if err := checkRoute(s); err != nil {
		return nil, err
	}
	ir := common.IngressRoute{}
	if r.Ingress != nil {
		ir = *r.Ingress
	}
	class := ir.ClassName
	if class == "" {
		class = DefaultIngressClassName
	}

	annotations := map[string]string{}
	maps.Copy(annotations, s.Annotations)
	if r.TLS != nil {
		if r.TLS.IssuerKind == common.IssuerKindIssuer {
			annotations[AnnotationIssuer] = r.TLS.Issuer
		} else {
			annotations[AnnotationClusterIssuer] = r.TLS.Issuer
		}
	}
	maps.Copy(annotations, ir.Annotations)
	secret := s.tlsSecretName()
	if owner != nil {
		maps.DeleteFunc(annotations, func(k, _ string) bool { return isCertManagerAnnotation(k) })
		secret = owner.tlsSecretName()
	}

	in := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "Ingress"},
		ObjectMeta: req.ObjectMeta(s.Name, s.App, s.component()),
		Spec:       networkingv1.IngressSpec{IngressClassName: &class},
	}
	if len(annotations) > 0 {
		in.Annotations = annotations
	}
	for _, rule := range s.Rules {
		ir := networkingv1.IngressRule{Host: rule.Host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}}
		for _, p := range rule.Paths {
			pt := networkingv1.PathTypePrefix
			if p.Type == PathTypeExact {
				pt = networkingv1.PathTypeExact
			}
			ir.HTTP.Paths = append(ir.HTTP.Paths, networkingv1.HTTPIngressPath{
				Path:     p.Path,
				PathType: &pt,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: p.Service,
					Port: networkingv1.ServiceBackendPort{Number: p.Port},
				}},
			})
		}
		in.Spec.Rules = append(in.Spec.Rules, ir)
	}
	if r.TLS != nil {
		in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: routeHosts(s), SecretName: secret}}
	}
	return in, nil
}

// HTTPRoute returns an HTTPRoute for s attached to the Gateway r names (in the
// claim's namespace unless r says otherwise). r.TLS does not change it: the
// certificate is a separate object (see tls.go). An HTTPRoute's rules apply to
// all its hostnames, so every rule of s must have the same paths; an app that
// serves different paths on different hosts composes one route per host.
func httpRoute(req *compose.Request, r common.Route, s RouteSpec) (*gatewayv1.HTTPRoute, error) {
	if err := validateRoute(r, s); err != nil {
		return nil, err
	}
	if r.Gateway == nil {
		return nil, errors.New("route has no gateway")
	}
	if err := checkRoute(s); err != nil {
		return nil, err
	}
	first := s.Rules[0]
	for _, rule := range s.Rules[1:] {
		if !slices.Equal(rule.Paths, first.Paths) {
			return nil, fmt.Errorf(errPathsDiffer, rule.Host, first.Host)
		}
	}

	ns := r.Gateway.Namespace
	if ns == "" {
		ns = req.Namespace
	}
	parent := gatewayv1.ParentReference{
		Name:      gatewayv1.ObjectName(r.Gateway.Name),
		Namespace: ptr.To(gatewayv1.Namespace(ns)),
	}
	if r.Gateway.SectionName != "" {
		parent.SectionName = ptr.To(gatewayv1.SectionName(r.Gateway.SectionName))
	}

	hr := &gatewayv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1.GroupVersion.String(), Kind: "HTTPRoute"},
		ObjectMeta: req.ObjectMeta(s.Name, s.App, s.component()),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{parent}},
		},
	}
	for _, h := range routeHosts(s) {
		hr.Spec.Hostnames = append(hr.Spec.Hostnames, gatewayv1.Hostname(h))
	}
	// One rule per backend, in the order the backends first appear, matching
	// all of its paths: Gateway API picks the most specific match itself.
	type backend struct {
		service string
		port    int32
	}
	var order []backend
	matches := map[backend][]gatewayv1.HTTPRouteMatch{}
	for _, p := range first.Paths {
		b := backend{p.Service, p.Port}
		if _, ok := matches[b]; !ok {
			order = append(order, b)
		}
		t := gatewayv1.PathMatchPathPrefix
		if p.Type == PathTypeExact {
			t = gatewayv1.PathMatchExact
		}
		matches[b] = append(matches[b], gatewayv1.HTTPRouteMatch{Path: &gatewayv1.HTTPPathMatch{Type: &t, Value: ptr.To(p.Path)}})
	}
	for _, b := range order {
		hr.Spec.Rules = append(hr.Spec.Rules, gatewayv1.HTTPRouteRule{
			Matches: matches[b],
			BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: gatewayv1.BackendObjectReference{
					Name: gatewayv1.ObjectName(b.service),
					Port: ptr.To(b.port),
				},
			}}},
		})
	}
	return hr, nil
}

// check catches programming errors in s: they are not the user's fault, so
// they are not FieldErrors.
func checkRoute(s RouteSpec) error {
	if s.Name == "" {
		return errors.New(errNoName)
	}
	if len(s.Rules) == 0 {
		return errors.New(errNoRules)
	}
	for i, rule := range s.Rules {
		if rule.Host == "" {
			return fmt.Errorf(errNoHost, i)
		}
		if len(rule.Paths) == 0 {
			return fmt.Errorf(errNoPaths, rule.Host)
		}
		for _, p := range rule.Paths {
			switch {
			case len(p.Path) == 0 || p.Path[0] != '/':
				return fmt.Errorf(errBadPath, p.Path, rule.Host)
			case p.Type != "" && p.Type != PathTypePrefix && p.Type != PathTypeExact:
				return fmt.Errorf(errBadPathType, p.Path, rule.Host, p.Type)
			case p.Service == "":
				return fmt.Errorf(errNoBackend, p.Path, rule.Host)
			case p.Port < 1 || p.Port > 65535:
				return fmt.Errorf(errBadPort, p.Path, rule.Host, p.Port)
			}
		}
	}
	return nil
}

// hosts returns the distinct hosts of s, sorted.
func routeHosts(s RouteSpec) []string {
	hs := make([]string, 0, len(s.Rules))
	for _, r := range s.Rules {
		hs = append(hs, r.Host)
	}
	slices.Sort(hs)
	return slices.Compact(hs)
}
