package compose

import (
	"strings"
	"testing"
)

func TestDNSLabel(t *testing.T) {
	long := strings.Repeat("a", 70)
	cases := map[string]struct {
		parts []string
		want  string
	}{
		"Joined":    {parts: []string{"chat", "matrix.example.org"}, want: "chat-matrix-example-org"},
		"Lowered":   {parts: []string{"Chat", "_matrix._tcp"}, want: "chat-matrix-tcp"},
		"Truncated": {parts: []string{long}, want: strings.Repeat("a", 54) + "-" + "6bd5e503"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := DNSLabel(tc.parts...)
			if got != tc.want {
				t.Errorf("DNSLabel(%q) = %q, want %q", tc.parts, got, tc.want)
			}
			if len(got) > 63 {
				t.Errorf("DNSLabel(%q) is %d characters long", tc.parts, len(got))
			}
		})
	}
}
