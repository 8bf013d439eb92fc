// Package packages tests Homeplane's Crossplane packages as they are shipped:
// `make xpkg` builds them (runtime images without Docker, the real crossplane
// CLI), `make push` pushes them to a registry on loopback (go-containerregistry's
// registry, real registry code, in process), and the test pulls the manifests
// back and checks layers, entrypoint, user, platforms and package metadata.
//
// `make test` builds the packages for this machine's platform before `go test`
// (target unit), so here `make push` finds them up to date; `make
// release-test` checks every release platform (the cross-compilation takes
// several minutes on a cold build cache).
package packages

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/mod/semver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const (
	xpkgAnnotation  = "io.crossplane.xpkg"
	packageLayer    = "base"    // package.yaml
	examplesLayer   = "upbound" // .up/examples.yaml
	nonRootUser     = "65532:65532"
	officialRepo    = "xpkg.homeplane.dev/homeplane"
	crossplaneRange = ">=v2.2.0"
)

var arches = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// platforms are the ones to build, push and check, sorted: $PACKAGE_PLATFORMS
// (space separated; `make test` sets this machine's, `make release-test` every
// release platform), else this machine's alone. Cross-compiling the second
// architecture costs minutes on a cold cache and tests nothing more here.
func platforms() []string {
	p := strings.Fields(os.Getenv("PACKAGE_PLATFORMS"))
	if len(p) == 0 {
		p = []string{"linux/" + runtime.GOARCH}
	}
	slices.Sort(p)
	return p
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

// version is what the Makefile uses: an exact tag on HEAD, else VERSION.
func version(t *testing.T, root string) string {
	t.Helper()
	cmd := exec.Command("git", "describe", "--tags", "--exact-match")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	b, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(b))
	if !semver.IsValid(v) {
		t.Fatalf("VERSION %q is not a semantic version", v)
	}
	return v
}

func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	t.Logf("%s %s: %s", name, strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
}

// file is one regular file of a layer.
func layerFiles(t *testing.T, l v1.Layer) map[string][]byte {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	files := map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			files[h.Name] = nil
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
}

