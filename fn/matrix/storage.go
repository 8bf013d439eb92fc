package matrix

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/fn/compose"
)

// PVC returns the data volume. A volume can grow but not shrink (an error
// naming the field, as for every kind), and its class cannot change: when the
// parameters ask for another, the observed class is kept, with a warning.
// source (restoreSource) seeds a volume being created; an existing volume
// keeps the data source it was created with, which is immutable.
func PVC(req *compose.Request, p *params, res *compose.Result, source *corev1.TypedLocalObjectReference) (*corev1.PersistentVolumeClaim, error) {
	size := p.Storage
	class := p.StorageClass

	observed := &corev1.PersistentVolumeClaim{}
	ok, err := req.ObservedInto(ResourceData, observed)
	if err != nil {
		return nil, err
	}
	if ok {
		if cur, found := observed.Spec.Resources.Requests[corev1.ResourceStorage]; found {
			if err := compose.CheckGrow(fieldStorage, cur, size); err != nil {
				return nil, err
			}
		}
		if cur := observed.Spec.StorageClassName; cur != nil && class != "" && *cur != class {
			res.Events = append(res.Events, compose.Event{
				Severity: compose.SeverityWarning,
				Reason:   "StorageClassImmutable",
				Message:  fmt.Sprintf("spec.parameters.storageClass: the data volume exists in class %s and cannot move to %s; keeping %s", *cur, class, *cur),
			})
			class = *cur
		}
	}

	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: req.ObjectMeta(namesFor(req.ClaimName).PVC(), App, ComponentData),
		Spec: corev1.PersistentVolumeClaimSpec{
			// One pod at a time: RocksDB holds a lock on the database.
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: canonical(size)}},
		},
	}
	if class != "" {
		pvc.Spec.StorageClassName = &class
	}
	switch {
	case ok:
		pvc.Spec.DataSource = observed.Spec.DataSource
		pvc.Spec.DataSourceRef = observed.Spec.DataSourceRef
		if p.Restore != nil && observed.Spec.DataSource == nil {
			res.Events = append(res.Events, compose.Event{
				Severity: compose.SeverityWarning,
				Reason:   "RestoreIgnored",
				Message:  fieldRestore + ": the data volume exists and was not created from a snapshot; restore only seeds a volume being created, so it is ignored",
			})
		}
	case source != nil:
		pvc.Spec.DataSource = source
	}
	return pvc, nil
}

// canonical returns q re-parsed from its string form, so that quantities
// compare equal with go-cmp whichever way they were built.
func canonical(q resource.Quantity) resource.Quantity { return resource.MustParse(q.String()) }

// pvcBound reports whether the observed data volume is bound.
func pvcBound(req *compose.Request) bool {
	pvc := &corev1.PersistentVolumeClaim{}
	ok, err := req.ObservedInto(ResourceData, pvc)
	return ok && err == nil && pvc.Status.Phase == corev1.ClaimBound
}
