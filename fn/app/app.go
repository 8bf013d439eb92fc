// Package app is the contract between Homeplane's apps and the function: an
// app decodes nothing and composes no wiring itself. The generic step decodes
// the typed composite once (a field of the wrong type is an error naming it),
// applies the API's Default and Validate, lets the app check what only it can
// (derived names, transitions against observed state), asks it what it
// exposes, plans the wiring (fn/wiring), lets it build its own objects, and
// adds the wiring to the result.
package app

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

// A Composite is a typed composite resource that defaults and validates
// itself, as the API packages' kinds do.
type Composite interface {
	runtime.Object
	// Default applies the XRD's defaults, for a composite the API server did
	// not default (e.g. in a render).
	Default()
	// Validate returns what the XRD refuses, with field paths.
	Validate() field.ErrorList
}

// An App composes composites of kind X through its parameters P.
type App[X Composite, P any] struct {
	// New returns an empty composite.
	New func() X
	// Resolve checks what the API server cannot and returns the parameters
	// the app builds from. Errors name the claim field at fault.
	Resolve func(req *compose.Request, xr X) (P, error)
	// Expose states what the app serves and needs; the wiring stage alone
	// composes it.
	Expose func(req *compose.Request, p P) wiring.Exposure
	// Build composes the app's own objects, reading the wiring it depends on
	// (e.g. the OIDC client's Secret) from w.
	Build func(ctx context.Context, req *compose.Request, p P, w *wiring.Wiring) (*compose.Result, error)
}

// Compose composes one composite: decode, default, validate, resolve, plan
// the wiring, build, wire. Nothing is built when any step before Build fails.
func (a App[X, P]) Compose(ctx context.Context, req *compose.Request) (*compose.Result, error) {
	xr := a.New()
	if err := req.Decode(xr); err != nil {
		return nil, err
	}
	p, err := a.Params(req, xr)
	if err != nil {
		return nil, err
	}
	w, err := wiring.Plan(req, a.Expose(req, p))
	if err != nil {
		return nil, err
	}
	res, err := a.Build(ctx, req, p, w)
	if err != nil {
		return nil, err
	}
	w.Apply(res)
	return res, nil
}

// Params defaults and validates xr with the API's own Default and Validate,
// then resolves the app's parameters. xr is defaulted in place.
func (a App[X, P]) Params(req *compose.Request, xr X) (P, error) {
	xr.Default()
	if err := compose.FieldErrors(xr.Validate()); err != nil {
		var zero P
		return zero, err
	}
	return a.Resolve(req, xr)
}