func decodeAll(t *testing.T, b []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// pkgImage is one pulled package image, split by what its layers hold.
type pkgImage struct {
	config   *v1.ConfigFile
	layers   []v1.Layer
	pkg      []*unstructured.Unstructured // package.yaml: meta first, then objects
	examples []*unstructured.Unstructured
}

func inspect(t *testing.T, img v1.Image) pkgImage {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	p := pkgImage{config: cf, layers: layers}
	var pkgLayers, exLayers int
	for i, d := range m.Layers {
		switch d.Annotations[xpkgAnnotation] {
		case packageLayer:
			pkgLayers++
			f := layerFiles(t, layers[i])
			if _, ok := f["package.yaml"]; !ok || len(f) != 1 {
				t.Fatalf("package layer holds %v, want package.yaml", keys(f))
			}
			p.pkg = decodeAll(t, f["package.yaml"])
		case examplesLayer:
			exLayers++
			f := layerFiles(t, layers[i])
			p.examples = decodeAll(t, f[".up/examples.yaml"])
		}
	}
	if pkgLayers != 1 || exLayers > 1 {
		t.Fatalf("%d layers annotated %s=%s and %d %s=%s", pkgLayers, xpkgAnnotation, packageLayer, exLayers, xpkgAnnotation, examplesLayer)
	}
	if len(p.pkg) == 0 {
		t.Fatal("empty package.yaml")
	}
	return p
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func kinds(objs []*unstructured.Unstructured) map[string]int {
	n := map[string]int{}
	for _, o := range objs {
		n[o.GetKind()]++
	}
	return n
}

func countYAML(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no YAML in %s: %v", dir, err)
	}
	return len(m)
}

func TestPackagesPushAndPull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and pushes packages; not with -short")
	}
	root := repoRoot(t)
	ver := version(t, root)

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	repo := strings.TrimPrefix(reg.URL, "http://") + "/homeplane"
	plats := platforms()
	// push depends on xpkg: one make run builds (or finds up to date) and pushes.
	run(t, root, "make", "--no-print-directory", "push", "REGISTRY="+repo, "VERSION="+ver, "PLATFORMS="+strings.Join(plats, " "))

	for _, rt := range []struct {
		name, kind, entrypoint string
		caCerts                bool
	}{
		{name: "function", kind: "Function", entrypoint: "/function"},
		{name: "provider", kind: "Provider", entrypoint: "/provider", caCerts: true},
	} {
		t.Run(rt.name, func(t *testing.T) {
			ref, err := name.ParseReference(repo + "/" + rt.name + ":" + ver)
			if err != nil {
				t.Fatal(err)
			}
			desc, err := remote.Get(ref)
			if err != nil {
				t.Fatal(err)
			}
			// `xpkg push` of one file pushes an image, of several an index.
			if !desc.MediaType.IsIndex() {
				if len(plats) != 1 {
					t.Fatalf("%s is a single image (%s), want an index of %v", ref, desc.MediaType, plats)
				}
				img, err := desc.Image()
				if err != nil {
					t.Fatal(err)
				}
				p := inspect(t, img)
				plat := &v1.Platform{OS: p.config.OS, Architecture: p.config.Architecture}
				if got := plat.OS + "/" + plat.Architecture; got != plats[0] {
					t.Errorf("platform %s, want %s", got, plats[0])
				}
				checkRuntime(t, root, ver, rt.name, rt.kind, rt.entrypoint, rt.caCerts, plat, p)
				return
			}
			idx, err := desc.ImageIndex()
			if err != nil {
				t.Fatal(err)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range im.Manifests {
				if d.Platform == nil {
					t.Fatalf("manifest %s without platform", d.Digest)
				}
				got = append(got, d.Platform.OS+"/"+d.Platform.Architecture)
				img, err := idx.Image(d.Digest)
				if err != nil {
					t.Fatal(err)
				}
				checkRuntime(t, root, ver, rt.name, rt.kind, rt.entrypoint, rt.caCerts, d.Platform, inspect(t, img))
			}
			slices.Sort(got)
			if !slices.Equal(got, plats) {
				t.Errorf("platforms %v, want %v", got, plats)
			}
		})
	}

	t.Run("configuration", func(t *testing.T) {
		ref, err := name.ParseReference(repo + "/configuration:" + ver)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(ref)
		if err != nil {
			t.Fatal(err)
		}
		p := inspect(t, img)
		if len(p.layers) != 2 {
			t.Errorf("configuration has %d layers, want package and examples", len(p.layers))
		}
		meta := p.pkg[0]
		if meta.GetAPIVersion() != "meta.pkg.crossplane.io/v1" || meta.GetKind() != "Configuration" {
			t.Fatalf("meta is %s %s", meta.GetAPIVersion(), meta.GetKind())
		}
		if v, _, _ := unstructured.NestedString(meta.Object, "spec", "crossplane", "version"); v != crossplaneRange {
			t.Errorf("crossplane version %q, want %q", v, crossplaneRange)
		}
		deps, _, _ := unstructured.NestedSlice(meta.Object, "spec", "dependsOn")
		want := map[string]string{officialRepo + "/function": "Function", officialRepo + "/provider": "Provider"}
		for _, d := range deps {
			dep, _ := d.(map[string]any)
			pkg, _ := dep["package"].(string)
			kind, ok := want[pkg]
			if !ok {
				t.Errorf("unexpected dependency %v", dep)
				continue
			}
			delete(want, pkg)
			if dep["kind"] != kind || dep["apiVersion"] != "pkg.crossplane.io/v1" {
				t.Errorf("dependency %s: %v %v, want pkg.crossplane.io/v1 %s", pkg, dep["apiVersion"], dep["kind"], kind)
			}
			// One version for all three: this release of the function
			// and provider satisfies the configuration's constraint.
			c, _ := dep["version"].(string)
			lower, ok := strings.CutPrefix(c, ">=")
			if !ok || !semver.IsValid(lower) || semver.Compare(lower, ver) > 0 {
				t.Errorf("dependency %s: version %q is not satisfied by %s", pkg, c, ver)
			}
		}
		if len(want) != 0 {
			t.Errorf("configuration does not depend on %v", want)
		}
		got := kinds(p.pkg[1:])
		if got["CompositeResourceDefinition"] != countYAML(t, filepath.Join(root, "package/configuration/xrds")) ||
			got["Composition"] != countYAML(t, filepath.Join(root, "package/configuration/compositions")) || len(got) != 2 {
			t.Errorf("configuration objects %v", got)
		}
		ex := kinds(p.examples)
		for _, k := range []string{"PostgreSQL", "MatrixServer", "Collabora"} {
			if ex[k] == 0 {
				t.Errorf("examples lack a %s claim: %v", k, ex)
			}
		}
		if ex["Function"] != 0 {
			t.Errorf("examples include render-only objects: %v", ex)
		}
	})

	// The namespaced flavour's Configuration: its own XRDs and
	// Compositions, namespaced composites as examples, the same dependencies.
	t.Run("configuration-namespaced", func(t *testing.T) {
		ref, err := name.ParseReference(repo + "/configuration-namespaced:" + ver)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(ref)
		if err != nil {
			t.Fatal(err)
		}
		p := inspect(t, img)
		meta := p.pkg[0]
		if meta.GetKind() != "Configuration" || meta.GetName() != "homeplane-namespaced" {
			t.Fatalf("meta is %s %s, want Configuration homeplane-namespaced", meta.GetKind(), meta.GetName())
		}
		deps, _, _ := unstructured.NestedSlice(meta.Object, "spec", "dependsOn")
		if len(deps) != 2 {
			t.Errorf("dependencies %v, want the function and the provider", deps)
		}
		got := kinds(p.pkg[1:])
		if got["CompositeResourceDefinition"] != countYAML(t, filepath.Join(root, "package/configuration-namespaced/xrds")) ||
			got["Composition"] != countYAML(t, filepath.Join(root, "package/configuration-namespaced/compositions")) || len(got) != 2 {
			t.Errorf("configuration-namespaced objects %v", got)
		}
		for _, o := range p.pkg[1:] {
			if o.GetKind() == "CompositeResourceDefinition" && o.GetAPIVersion() != "apiextensions.crossplane.io/v2" {
				t.Errorf("XRD %s is %s, want apiextensions.crossplane.io/v2", o.GetName(), o.GetAPIVersion())
			}
		}
		ex := kinds(p.examples)
		for _, k := range []string{"PostgreSQL", "MatrixServer", "Collabora"} {
			if ex[k] == 0 {
				t.Errorf("examples lack a namespaced %s: %v", k, ex)
			}
		}
	})
}

