//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Scenario 6: the API server rejects a claim with an invalid spec, with a
// message that says what is wrong, before Crossplane ever sees it.
func TestInvalidSpecRejected(t *testing.T) {
	ns := newNamespace(t, "e2e-invalid")
	cases := map[string]struct {
		claim string
		want  []string // substrings of the API server's message
	}{
		"PostgreSQLUnknownVersion": {
			claim: `
apiVersion: database.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: bad-version, namespace: ` + ns + `}
spec:
  parameters: {version: "9"}
`,
			want: []string{"spec.parameters.version", `Unsupported value: "9"`},
		},
		"PostgreSQLInstancesWithoutHA": {
			claim: `
apiVersion: database.homeplane.dev/v1alpha1
kind: PostgreSQL
metadata: {name: bad-instances, namespace: ` + ns + `}
spec:
  parameters: {instances: 3}
`,
			want: []string{"instances can only be set with topology ha"},
		},
		"MatrixServerWithoutServerName": {
			claim: `
apiVersion: matrix.homeplane.dev/v1alpha1
kind: MatrixServer
metadata: {name: bad-matrix, namespace: ` + ns + `}
spec:
  parameters: {host: matrix.example.org}
`,
			want: []string{"spec.parameters.serverName", "Required value"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := decodeObjects([]byte(tc.claim))
			if err != nil {
				t.Fatal(err)
			}
			err = env.c.Create(context.Background(), objs[0])
			if err == nil {
				_ = env.c.Delete(context.Background(), objs[0])
				t.Fatalf("the API server accepted an invalid %s", objs[0].GetKind())
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not say %q", err.Error(), w)
				}
			}
			t.Logf("rejected: %v", err)
		})
	}
}
