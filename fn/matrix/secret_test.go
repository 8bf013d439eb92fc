package matrix

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func wantTokenSecret(v []byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: meta("chat-matrix-registration", "config"),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"registrationToken": v},
	}
}

func generatedRef() *corev1.SecretKeySelector {
	return &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "chat-matrix-registration"}, Key: "registrationToken"}
}

func usersSecret(data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "mine", Namespace: namespace},
		Data:       data,
	}
}

func TestRegistrationToken(t *testing.T) {
	mine := &common.SecretKeySelector{Name: "mine", Key: "token"}
	wantReq := map[string]compose.Requirement{RequirementTokenSecret: {APIVersion: "v1", Kind: "Secret", Namespace: namespace, Name: "mine"}}
	usersRef := &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "mine"}, Key: "token"}
	cases := map[string]struct {
		reason   string
		params   v1alpha1.MatrixServerParameters
		observed map[string]runtime.Object
		required *corev1.Secret
		want     *token
		reqs     map[string]compose.Requirement
	}{
		"Closed": {
			reason: "No token without token registration.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org", Registration: v1alpha1.RegistrationClosed},
			want:   &token{},
		},
		"Generated": {
			reason: "The first reconcile generates a token.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			want:   &token{Ref: generatedRef(), Secret: wantTokenSecret(generated(7)), Value: generated(7)},
		},
		"Reused": {
			reason:   "Once the Secret exists its token is reused, never regenerated.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			observed: map[string]runtime.Object{ResourceRegistration: wantTokenSecret([]byte("first"))},
			want:     &token{Ref: generatedRef(), Secret: wantTokenSecret([]byte("first")), Value: []byte("first")},
		},
		"UsersNotFetchedYet": {
			reason: "The user's Secret is asked for; until it arrives the token is not published.",
			params: v1alpha1.MatrixServerParameters{ServerName: "example.org", RegistrationTokenSecretRef: mine},
			want:   &token{Ref: usersRef, Waiting: "Secret chat/mine with the registration token"},
			reqs:   wantReq,
		},
		"UsersWithoutKey": {
			reason:   "A Secret without the key is waited for too, naming the key.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", RegistrationTokenSecretRef: mine},
			required: usersSecret(map[string][]byte{"other": []byte("x")}),
			want:     &token{Ref: usersRef, Waiting: `key "token" in Secret chat/mine (the registration token)`},
			reqs:     wantReq,
		},
		"Users": {
			reason:   "The user's token is read to be published; no Secret is composed.",
			params:   v1alpha1.MatrixServerParameters{ServerName: "example.org", RegistrationTokenSecretRef: mine},
			required: usersSecret(map[string][]byte{"token": []byte("theirs")}),
			want:     &token{Ref: usersRef, Value: []byte("theirs")},
			reqs:     wantReq,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := resolveParams(claim, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			req := request(t, nil, tc.observed)
			if tc.required != nil {
				cd, err := composed.From(tc.required)
				if err != nil {
					t.Fatal(err)
				}
				req.Required[RequirementTokenSecret] = []resource.Required{{Resource: &cd.Unstructured}}
			}
			res := compose.NewResult()
			got, err := registrationToken(req, p, res)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(token{})); diff != "" {
				t.Errorf("%s\nRegistrationToken(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.reqs, res.Requirements, cmpOpts()...); diff != "" {
				t.Errorf("%s\nRegistrationToken(...): requirements: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