func checkRuntime(t *testing.T, root, ver, rt, kind, entrypoint string, caCerts bool, plat *v1.Platform, p pkgImage) {
	t.Helper()
	arch := plat.Architecture
	c := p.config
	if c.OS != "linux" || c.Architecture != arch {
		t.Errorf("%s: config is %s/%s", arch, c.OS, c.Architecture)
	}
	if !slices.Equal(c.Config.Entrypoint, []string{entrypoint}) || c.Config.User != nonRootUser {
		t.Errorf("%s: entrypoint %v user %q, want [%s] %s", arch, c.Config.Entrypoint, c.Config.User, entrypoint, nonRootUser)
	}
	if c.Config.Labels["org.opencontainers.image.version"] != ver {
		t.Errorf("%s: image version label %q, want %s", arch, c.Config.Labels["org.opencontainers.image.version"], ver)
	}

	// Runtime layers (base files, binary) come first, then the package.
	wantLayers := 3
	if len(p.examples) > 0 {
		wantLayers = 4
	}
	if len(p.layers) != wantLayers {
		t.Fatalf("%s: %d layers, want %d", arch, len(p.layers), wantLayers)
	}
	base, bin := layerFiles(t, p.layers[0]), layerFiles(t, p.layers[1])
	for _, f := range []string{"etc/passwd", "etc/group", "tmp/"} {
		if _, ok := base[f]; !ok {
			t.Errorf("%s: base layer lacks %s: %v", arch, f, keys(base))
		}
	}
	if !strings.Contains(string(base["etc/passwd"]), "nonroot:x:65532:65532:") {
		t.Errorf("%s: /etc/passwd lacks the nonroot user", arch)
	}
	certs, hasCerts := base["etc/ssl/certs/ca-certificates.crt"]
	if hasCerts != caCerts {
		t.Errorf("%s: CA certificates present %v, want %v", arch, hasCerts, caCerts)
	}
	if caCerts && bytes.Count(certs, []byte("BEGIN CERTIFICATE")) < 50 {
		t.Errorf("%s: CA bundle holds %d certificates", arch, bytes.Count(certs, []byte("BEGIN CERTIFICATE")))
	}
	exe := bin[strings.TrimPrefix(entrypoint, "/")]
	if len(bin) != 1 || exe == nil {
		t.Fatalf("%s: binary layer holds %v", arch, keys(bin))
	}
	ef, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		t.Fatalf("%s: %s is not ELF: %v", arch, entrypoint, err)
	}
	if ef.Machine != arches[arch] {
		t.Errorf("%s: binary is for %s", arch, ef.Machine)
	}
	if slices.ContainsFunc(ef.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }) {
		t.Errorf("%s: binary is dynamically linked", arch)
	}
	if arch == runtime.GOARCH && runtime.GOOS == "linux" {
		path := filepath.Join(t.TempDir(), rt)
		if err := os.WriteFile(path, exe, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(path, "--version").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != ver {
			t.Errorf("%s --version: %q %v, want %s", rt, out, err, ver)
		}
	}

	meta := p.pkg[0]
	if meta.GetAPIVersion() != "meta.pkg.crossplane.io/v1" || meta.GetKind() != kind {
		t.Fatalf("%s: meta is %s %s", arch, meta.GetAPIVersion(), meta.GetKind())
	}
	if v, _, _ := unstructured.NestedString(meta.Object, "spec", "crossplane", "version"); v != crossplaneRange {
		t.Errorf("%s: crossplane version %q, want %q", arch, v, crossplaneRange)
	}
	if meta.GetAnnotations()["meta.crossplane.io/source"] == "" {
		t.Errorf("%s: meta lacks meta.crossplane.io/source", arch)
	}
	objs := kinds(p.pkg[1:])
	if kind == "Provider" {
		if n := countYAML(t, filepath.Join(root, "package/provider/crds")); objs["CustomResourceDefinition"] != n || len(objs) != 1 {
			t.Errorf("%s: provider package objects %v, want %d CRDs", arch, objs, n)
		}
		if len(p.examples) == 0 {
			t.Errorf("%s: provider package has no examples", arch)
		}
	} else if objs["CustomResourceDefinition"] != 1 || len(objs) != 1 {
		// The CRD of its input (fn.homeplane.dev Input), for tools that
		// validate Compositions against it.
		t.Errorf("%s: function package objects %v, want the input CRD only", arch, objs)
	}
}
