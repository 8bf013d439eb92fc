// Package postgres composes an XPostgreSQL into a Zalando postgres-operator
// cluster.
package postgres

import (
	"context"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Composer composes XPostgreSQL.
type Composer struct{}

// NewComposer returns a Composer.
func NewComposer() *Composer { return &Composer{} }

// Compose an XPostgreSQL. TODO(#3): the Zalando postgresql itself.
func (c *Composer) Compose(_ context.Context, req *compose.Request) (*compose.Result, error) {
	xr := &v1alpha1.XPostgreSQL{}
	if err := req.Decode(xr); err != nil {
		return nil, err
	}
	res := compose.NewResult()
	cm := &corev1.ConfigMap{
		ObjectMeta: req.ObjectMeta(req.ClaimName+"-postgresql", "postgresql", "parameters"),
		Data:       map[string]string{"version": xr.Spec.Parameters.Version},
	}
	res.Add("parameters", cm, resource.ReadyTrue)
	return res, nil
}
