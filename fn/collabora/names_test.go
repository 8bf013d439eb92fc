package collabora

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewNames(t *testing.T) {
	cases := map[string]struct {
		reason  string
		claim   string
		want    names
		wantErr string
	}{
		"Short": {
			reason: "Every object is named after the claim.",
			claim:  "office",
			want:   names{base: "office-collabora", admin: "office-collabora-admin", proofKey: "office-collabora-proof-key", any: "office-collabora-any"},
		},
		"Longest": {
			reason: "A 49-character claim name makes Service names of 59 and 63 characters.",
			claim:  strings.Repeat("a", 49),
			want: names{base: strings.Repeat("a", 49) + "-collabora", admin: strings.Repeat("a", 49) + "-collabora-admin",
				proofKey: strings.Repeat("a", 49) + "-collabora-proof-key", any: strings.Repeat("a", 49) + "-collabora-any"},
		},
		"TooLong": {
			reason:  "A claim name that makes a Service name over 63 characters is rejected.",
			claim:   strings.Repeat("a", 50),
			wantErr: `metadata.name: claim name "` + strings.Repeat("a", 50) + `" cannot name the Service "` + strings.Repeat("a", 50) + `-collabora-any": must be no more than 63 characters`,
		},
		"Dotted": {
			reason:  "A claim name with a dot cannot name a Service.",
			claim:   "office.v2",
			wantErr: `metadata.name: claim name "office.v2" cannot name the Service "office.v2-collabora": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := newNames(tc.claim)
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nnewNames(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(names{})); diff != "" {
				t.Errorf("%s\nnewNames(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
