package oidc

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestErrorBody(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"plain", "  not found \n", nil, "not found"},
		{"json keeps the reason", `{"error":"invalid_client_metadata","error_description":"no"}`, nil, `{"error":"invalid_client_metadata","error_description":"no"}`},
		{"json drops secrets at any depth", `{"slug":"x","client_secret":"s","items":[{"registration_access_token":"t","Password":"p","ok":1}]}`, nil, `{"items":[{"ok":1}],"slug":"x"}`},
		{"cut JSON drops secret members", `{"detail":"x","client_secret":"s\"q","token":12,"pw":"`, nil, `{"detail":"x","[redacted]","[redacted]","pw":"`},
		{"text redacts the given secrets", "token abc was rejected", []string{"abc", ""}, "token [redacted] was rejected"},
	} {
		if got := ErrorBody([]byte(tc.in), tc.secrets...); got != tc.want {
			t.Errorf("%s: ErrorBody = %q, want %q", tc.name, got, tc.want)
		}
	}
	long := ErrorBody([]byte(strings.Repeat("ü", 1000)))
	if len(long) > MaxErrorBody+len("…") || !utf8.ValidString(long) {
		t.Fatalf("long body: %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
}
