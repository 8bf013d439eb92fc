package compose

import (
	"encoding/base64"
	"fmt"
	"io"

	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
)

func resourceName(n string) resource.Name { return resource.Name(n) }

// ObservedSecretValue returns key of the observed composed Secret name. An
// observed Secret that cannot be decoded is an error, for every kind: a
// generated secret is never replaced because its Secret could not be read.
func (r *Request) ObservedSecretValue(name, key string) ([]byte, bool, error) {
	s := &corev1.Secret{}
	ok, err := r.ObservedInto(name, s)
	if err != nil {
		// The error names the resource, never the Secret's data.
		return nil, false, fmt.Errorf("cannot read observed Secret %q: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	v, ok := s.Data[key]
	return v, ok && len(v) > 0, nil
}

// GeneratedValue returns the value of key in the observed composed Secret name
// if there is one, so that a generated secret stays stable across every
// reconcile. Only when none exists yet does it generate a new random value of
// n bytes, URL-safe base64 encoded.
func (r *Request) GeneratedValue(name, key string, n int) ([]byte, error) {
	v, ok, err := r.ObservedSecretValue(name, key)
	if err != nil || ok {
		return v, err
	}
	return r.RandomValue(n)
}

// RandomValue returns n random bytes, URL-safe base64 encoded without padding.
func (r *Request) RandomValue(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r.Rand, b); err != nil {
		return nil, fmt.Errorf("cannot generate random value: %w", err)
	}
	out := make([]byte, base64.RawURLEncoding.EncodedLen(n))
	base64.RawURLEncoding.Encode(out, b)
	return out, nil
}
