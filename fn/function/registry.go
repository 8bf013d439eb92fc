package function

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	databasev1alpha1 "github.com/homeplane/homeplane/apis/database/v1alpha1"
	matrixv1alpha1 "github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	officev1alpha1 "github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/collabora"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/matrix"
	"github.com/homeplane/homeplane/fn/postgres"
)

// An App is one composite kind Homeplane serves. Apps is the one list of
// them: the function's dispatch, the XRD and Composition generator
// (hack/xrdgen), the example tests and the render cases all read it.
type App struct {
	// Kind of the composite, e.g. database.homeplane.dev/v1alpha1 XPostgreSQL.
	Kind schema.GroupVersionKind
	// APIPackage is the Go package of its types, as a pattern relative to
	// the module root (e.g. ./apis/database/...).
	APIPackage string
	// Composer composes it.
	Composer compose.Composer
}

// Name is the app's short name: the composite kind without its X, in lower
// case (postgresql). It names examples/<name>/ and the render cases.
func (a App) Name() string { return strings.ToLower(strings.TrimPrefix(a.Kind.Kind, "X")) }

// Apps returns every app, in a stable order.
func Apps() []App {
	return []App{
		{Kind: databasev1alpha1.GroupVersion.WithKind("XPostgreSQL"), APIPackage: "./apis/database/...", Composer: postgres.NewComposer()},
		{Kind: matrixv1alpha1.GroupVersion.WithKind("XMatrixServer"), APIPackage: "./apis/matrix/...", Composer: matrix.NewComposer()},
		{Kind: officev1alpha1.GroupVersion.WithKind("XCollabora"), APIPackage: "./apis/office/...", Composer: collabora.NewComposer()},
	}
}
