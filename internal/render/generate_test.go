package render

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestWithGeneratedKeys(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "observed.yaml")
	src := `apiVersion: v1
kind: Secret
metadata:
  name: admin
  annotations:
    render.homeplane.dev/generate-keys: password, token
data:
  username: YWRtaW4=
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
`
	if err := os.WriteFile(in, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := withGeneratedKeys(in, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := splitDocs(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "admin"}, "data": map[string]any{
			"username": "YWRtaW4=",
			// base64 of GeneratedValue("admin", key)
			"password": "Z2VuZXJhdGVkLTQ5OWFhMTU0MjRmNDNjMjM=",
			"token":    "Z2VuZXJhdGVkLWI2YzUwYTc3YzQwNjJlM2Y=",
		}},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "plain"}},
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("withGeneratedKeys: -want, +got:\n%s", diff)
	}

	// A file without the annotation is used as it is.
	plain := filepath.Join(dir, "plain.yaml")
	if err := os.WriteFile(plain, []byte("kind: ConfigMap\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := withGeneratedKeys(plain, t.TempDir()); err != nil || got != plain {
		t.Errorf("withGeneratedKeys(plain) = %q, %v; want the same path", got, err)
	}
}

func splitDocs(b []byte) ([]map[string]any, error) {
	var out []map[string]any
	for _, d := range bytes.Split(b, []byte("---\n")) {
		m := map[string]any{}
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
