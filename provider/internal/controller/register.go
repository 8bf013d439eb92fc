// Package controller wires every provider controller into a manager.
package controller

import (
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/homeplane/homeplane/provider/internal/controller/config"
	"github.com/homeplane/homeplane/provider/internal/controller/oidcclient"
	"github.com/homeplane/homeplane/provider/internal/controller/recordset"
)

// SetupGated adds the config controllers now and the managed resource
// controllers once their CRDs are established (safe-start).
func SetupGated(mgr ctrl.Manager, o controller.Options) error {
	for _, setup := range []func(ctrl.Manager, controller.Options) error{
		config.Setup,
		recordset.SetupGated,
		oidcclient.SetupGated,
	} {
		if err := setup(mgr, o); err != nil {
			return err
		}
	}
	return nil
}
