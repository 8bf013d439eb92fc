// Package matrix composes an XMatrixServer into a Matrix homeserver
// (Conduit or a fork).
package matrix

import (
	"context"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Composer composes XMatrixServer.
type Composer struct{}

// NewComposer returns a Composer.
func NewComposer() *Composer { return &Composer{} }

// Compose an XMatrixServer. TODO(#4): the homeserver itself.
func (c *Composer) Compose(_ context.Context, req *compose.Request) (*compose.Result, error) {
	xr := &v1alpha1.XMatrixServer{}
	if err := req.Decode(xr); err != nil {
		return nil, err
	}
	res := compose.NewResult()
	cm := &corev1.ConfigMap{
		ObjectMeta: req.ObjectMeta(req.ClaimName+"-matrix", "matrix", "parameters"),
		Data:       map[string]string{"serverName": xr.Spec.Parameters.ServerName},
	}
	res.Add("parameters", cm, resource.ReadyTrue)
	return res, nil
}
