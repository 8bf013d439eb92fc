// Package collabora composes an XCollabora into Collabora Online
// (CODE).
package collabora

import (
	"context"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"

	"github.com/homeplane/homeplane/apis/office/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Composer composes XCollabora.
type Composer struct{}

// NewComposer returns a Composer.
func NewComposer() *Composer { return &Composer{} }

// Compose an XCollabora. TODO(#5): Collabora itself.
func (c *Composer) Compose(_ context.Context, req *compose.Request) (*compose.Result, error) {
	xr := &v1alpha1.XCollabora{}
	if err := req.Decode(xr); err != nil {
		return nil, err
	}
	res := compose.NewResult()
	cm := &corev1.ConfigMap{
		ObjectMeta: req.ObjectMeta(req.ClaimName+"-collabora", "collabora", "parameters"),
		Data:       map[string]string{"host": xr.Spec.Parameters.Host},
	}
	res.Add("parameters", cm, resource.ReadyTrue)
	return res, nil
}
