package function

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	databasev1alpha1 "github.com/homeplane/homeplane/apis/database/v1alpha1"
	matrixv1alpha1 "github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	officev1alpha1 "github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/collabora"
	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/matrix"
	"github.com/homeplane/homeplane/fn/postgres"
)

// Composers returns Homeplane's composer for each composite kind.
func Composers() map[schema.GroupVersionKind]compose.Composer {
	return map[schema.GroupVersionKind]compose.Composer{
		databasev1alpha1.GroupVersion.WithKind("XPostgreSQL"): postgres.NewComposer(),
		matrixv1alpha1.GroupVersion.WithKind("XMatrixServer"): matrix.NewComposer(),
		officev1alpha1.GroupVersion.WithKind("XCollabora"):    collabora.NewComposer(),
	}
}
