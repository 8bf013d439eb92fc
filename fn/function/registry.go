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
	// Kind of the composite, e.g. database.homeplane.dev/v1alpha1 XPostgreSQL:
	// a LegacyCluster composite, created through its claim.
	Kind schema.GroupVersionKind
	// Namespaced is the kind of the namespaced flavour of the same
	// composite (same parameters, same composer), e.g.
	// database.ns.homeplane.dev/v1alpha1 PostgreSQL: created in the tenant's
	// namespace itself, without a claim.
	Namespaced schema.GroupVersionKind
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
		{Kind: databasev1alpha1.GroupVersion.WithKind("XPostgreSQL"), Namespaced: databasev1alpha1.NamespacedGroupVersionKind,
			APIPackage: "./apis/database/...", Composer: postgres.NewComposer()},
		{Kind: matrixv1alpha1.GroupVersion.WithKind("XMatrixServer"), Namespaced: matrixv1alpha1.NamespacedGroupVersionKind,
			APIPackage: "./apis/matrix/...", Composer: matrix.NewComposer()},
		{Kind: officev1alpha1.GroupVersion.WithKind("XCollabora"), Namespaced: officev1alpha1.NamespacedGroupVersionKind,
			APIPackage: "./apis/office/...", Composer: collabora.NewComposer()},
	}
}
