package matrix

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// tokenBytes is the entropy of a generated registration token.
const tokenBytes = 24

// RequirementTokenSecret asks Crossplane for the user's registration token
// Secret, to publish the token as a connection detail.
const RequirementTokenSecret = "registration-token-secret"

const errGenerateToken = "cannot generate registration token"

// token is where the registration token comes from.
type token struct {
	// Ref is the Secret key the homeserver reads the token from. Nil when
	// registration is not by token.
	Ref *corev1.SecretKeySelector

	// Secret is the generated Secret, nil when the user brings their own.
	Secret *corev1.Secret

	// Value is the token, for the connection details. Nil while the user's
	// Secret has not been read.
	Value []byte

	// Waiting says what the token still waits for, for a condition.
	Waiting string
}

// registrationToken returns the registration token: generated once and then
// reused from the observed Secret on every later reconcile, or the user's.
func registrationToken(req *compose.Request, p *params, res *compose.Result) (*token, error) {
	if p.Registration != v1alpha1.RegistrationToken {
		return &token{}, nil
	}
	if r := p.TokenRef; r != nil {
		return usersToken(req, r.Name, r.Key, res)
	}
	v, err := req.GeneratedValue(ResourceRegistration, KeyRegistrationToken, tokenBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errGenerateToken, err)
	}
	name := namesFor(req.ClaimName).Secret()
	return &token{
		Ref: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: KeyRegistrationToken},
		Secret: &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: req.ObjectMeta(name, App, ComponentConfig),
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{KeyRegistrationToken: v},
		},
		Value: v,
	}, nil
}

// usersToken reads the user's token Secret through a requirement. The
// homeserver reads it itself; the composer only needs it to publish it.
func usersToken(req *compose.Request, name, key string, res *compose.Result) (*token, error) {
	t := &token{Ref: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
	res.Requirements[RequirementTokenSecret] = compose.Requirement{APIVersion: "v1", Kind: "Secret", Namespace: req.Namespace, Name: name}
	s := &corev1.Secret{}
	ok, err := req.RequiredInto(RequirementTokenSecret, s)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		t.Waiting = fmt.Sprintf("Secret %s/%s with the registration token", req.Namespace, name)
	case len(s.Data[key]) == 0:
		t.Waiting = fmt.Sprintf("key %q in Secret %s/%s (the registration token)", key, req.Namespace, name)
	default:
		t.Value = s.Data[key]
	}
	return t, nil
}
