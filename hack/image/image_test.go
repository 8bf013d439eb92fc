package main

import (
	"archive/tar"
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fakeELF is enough of a binary for the layer check.
func fakeELF(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("\x7fELF"+name), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func files(t *testing.T, l v1.Layer) map[string]*tar.Header {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

func TestBuildProvider(t *testing.T) {
	dir := t.TempDir()
	created := time.Unix(1700000000, 0).UTC()
	res, err := Build(specs["provider"], Options{
		Version: "v1.2.3",
		Created: created,
		CACerts: []byte("-----BEGIN CERTIFICATE-----\n"),
		Binaries: map[string]string{
			"linux/arm64": fakeELF(t, dir, "arm64"),
			"linux/amd64": fakeELF(t, dir, "amd64"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Platforms(); !reflect.DeepEqual(got, []string{"linux/amd64", "linux/arm64"}) {
		t.Fatalf("platforms %v", got)
	}

	im, err := res.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != types.OCIImageIndex || len(im.Manifests) != 2 {
		t.Fatalf("index %s with %d manifests", im.MediaType, len(im.Manifests))
	}
	var baseDigests []v1.Hash
	for i, want := range []string{"amd64", "arm64"} {
		d := im.Manifests[i]
		if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != want {
			t.Fatalf("manifest %d platform %+v", i, d.Platform)
		}
		img, err := res.Index.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Architecture != want || cf.OS != "linux" || !cf.Created.Time.Equal(created) {
			t.Errorf("%s: config os/arch %s/%s created %v", want, cf.OS, cf.Architecture, cf.Created)
		}
		c := cf.Config
		if !reflect.DeepEqual(c.Entrypoint, []string{"/provider"}) || c.User != "65532:65532" {
			t.Errorf("%s: entrypoint %v user %q", want, c.Entrypoint, c.User)
		}
		if c.Labels["org.opencontainers.image.version"] != "v1.2.3" {
			t.Errorf("%s: labels %v", want, c.Labels)
		}
		if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
			t.Errorf("%s: ports %v", want, c.ExposedPorts)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 2 {
			t.Fatalf("%s: %d layers, %v", want, len(layers), err)
		}
		base := files(t, layers[0])
		for _, f := range []string{"etc/passwd", "etc/group", "etc/ssl/certs/ca-certificates.crt", "tmp/", "home/nonroot/"} {
			if base[f] == nil {
				t.Errorf("%s: base layer lacks %s (has %v)", want, f, base)
			}
		}
		if h := base["tmp/"]; h != nil && h.Mode != 0o1777 {
			t.Errorf("/tmp mode %o", h.Mode)
		}
		if h := base["home/nonroot/"]; h != nil && h.Uid != 65532 {
			t.Errorf("/home/nonroot uid %d", h.Uid)
		}
		bin := files(t, layers[1])
		if h := bin["provider"]; h == nil || h.Mode != 0o755 || h.Uid != 0 || len(bin) != 1 {
			t.Errorf("%s: binary layer %v", want, bin)
		}
		bd, _ := layers[0].Digest()
		baseDigests = append(baseDigests, bd)
		mt, _ := layers[1].MediaType()
		if mt != types.OCILayer {
			t.Errorf("layer media type %s", mt)
		}
	}
	if baseDigests[0] != baseDigests[1] {
		t.Errorf("base layer differs between platforms: %v", baseDigests)
	}

	// The same inputs give the same index digest (reproducible).
	again, err := Build(specs["provider"], Options{
		Version: "v1.2.3", Created: created, CACerts: []byte("-----BEGIN CERTIFICATE-----\n"),
		Binaries: map[string]string{"linux/amd64": filepath.Join(dir, "amd64"), "linux/arm64": filepath.Join(dir, "arm64")},
	})
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := res.Index.Digest()
	d2, _ := again.Index.Digest()
	if d1 != d2 {
		t.Errorf("not reproducible: %s != %s", d1, d2)
	}

	out := t.TempDir()
	ws, err := res.Write(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 {
		t.Fatalf("wrote %v", ws)
	}
	// The single-platform tarball is what `crossplane xpkg build` reads.
	img, err := tarball.ImageFromPath(filepath.Join(out, "provider-linux-arm64.tar"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := img.ConfigName(); got != ws[1].Digest {
		t.Errorf("tarball image ID %s, reported %s", got, ws[1].Digest)
	}
	if want, _ := res.Images["linux/arm64"].ConfigName(); want != ws[1].Digest {
		t.Errorf("tarball image ID %s, built %s", ws[1].Digest, want)
	}
	// The OCI archive unpacks into a layout whose index is ours.
	lp := t.TempDir()
	untar(t, filepath.Join(out, "provider.oci.tar"), lp)
	ii, err := layout.ImageIndexFromPath(lp)
	if err != nil {
		t.Fatal(err)
	}
	top, err := ii.IndexManifest()
	if err != nil || len(top.Manifests) != 2 {
		t.Fatalf("layout index.json: %+v %v", top, err)
	}
}

func untar(t *testing.T, archive, dst string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(specs["function"], Options{Version: "v1", Binaries: map[string]string{"linux/amd64": notELF}}); err == nil {
		t.Error("a shell script was accepted as the binary")
	}
	if _, err := Build(specs["provider"], Options{Version: "v1", Binaries: map[string]string{"linux/amd64": fakeELF(t, dir, "p")}}); err == nil {
		t.Error("provider built without CA certificates")
	}
	for _, args := range [][]string{
		{"-name", "nope", "-version", "v1", "-binary", "linux/amd64=x"},
		{"-name", "function", "-binary", "linux/amd64=x"},
		{"-name", "function", "-version", "v1"},
		{"-name", "function", "-version", "v1", "-binary", "amd64=x"},
		{"-name", "function", "-version", "v1", "-binary", "linux/amd64=x", "-binary", "linux/amd64=y"},
		{"-name", "function", "-version", "v1", "-binary", "linux/amd64=x", "-ca-certs", "/dev/null"},
		{"-name", "provider", "-version", "v1", "-binary", "linux/amd64=x"},
	} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("run %v: no error", args)
		}
	}
}

// TestDockerfiles keeps the Dockerfiles (for people with Docker) equivalent
// to what hack/image builds: same user, entrypoint, ports and CA bundle.
func TestDockerfiles(t *testing.T) {
	for _, tc := range []struct{ spec, path string }{
		{"function", "../../fn/Dockerfile"},
		{"provider", "../../provider/Dockerfile"},
	} {
		s := specs[tc.spec]
		f, err := os.Open(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var final []string // instructions of the last stage
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if strings.HasPrefix(line, "FROM ") {
				final = nil
			}
			final = append(final, line)
		}
		_ = f.Close()
		if len(final) == 0 || final[0] != "FROM scratch" {
			t.Errorf("%s: last stage must be FROM scratch, got %v", tc.path, final)
			continue
		}
		want := map[string]bool{
			"USER " + NonRootUser:                        false,
			`ENTRYPOINT ["` + s.Entrypoint + `"]`:        false,
			"EXPOSE " + strings.Join(s.Ports, " "):       false,
			"COPY --from=build /rootfs/ /":               false,
			"COPY --from=build /out/bin " + s.Entrypoint: false,
		}
		if s.CACerts {
			want["ENV SSL_CERT_FILE="+caCertsPath] = false
		}
		for _, l := range final {
			if _, ok := want[l]; ok {
				want[l] = true
			}
		}
		for l, seen := range want {
			if !seen {
				t.Errorf("%s: final stage lacks %q", tc.path, l)
			}
		}
	}
}
