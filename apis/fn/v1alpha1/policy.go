package v1alpha1

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultRepositories are the official repositories of the implementations
// Homeplane runs: Collabora Online (CODE), Conduit, tuwunel and continuwuity.
var DefaultRepositories = []string{
	"docker.io/collabora/code",
	"registry.gitlab.com/famedly/conduit/matrix-conduit",
	"ghcr.io/matrix-construct/tuwunel",
	"forgejo.ellis.link/continuwuation/continuwuity",
}

// DeniedParameters are the PostgreSQL settings a claim may not make unless
// Policy.PostgreSQL allows them: they run shell commands as the database's
// operating system user, load shared libraries, or name server files (the
// PostgreSQL 17 documentation, chapter 19 "Server Configuration": 19.2 File
// Locations, 19.5 WAL archiving and recovery, 19.9 SSL, 19.11 Shared Library
// Preloading, 19.15 Client Connection Defaults, 19.18 JIT). Names are
// compared without case, as PostgreSQL does.
var DeniedParameters = []string{
	// Commands run by the server (19.5, 19.9).
	"archive_command", "archive_cleanup_command", "recovery_end_command", "restore_command", "ssl_passphrase_command",
	// Code loaded by the server (19.5, 19.11, 19.15, 19.18).
	"archive_library", "dynamic_library_path", "jit_provider",
	"local_preload_libraries", "session_preload_libraries", "shared_preload_libraries",
	// Files and connections of the server (19.2, 19.9, 19.5 replication).
	"config_file", "data_directory", "external_pid_file", "hba_file", "ident_file",
	"krb_server_keyfile", "log_directory", "unix_socket_directories",
	"ssl_ca_file", "ssl_cert_file", "ssl_crl_dir", "ssl_crl_file", "ssl_dh_params_file", "ssl_key_file",
	"primary_conninfo", "primary_slot_name",
}

// namespacePlaceholder stands for the claim's namespace in a host suffix.
const namespacePlaceholder = "{namespace}"

// Default applies the defaults to the input's policy.
func (in *Input) Default() { in.Policy.Default() }

// Default applies the defaults: the official image repositories.
func (p *Policy) Default() {
	if len(p.Images.AllowedRepositories) == 0 {
		p.Images.AllowedRepositories = slices.Clone(DefaultRepositories)
	}
}

// Validate checks the input, with field paths under policy.
func (in *Input) Validate() field.ErrorList {
	return in.Policy.Validate(field.NewPath("policy"))
}

// Validate checks what the schema cannot: that repositories parse as image
// repositories and suffixes as DNS names.
func (p *Policy) Validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, r := range p.Images.AllowedRepositories {
		if _, err := name.NewRepository(r); err != nil {
			errs = append(errs, field.Invalid(path.Child("images", "allowedRepositories").Index(i), r, err.Error()))
		}
	}
	for i, h := range p.Hosts.Allowed {
		rest, _ := strings.CutPrefix(h.Suffix, namespacePlaceholder+".")
		// Two labels at least, with or without the placeholder: a namespace
		// called "coop" must not own all of .coop, nor anyone a whole
		// top-level domain.
		if len(validation.IsDNS1123Subdomain(rest)) == 0 && strings.Contains(rest, ".") {
			continue
		}
		errs = append(errs, field.Invalid(path.Child("hosts", "allowed").Index(i).Child("suffix"), h.Suffix,
			"must be a DNS name of at least two labels, optionally preceded by {namespace}. (e.g. {namespace}.apps.example.org)"))
	}
	return errs
}

// AllowsImage reports whether image is from an allowed repository. An image
// that is not a valid reference is an error.
func (p ImagePolicy) AllowsImage(image string) (bool, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return false, fmt.Errorf("not an image reference: %w", err)
	}
	for _, r := range p.AllowedRepositories {
		repo, err := name.NewRepository(r)
		if err == nil && repo.Name() == ref.Context().Name() {
			return true, nil
		}
	}
	return false, nil
}

// AllowsHost reports whether a claim of namespace may use host (a route
// host or a DNS zone). Every host is allowed when no rule is set.
func (p HostPolicy) AllowsHost(namespace, host string) bool {
	if len(p.Allowed) == 0 {
		return true
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, r := range p.Allowed {
		if len(r.Namespaces) > 0 && !slices.Contains(r.Namespaces, namespace) {
			continue
		}
		suffix := strings.Replace(r.Suffix, namespacePlaceholder, namespace, 1)
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}

// Suffixes returns the host suffixes namespace may use, for error messages.
func (p HostPolicy) Suffixes(namespace string) []string {
	var out []string
	for _, r := range p.Allowed {
		if len(r.Namespaces) == 0 || slices.Contains(r.Namespaces, namespace) {
			out = append(out, strings.Replace(r.Suffix, namespacePlaceholder, namespace, 1))
		}
	}
	return out
}

// AllowsAnnotation reports whether a claim may set the Ingress annotation
// key.
func (p RoutePolicy) AllowsAnnotation(key string) bool {
	return slices.Contains(p.AllowedAnnotations, key)
}

// AllowsParameter reports whether a claim may make the PostgreSQL setting
// name: any setting but DeniedParameters, and those the policy allows.
func (p PostgreSQLPolicy) AllowsParameter(name string) bool {
	n := strings.ToLower(name)
	if !slices.Contains(DeniedParameters, n) {
		return true
	}
	return slices.ContainsFunc(p.AllowedParameters, func(a string) bool { return strings.EqualFold(a, n) })
}
