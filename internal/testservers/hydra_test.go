package testservers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestHydraLogIn: LogIn completes a login for the client's registered
// redirect URI and secret, and names the step Hydra refuses otherwise.
func TestHydraLogIn(t *testing.T) {
	h := StartHydra(t)
	ctx := context.Background()
	body, _ := json.Marshal(map[string]any{ //nolint:errchkjson // plain strings.
		"redirect_uris": []string{"https://app.example.org/callback"}, "grant_types": []string{"authorization_code"},
		"response_types": []string{"code"}, "scope": "openid profile", "token_endpoint_auth_method": "client_secret_basic",
	})
	resp, err := http.Post(h.AdminURL+"/admin/clients", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	err = json.NewDecoder(resp.Body).Decode(&c)
	_ = resp.Body.Close()
	if err != nil || c.ID == "" {
		t.Fatalf("register client: %s %v", resp.Status, err)
	}
	good := Login{ClientID: c.ID, ClientSecret: c.Secret, RedirectURI: "https://app.example.org/callback", Scopes: []string{"openid", "profile"}}
	if err := h.LogIn(ctx, good); err != nil {
		t.Fatalf("LogIn with the registered redirect URI: %v", err)
	}
	cases := map[string]struct {
		change func(*Login)
		want   string
	}{
		"OtherRedirectURI": {func(l *Login) { l.RedirectURI = "https://app.example.org/callback/other" }, "authorization request refused"},
		"OtherClientID":    {func(l *Login) { l.ClientID = "app-chosen-id" }, "authorization request refused"},
		"WrongSecret":      {func(l *Login) { l.ClientSecret = "not-the-secret" }, "token request refused"},
	}
	for name, tc := range cases {
		l := good
		tc.change(&l)
		if err := h.LogIn(ctx, l); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: LogIn = %v, want an error containing %q", name, err, tc.want)
		}
	}
}
