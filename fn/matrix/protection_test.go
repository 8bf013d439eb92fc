package matrix

import (
	"context"
	"testing"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

func TestDeletionProtection(t *testing.T) {
	reason := "MatrixServer chat/chat has deletionProtection on: set spec.parameters.deletionProtection to false to delete it and its data"
	protect := func(name, apiVersion, kind, of string) compose.Desired {
		return compose.Desired{Ready: resource.ReadyTrue, Object: &protectionv1beta1.Usage{
			TypeMeta:   metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
			ObjectMeta: meta(name, "deletion-protection"),
			Spec: protectionv1beta1.UsageSpec{
				Of:     protectionv1beta1.NamespacedResource{APIVersion: apiVersion, Kind: kind, ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: of}},
				Reason: ptr.To(reason),
			},
		}}
	}
	cases := map[string]struct {
		reason   string
		on       any
		want     map[resource.Name]compose.Desired
		wantCond compose.Condition
	}{
		"On": {
			reason: "With protection on, the claim and its data volume cannot be deleted, and the claim says why.",
			on:     true,
			want: map[resource.Name]compose.Desired{
				"protect-claim": protect("chat-protect-claim", "matrix.homeplane.dev/v1alpha1", "MatrixServer", "chat"),
				"protect-data":  protect("chat-protect-data", "v1", "PersistentVolumeClaim", "chat-matrix-data"),
			},
			wantCond: compose.Condition{Type: "DeletionProtection", Status: metav1.ConditionTrue, Reason: "Enabled",
				Message: "Deleting this claim or its data volume is refused while spec.parameters.deletionProtection is true; set it to false first."},
		},
		"Off": {
			reason:   "Turning protection off removes both Usages.",
			on:       false,
			want:     map[resource.Name]compose.Desired{},
			wantCond: unprotected,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := NewComposer().Compose(context.Background(), request(t, map[string]any{"serverName": "example.org", "deletionProtection": tc.on}, nil))
			if err != nil {
				t.Fatal(err)
			}
			got := map[resource.Name]compose.Desired{}
			for _, n := range []resource.Name{ResourceProtectClaim, ResourceProtectData} {
				if d, ok := res.Resources[n]; ok {
					got[n] = d
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nUsages: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantCond, res.Conditions[len(res.Conditions)-1]); diff != "" {
				t.Errorf("%s\ncondition: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
