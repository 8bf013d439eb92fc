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
// (RFC 7592 has no way to ask for another). It also keeps the ID of a client
// just created (in case the external name and status writes both fail) and
// of a client whose deletion the server confirmed (in case the status write
// that records it fails). Kept in memory: a restart between the backend's
// answer and a failed write still loses them, and the resource then reports
// oidc.ErrTokenRejected rather than guess. Safe for concurrent use; a nil
// *TokenStash keeps nothing.
type TokenStash struct {
	mu sync.Mutex
	m  map[types.UID]kept
}

type kept struct {
	// st is what Create, Update or RotateSecret returned.
	st oidc.State
	// deleted is the client ID whose deletion the server confirmed.
	deleted string
}

func (s *TokenStash) set(uid types.UID, k kept) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[types.UID]kept{}
	}
	s.m[uid] = k
}

// Keep records st, the state Create, Update or RotateSecret of resource
// uid returned.
func (s *TokenStash) Keep(uid types.UID, st oidc.State) {
	if s == nil || st.ClientID == "" {
		return
	}
	s.set(uid, kept{st: st})
}

// MarkDeleted records that the server confirmed the deletion of resource
// uid's client clientID; the credentials kept for it are dropped.
func (s *TokenStash) MarkDeleted(uid types.UID, clientID string) {
	if s == nil || clientID == "" {
		return
	}
	s.set(uid, kept{deleted: clientID})
}

// Deleted is the client ID of resource uid whose deletion the server
// confirmed, or "".
func (s *TokenStash) Deleted(uid types.UID) string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[uid].deleted
}

// ClientID is the client ID of what is kept for resource uid, or "".
func (s *TokenStash) ClientID(uid types.UID) string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[uid].st.ClientID
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
	k := s.m[uid].st
	if k.ClientID == "" || k.ClientID != stored.ClientID {
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
	if k, ok := s.m[uid]; ok && k.st.ClientID != "" && k.st.ClientID == stored.ClientID &&
		(k.st.RegistrationAccessToken == "" || k.st.RegistrationAccessToken == stored.RegistrationAccessToken) &&
		(k.st.ClientSecret == "" || k.st.ClientSecret == stored.ClientSecret) {
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
