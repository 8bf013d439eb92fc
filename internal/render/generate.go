package render

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// AnnotationGenerateKeys on a Secret in an example's observed.yaml or
// required.yaml lists keys (comma separated) whose values the harness fills
// in before rendering, so that no example commits a password, token or key.
const AnnotationGenerateKeys = "render.homeplane.dev/generate-keys"

// GeneratedValue is the stand-in for key of Secret name: derived from the
// names, so every render (and golden) sees the same value, and obviously
// not a real secret.
func GeneratedValue(name, key string) string {
	sum := sha256.Sum256([]byte(name + "/" + key))
	return "generated-" + hex.EncodeToString(sum[:8])
}

// withGeneratedKeys returns path, or a copy of it in dir with the values of
// every Secret key listed in AnnotationGenerateKeys filled in.
func withGeneratedKeys(path, dir string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	if !bytes.Contains(b, []byte(AnnotationGenerateKeys)) {
		return path, nil
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []string
	for {
		d, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("cannot parse %s: %w", path, err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(d, &m); err != nil {
			return "", fmt.Errorf("cannot parse %s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		fillGenerated(m)
		y, err := yaml.Marshal(m)
		if err != nil {
			return "", err
		}
		out = append(out, string(y))
	}
	p := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(p, []byte(strings.Join(out, "---\n")), 0o600); err != nil {
		return "", err
	}
	return p, nil
}

// fillGenerated fills the listed keys of a Secret and drops the annotation.
func fillGenerated(m map[string]any) {
	md, _ := m["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	keys, _ := ann[AnnotationGenerateKeys].(string)
	if m["kind"] != "Secret" || keys == "" {
		return
	}
	delete(ann, AnnotationGenerateKeys)
	if len(ann) == 0 {
		delete(md, "annotations")
	}
	data, _ := m["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
		m["data"] = data
	}
	name, _ := md["name"].(string)
	for _, k := range strings.Split(keys, ",") {
		k = strings.TrimSpace(k)
		data[k] = base64.StdEncoding.EncodeToString([]byte(GeneratedValue(name, k)))
	}
}
