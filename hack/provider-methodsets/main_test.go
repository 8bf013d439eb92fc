package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed method sets must be what the generator writes today.
func TestCommittedMethodSetsAreCurrent(t *testing.T) {
	for _, dir := range []string{"apis/v1alpha1", "apis/dns/v1alpha1", "apis/oidc/v1alpha1"} {
		src := filepath.Join("..", "..", dir)
		tmp := t.TempDir()
		files, _ := filepath.Glob(filepath.Join(src, "*.go"))
		for _, f := range files {
			if strings.HasPrefix(filepath.Base(f), "zz_generated") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f)), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := generate(tmp); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		want, err := os.ReadFile(filepath.Join(src, outName))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(tmp, outName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale: run make provider-generate", dir, outName)
		}
	}
}
