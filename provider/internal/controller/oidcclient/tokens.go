package oidcclient

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/homeplane/homeplane/provider/internal/clients/oidc"
)

// TokenStash keeps the credentials a backend issued (a client secret, an
// RFC 7592 registration access token) until the connection Secret is seen
// holding them. Ory Hydra replaces a client's registration access token on
// every update and rejects the old one at once, and no backend returns a
// secret twice; if the Secret write that follows fails, they exist only
// here, and without the token the client can be neither managed nor deleted
// (RFC 7592 has no way to ask for another). Kept in memory: a restart
// between the backend's answer and a failed write still loses them, and the
// resource then reports oidc.ErrTokenRejected rather than guess. Safe for
// concurrent use; a nil *TokenStash keeps nothing.
type TokenStash struct {
	mu sync.Mutex
	m  map[types.UID]oidc.State
}

// Keep records st, the state Create, Update or RotateSecret of resource
// uid returned.
func (s *TokenStash) Keep(uid types.UID, st oidc.State) {
	if s == nil || (st.RegistrationAccessToken == "" && st.ClientSecret == "") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[types.UID]oidc.State{}
	}
	s.m[uid] = st
}

// Recover returns stored with the credentials kept for resource uid laid
// over it, and whether that changed anything: what is kept was issued after
// anything the connection Secret held when it was kept.
func (s *TokenStash) Recover(uid types.UID, stored oidc.State) (oidc.State, bool) {
	if s == nil {
		return stored, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.m[uid]
	if !ok || k.ClientID != stored.ClientID {
		return stored, false
	}
	out := stored
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&out.ClientSecret, k.ClientSecret},
		{&out.RegistrationAccessToken, k.RegistrationAccessToken},
		{&out.RegistrationClientURI, k.RegistrationClientURI},
		{&out.ID, k.ID},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	return out, out != stored
}

// Stored forgets what is kept for resource uid once the connection Secret
// (stored) holds it: from then on the Secret is the copy.
func (s *TokenStash) Stored(uid types.UID, stored oidc.State) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.m[uid]; ok && k.ClientID == stored.ClientID &&
		(k.RegistrationAccessToken == "" || k.RegistrationAccessToken == stored.RegistrationAccessToken) &&
		(k.ClientSecret == "" || k.ClientSecret == stored.ClientSecret) {
		delete(s.m, uid)
	}
}

// Forget drops what is kept for resource uid.
func (s *TokenStash) Forget(uid types.UID) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, uid)
}
