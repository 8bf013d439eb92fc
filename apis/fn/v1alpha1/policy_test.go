package v1alpha1

import (
	"testing"
)

func TestAllowsImage(t *testing.T) {
	p := &Policy{}
	p.Default()
	cases := map[string]struct {
		image   string
		want    bool
		wantErr bool
	}{
		"DockerHubShortName": {image: "collabora/code:25.04.9.4.1", want: true},
		"DockerHubFullName":  {image: "docker.io/collabora/code@sha256:" + sixtyFour, want: true},
		"IndexDockerIO":      {image: "index.docker.io/collabora/code:1", want: true},
		"OtherRegistry":      {image: "evil.example.net/collabora/code:1"},
		"SameNameElsewhere":  {image: "ghcr.io/collabora/code:1"},
		"PathPrefixOnly":     {image: "ghcr.io/matrix-construct/tuwunel-evil:1"},
		"Tuwunel":            {image: "ghcr.io/matrix-construct/tuwunel:v1.9.3", want: true},
		"NotAReference":      {image: "UPPER/case:tag", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := p.Images.AllowsImage(tc.image)
			if (err != nil) != tc.wantErr {
				t.Fatalf("AllowsImage(%q): error %v, want error %t", tc.image, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("AllowsImage(%q): got %t, want %t", tc.image, got, tc.want)
			}
		})
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestAllowsHost(t *testing.T) {
	p := HostPolicy{Allowed: []HostRule{
		{Suffix: "{namespace}.apps.example.org"},
		{Suffix: "chat.example.org", Namespaces: []string{"team-a"}},
	}}
	cases := map[string]struct {
		ns, host string
		want     bool
	}{
		"OwnSubdomain":        {ns: "team-b", host: "office.team-b.apps.example.org", want: true},
		"OwnSuffixItself":     {ns: "team-b", host: "team-b.apps.example.org", want: true},
		"OtherTenants":        {ns: "team-b", host: "office.team-a.apps.example.org"},
		"LabelBoundary":       {ns: "b", host: "office.team-b.apps.example.org"},
		"NamedNamespace":      {ns: "team-a", host: "matrix.chat.example.org", want: true},
		"NotNamedNamespace":   {ns: "team-b", host: "matrix.chat.example.org"},
		"SuffixWithoutDot":    {ns: "team-a", host: "evilchat.example.org"},
		"TrailingDotAndCase":  {ns: "team-a", host: "Matrix.Chat.Example.org.", want: true},
		"ElsewhereEntirely":   {ns: "team-a", host: "example.com"},
		"ParentOfTheSuffix":   {ns: "team-a", host: "example.org"},
		"NoRulesAllowsAnyway": {ns: "x", host: "example.com", want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pol := p
			if name == "NoRulesAllowsAnyway" {
				pol = HostPolicy{}
			}
			if got := pol.AllowsHost(tc.ns, tc.host); got != tc.want {
				t.Errorf("AllowsHost(%q, %q): got %t, want %t", tc.ns, tc.host, got, tc.want)
			}
		})
	}
}

func TestAllowsParameter(t *testing.T) {
	p := PostgreSQLPolicy{AllowedParameters: []string{"Shared_Preload_Libraries"}}
	for n, want := range map[string]bool{
		"work_mem":                  true,
		"archive_command":           false,
		"ARCHIVE_COMMAND":           false,
		"shared_preload_libraries":  true,
		"session_preload_libraries": false,
	} {
		if got := p.AllowsParameter(n); got != want {
			t.Errorf("AllowsParameter(%q): got %t, want %t", n, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	in := &Input{Policy: Policy{
		Images: ImagePolicy{AllowedRepositories: []string{"ok.example.org/a", "Not A Repo"}},
		Hosts: HostPolicy{Allowed: []HostRule{
			{Suffix: "{namespace}.{namespace}.example.org"}, {Suffix: "fine.example.org"}, {Suffix: "{namespace}"},
			{Suffix: "{namespace}.coop"}, {Suffix: "org"}, {Suffix: "apps.{namespace}.example.org"}, {Suffix: "{namespace}.apps.example.org"},
		}},
	}}
	errs := in.Validate()
	want := []string{"policy.images.allowedRepositories[1]", "policy.hosts.allowed[0].suffix", "policy.hosts.allowed[2].suffix",
		"policy.hosts.allowed[3].suffix", "policy.hosts.allowed[4].suffix", "policy.hosts.allowed[5].suffix"}
	if len(errs) != len(want) {
		t.Fatalf("Validate(): got %v, want errors at %v", errs, want)
	}
	for i, e := range errs {
		if e.Field != want[i] {
			t.Errorf("Validate(): error %d at %s, want %s", i, e.Field, want[i])
		}
	}
	ok := &Input{}
	ok.Default()
	if errs := ok.Validate(); len(errs) != 0 {
		t.Errorf("Validate(defaults): %v", errs)
	}
}
