package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// NonRootUser runs every runtime: distroless's "nonroot" uid and gid.
	NonRootUser = "65532:65532"
	// caCertsPath is where Go's crypto/x509 looks first on Linux.
	caCertsPath = "/etc/ssl/certs/ca-certificates.crt"
	// Source is the image's org.opencontainers.image.source label.
	Source = "https://github.com/homeplane/homeplane"
)

// Spec describes one runtime image. The Dockerfiles (fn/Dockerfile,
// provider/Dockerfile) build the same image; a test keeps them in step.
type Spec struct {
	Name        string   // function or provider
	Entrypoint  string   // absolute path of the binary in the image
	Ports       []string // exposed ports, "9443/tcp"
	CACerts     bool     // install a CA bundle at caCertsPath
	Description string
}

var specs = map[string]Spec{
	"function": {
		Name: "function", Entrypoint: "/function", Ports: []string{"9443/tcp"},
		Description: "Homeplane's Crossplane composition function",
	},
	"provider": {
		Name: "provider", Entrypoint: "/provider", Ports: []string{"8080/tcp"}, CACerts: true,
		Description: "Homeplane's Crossplane provider: DNS record sets and OIDC clients",
	},
}

func specNames() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Options of one build.
type Options struct {
	Version  string
	Created  time.Time
	Binaries map[string]string // "linux/amd64" -> path of a static binary
	CACerts  []byte            // PEM bundle, for specs with CACerts
}

// Result is a multi-platform runtime image.
type Result struct {
	Spec    Spec
	Version string
	Images  map[string]v1.Image // by "os/arch"
	Index   v1.ImageIndex
}

// Platforms in a stable order.
func (r *Result) Platforms() []string {
	ps := make([]string, 0, len(r.Images))
	for p := range r.Images {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

func parsePlatform(s string) (v1.Platform, error) {
	os, arch, ok := strings.Cut(s, "/")
	if !ok || os == "" || arch == "" || strings.Contains(arch, "/") {
		return v1.Platform{}, fmt.Errorf("platform %q: want os/arch", s)
	}
	return v1.Platform{OS: os, Architecture: arch}, nil
}

// Build assembles one image per platform and an index over them.
func Build(s Spec, o Options) (*Result, error) {
	if s.CACerts && len(o.CACerts) == 0 {
		return nil, fmt.Errorf("%s needs a CA certificate bundle", s.Name)
	}
	// The base layer is the same for every platform (one blob in a registry).
	base, err := baseLayer(s, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Spec: s, Version: o.Version, Images: map[string]v1.Image{}}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	plats := make([]string, 0, len(o.Binaries))
	for p := range o.Binaries {
		plats = append(plats, p)
	}
	sort.Strings(plats)
	for _, p := range plats {
		plat, err := parsePlatform(p)
		if err != nil {
			return nil, err
		}
		bin, err := binaryLayer(s, o.Binaries[p], o.Created)
		if err != nil {
			return nil, err
		}
		img, err := image(s, o, plat, base, bin)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.Name, p, err)
		}
		res.Images[p] = img
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &plat},
		})
	}
	res.Index = idx
	return res, nil
}

func image(s Spec, o Options, plat v1.Platform, layers ...v1.Layer) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	what := []string{"base files", "binary " + s.Entrypoint}
	for i, l := range layers {
		if img, err = mutate.Append(img, mutate.Addendum{
			Layer:   l,
			History: v1.History{Created: v1.Time{Time: o.Created}, CreatedBy: "hack/image: " + what[i]},
		}); err != nil {
			return nil, err
		}
	}
	ports := map[string]struct{}{}
	for _, p := range s.Ports {
		ports[p] = struct{}{}
	}
	cfg := v1.Config{
		Entrypoint:   []string{s.Entrypoint},
		User:         NonRootUser,
		WorkingDir:   "/",
		Env:          []string{"PATH=/"},
		ExposedPorts: ports,
		Labels: map[string]string{
			"org.opencontainers.image.title":       "homeplane-" + s.Name,
			"org.opencontainers.image.description": s.Description,
			"org.opencontainers.image.version":     o.Version,
			"org.opencontainers.image.source":      Source,
			"org.opencontainers.image.licenses":    "Apache-2.0",
		},
	}
	if s.CACerts {
		cfg.Env = append(cfg.Env, "SSL_CERT_FILE="+caCertsPath)
	}
	if img, err = mutate.Config(img, cfg); err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, v1.Time{Time: o.Created})
}

// tarEntry is one file or directory of a layer.
type tarEntry struct {
	name string
	mode int64
	uid  int
	data []byte
	dir  bool
}

