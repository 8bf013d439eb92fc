package matrix

import (
	"testing"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
)

func TestEnvName(t *testing.T) {
	cases := map[string]struct {
		impl v1alpha1.Implementation
		key  []string
		want string
	}{
		"ConduitFlat":      {impl: v1alpha1.ImplementationConduit, key: []string{"allow_federation"}, want: "CONDUIT_ALLOW_FEDERATION"},
		"ConduitNested":    {impl: v1alpha1.ImplementationConduit, key: []string{"well_known", "client"}, want: "CONDUIT_WELL_KNOWN_CLIENT"},
		"TuwunelFlat":      {impl: v1alpha1.ImplementationTuwunel, key: []string{"allow_federation"}, want: "CONDUIT_ALLOW_FEDERATION"},
		"TuwunelNested":    {impl: v1alpha1.ImplementationTuwunel, key: []string{"well_known", "client"}, want: "CONDUIT_WELL_KNOWN__CLIENT"},
		"ContinuwuityNest": {impl: v1alpha1.ImplementationContinuwuity, key: []string{"well_known", "server"}, want: "CONDUIT_WELL_KNOWN__SERVER"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := implementations[tc.impl].Env(tc.key...); got != tc.want {
				t.Errorf("Env(%v): want %q, got %q", tc.key, tc.want, got)
			}
		})
	}
}

func TestImage(t *testing.T) {
	cases := map[string]struct {
		p    params
		want string
	}{
		"Conduit":      {p: params{Implementation: v1alpha1.ImplementationConduit}, want: "registry.gitlab.com/famedly/conduit/matrix-conduit:v0.10.12"},
		"Tuwunel":      {p: params{Implementation: v1alpha1.ImplementationTuwunel}, want: "ghcr.io/matrix-construct/tuwunel:v1.9.3"},
		"Continuwuity": {p: params{Implementation: v1alpha1.ImplementationContinuwuity}, want: "forgejo.ellis.link/continuwuation/continuwuity:v26.9.1"},
		"Override":     {p: params{Implementation: v1alpha1.ImplementationTuwunel, Image: "mirror/t:1"}, want: "mirror/t:1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.p.image(); got != tc.want {
				t.Errorf("image(): want %q, got %q", tc.want, got)
			}
		})
	}
}
