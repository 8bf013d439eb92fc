// Command image builds Homeplane's runtime images without Docker, with
// go-containerregistry as a library: statically linked binaries (built
// beforehand by `make images`) in a layer on an empty base, a non-root user,
// and, for the provider, Debian's CA certificate bundle.
//
//	go run ./hack/image -name provider -version v0.1.0 -out _output/images \
//	  -ca-certs /etc/ssl/certs/ca-certificates.crt \
//	  -binary linux/amd64=_output/bin/linux_amd64/provider \
//	  -binary linux/arm64=_output/bin/linux_arm64/provider
//
// It writes, for each platform, <name>-<os>-<arch>.tar (a single-platform
// image tarball, the input of `crossplane xpkg build
// --embed-runtime-image-tarball`, also loadable with `docker load`), and
// <name>.oci.tar, an OCI image layout archive whose index.json lists every
// platform (`skopeo copy oci-archive:…`, `podman load`).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// platformFlag collects repeated -binary os/arch=path flags.
type platformFlag map[string]string

func (p platformFlag) String() string {
	keys := make([]string, 0, len(p))
	for k, v := range p {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (p platformFlag) Set(s string) error {
	plat, path, ok := strings.Cut(s, "=")
	if !ok || path == "" {
		return fmt.Errorf("want os/arch=path, got %q", s)
	}
	if _, err := parsePlatform(plat); err != nil {
		return err
	}
	if _, dup := p[plat]; dup {
		return fmt.Errorf("platform %s given twice", plat)
	}
	p[plat] = path
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	binaries := platformFlag{}
	var (
		name    = fs.String("name", "", "Runtime to build: "+strings.Join(specNames(), " or ")+".")
		version = fs.String("version", "", "Version of the binaries (image label and tag).")
		out     = fs.String("out", "_output/images", "Directory to write the image tarballs to.")
		caCerts = fs.String("ca-certs", "", "CA certificate bundle (PEM) to install at "+caCertsPath+"; required for runtimes that need it.")
	)
	fs.Var(binaries, "binary", "os/arch=path of a static binary for that platform (repeatable).")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, ok := specs[*name]
	if !ok {
		return fmt.Errorf("-name must be one of %v", specNames())
	}
	if *version == "" {
		return fmt.Errorf("-version is required")
	}
	if len(binaries) == 0 {
		return fmt.Errorf("at least one -binary os/arch=path is required")
	}
	if s.CACerts && *caCerts == "" {
		return fmt.Errorf("%s needs -ca-certs", s.Name)
	}
	if !s.CACerts && *caCerts != "" {
		return fmt.Errorf("%s does not take -ca-certs", s.Name)
	}

	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	opts := Options{Version: *version, Created: epoch, Binaries: map[string]string(binaries)}
	if *caCerts != "" {
		if opts.CACerts, err = os.ReadFile(*caCerts); err != nil {
			return err
		}
	}
	start := time.Now()
	res, err := Build(s, opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	written, err := res.Write(*out)
	if err != nil {
		return err
	}
	for _, w := range written {
		fmt.Printf("%s\t%s\t%s\n", w.Path, w.Digest, humanBytes(w.Size))
	}
	fmt.Printf("%s images built in %s\n", s.Name, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// sourceDateEpoch is the creation time of the images: SOURCE_DATE_EPOCH when
// set (reproducible builds), else the Unix epoch, so the same binaries always
// give the same digests.
func sourceDateEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
	}
	return time.Unix(n, 0).UTC(), nil
}

func humanBytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
