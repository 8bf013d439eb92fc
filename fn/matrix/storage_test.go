package matrix

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func wantPVC(size string, class *string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: meta("chat-matrix-data", "data"),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
			StorageClassName: class,
		},
	}
}

func observedPVC(size, class string, phase corev1.PersistentVolumeClaimPhase) *corev1.PersistentVolumeClaim {
	pvc := wantPVC(size, &class)
	pvc.Status.Phase = phase
	return pvc
}

func snapshotSource(name string) *corev1.TypedLocalObjectReference {
	return &corev1.TypedLocalObjectReference{APIGroup: ptr.To("snapshot.storage.k8s.io"), Kind: "VolumeSnapshot", Name: name}
}

// restoredPVC is an observed volume created from a snapshot: the API server
// mirrored dataSource into dataSourceRef.
func restoredPVC() *corev1.PersistentVolumeClaim {
	p := observedPVC("10Gi", "fast", corev1.ClaimBound)
	p.Status = corev1.PersistentVolumeClaimStatus{}
	p.Spec.DataSource = snapshotSource("old-matrix-data.nightly")
	p.Spec.DataSourceRef = &corev1.TypedObjectReference{APIGroup: ptr.To("snapshot.storage.k8s.io"), Kind: "VolumeSnapshot", Name: "old-matrix-data.nightly"}
	return p
}

func TestPVC(t *testing.T) {
	cases := map[string]struct {
		reason   string
		params   v1alpha1.MatrixServerParameters
		observed map[string]runtime.Object
		source   *corev1.TypedLocalObjectReference
		want     *corev1.PersistentVolumeClaim
		events   []compose.Event
		wantErr  string
	}{
		"Restore": {
			reason: "A volume being created from a snapshot names it as its dataSource.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			source: snapshotSource("old-matrix-data.nightly"),
			want: func() *corev1.PersistentVolumeClaim {
				p := wantPVC("10Gi", nil)
				p.Spec.DataSource = snapshotSource("old-matrix-data.nightly")
				return p
			}(),
		},
		"RestoredKeepsSource": {
			reason:   "An existing volume keeps the dataSource (and dataSourceRef) it was created with, whatever the request: both are immutable.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", StorageClass: "fast", Restore: &v1alpha1.Restore{FromClaim: "old", Snapshot: "nightly"}},
			observed: map[string]runtime.Object{ResourceData: restoredPVC()},
			want:     restoredPVC(),
		},
		"RestoreTooLate": {
			reason:   "Restore on a volume that exists without a snapshot source changes nothing, with a warning.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", StorageClass: "fast", Restore: &v1alpha1.Restore{FromClaim: "old", Snapshot: "nightly"}},
			observed: map[string]runtime.Object{ResourceData: observedPVC("10Gi", "fast", corev1.ClaimBound)},
			want:     wantPVC("10Gi", ptr.To("fast")),
			events: []compose.Event{{Severity: compose.SeverityWarning, Reason: "RestoreIgnored",
				Message: "spec.parameters.restore: the data volume exists and was not created from a snapshot; restore only seeds a volume being created, so it is ignored"}},
		},
		"Default": {
			reason: "10Gi in the cluster's default class.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			want:   wantPVC("10Gi", nil),
		},
		"Grow": {
			reason:   "A bigger size is asked for: volumes can grow.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", Storage: ptr.To(resource.MustParse("50Gi")), StorageClass: "fast"},
			observed: map[string]runtime.Object{ResourceData: observedPVC("10Gi", "fast", corev1.ClaimBound)},
			want:     wantPVC("50Gi", ptr.To("fast")),
		},
		"NoMove": {
			reason:   "Another class would fail (or lose data): the observed one is kept, with a warning.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", StorageClass: "slow"},
			observed: map[string]runtime.Object{ResourceData: observedPVC("10Gi", "fast", corev1.ClaimBound)},
			want:     wantPVC("10Gi", ptr.To("fast")),
			events: []compose.Event{
				{Severity: compose.SeverityWarning, Reason: "StorageClassImmutable", Message: "spec.parameters.storageClass: the data volume exists in class fast and cannot move to slow; keeping fast"},
			},
		},
		"NoShrink": {
			reason:   "A smaller size is refused with an error naming the field, as for PostgreSQL: nothing is composed.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", Storage: ptr.To(resource.MustParse("5Gi"))},
			observed: map[string]runtime.Object{ResourceData: observedPVC("10Gi", "fast", corev1.ClaimBound)},
			wantErr:  "spec.parameters.storage: cannot shrink the volume from 10Gi to 5Gi: Kubernetes volumes can only grow (PersistentVolumeClaim spec.resources.requests.storage)",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := resolveParams(claim, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			res := compose.NewResult()
			got, err := PVC(request(t, nil, tc.observed), p, res, tc.source)
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nPVC(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts()...); diff != "" {
				t.Errorf("%s\nPVC(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.events, res.Events, cmpOpts()...); diff != "" {
				t.Errorf("%s\nPVC(...): events: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPVCBound(t *testing.T) {
	if pvcBound(request(t, nil, nil)) {
		t.Errorf("pvcBound: a volume that is not observed is not bound")
	}
	if pvcBound(request(t, nil, map[string]runtime.Object{ResourceData: observedPVC("10Gi", "x", corev1.ClaimPending)})) {
		t.Errorf("pvcBound: a pending volume is not bound")
	}
	if !pvcBound(request(t, nil, map[string]runtime.Object{ResourceData: observedPVC("10Gi", "x", corev1.ClaimBound)})) {
		t.Errorf("pvcBound: a Bound volume is bound")
	}
}