func layerFrom(entries []tarEntry, mod time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: mod,
			Typeflag: tar.TypeReg, Size: int64(len(e.data)), Format: tar.FormatPAX,
		}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
			h.Name = strings.TrimSuffix(e.name, "/") + "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !e.dir {
			if _, err := tw.Write(e.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	// Compress once: given gzip, the layer hashes and writes these bytes
	// as they are instead of compressing again for every use.
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// baseLayer holds what distroless/static would give us: passwd and group
// with the nonroot user, its home, a sticky /tmp, and CA certificates.
func baseLayer(s Spec, o Options) (v1.Layer, error) {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group := "root:x:0:\nnonroot:x:65532:\n"
	entries := []tarEntry{
		{name: "etc", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
	}
	if s.CACerts {
		entries = append(entries,
			tarEntry{name: "etc/ssl", mode: 0o755, dir: true},
			tarEntry{name: "etc/ssl/certs", mode: 0o755, dir: true},
			tarEntry{name: strings.TrimPrefix(caCertsPath, "/"), mode: 0o644, data: o.CACerts},
		)
	}
	entries = append(entries,
		tarEntry{name: "home", mode: 0o755, dir: true},
		tarEntry{name: "home/nonroot", mode: 0o700, uid: 65532, dir: true},
		tarEntry{name: "tmp", mode: 0o1777, dir: true},
	)
	return layerFrom(entries, o.Created)
}

func binaryLayer(s Spec, binPath string, mod time.Time) (v1.Layer, error) {
	data, err := os.ReadFile(binPath)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		return nil, fmt.Errorf("%s is not an ELF binary", binPath)
	}
	return layerFrom([]tarEntry{{name: strings.TrimPrefix(s.Entrypoint, "/"), mode: 0o755, data: data}}, mod)
}

// Written is one output file.
type Written struct {
	Path   string
	Digest v1.Hash // image ID (config digest) of a tarball, digest of the OCI index
	Size   int64   // bytes on disk
}

// RuntimeTag is the tag written into the single-platform tarballs (what
// `docker load` shows); it is never pushed: packages embed the image.
func (r *Result) RuntimeTag(platform string) (name.Tag, error) {
	plat, err := parsePlatform(platform)
	if err != nil {
		return name.Tag{}, err
	}
	return name.NewTag(fmt.Sprintf("homeplane/%s-runtime:%s-%s", r.Spec.Name, r.Version, plat.Architecture))
}

// TarballName is the file name of a platform's image tarball.
func TarballName(spec, platform string) string {
	return spec + "-" + strings.ReplaceAll(platform, "/", "-") + ".tar"
}

// Write writes the per-platform tarballs and the OCI layout archive into dir.
func (r *Result) Write(dir string) ([]Written, error) {
	var out []Written
	for _, p := range r.Platforms() {
		img := r.Images[p]
		tag, err := r.RuntimeTag(p)
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(dir, TarballName(r.Spec.Name, p))
		if err := atomicWrite(dst, func(f *os.File) error { return tarball.Write(tag, img, f) }); err != nil {
			return nil, err
		}
		// The tarball format keeps the config but not the manifest's media
		// types, so report the image ID (config digest), which survives.
		w, err := written(dst, img.ConfigName)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}

	dst := filepath.Join(dir, r.Spec.Name+".oci.tar")
	tmp, err := os.MkdirTemp(dir, ".oci-layout-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if _, err := layout.Write(tmp, r.Index); err != nil {
		return nil, err
	}
	if err := atomicWrite(dst, func(f *os.File) error { return tarDir(tmp, f) }); err != nil {
		return nil, err
	}
	w, err := written(dst, r.Index.Digest)
	if err != nil {
		return nil, err
	}
	return append(out, w), nil
}

func written(p string, digest func() (v1.Hash, error)) (Written, error) {
	d, err := digest()
	if err != nil {
		return Written{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return Written{}, err
	}
	return Written{Path: p, Digest: d, Size: fi.Size()}, nil
}

// atomicWrite writes dst through a temporary file in the same directory.
func atomicWrite(dst string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), dst)
}

// tarDir archives an OCI layout directory with stable names, order and times.
// It reads through an os.Root, so nothing outside root is archived.
func tarDir(root string, w io.Writer) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	tw := tar.NewWriter(w)
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		h := &tar.Header{Name: path.Clean(p), Mode: 0o644, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if d.IsDir() {
			h.Typeflag, h.Mode, h.Name = tar.TypeDir, 0o755, h.Name+"/"
			return tw.WriteHeader(h)
		}
		f, err := r.Open(p)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		h.Typeflag, h.Size = tar.TypeReg, fi.Size()
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
