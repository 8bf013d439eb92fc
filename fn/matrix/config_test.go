package matrix

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func TestEnv(t *testing.T) {
	base := func(mod func(p *params)) *params {
		p := &params{
			ServerName:     "example.org",
			Host:           "matrix.example.org",
			Implementation: v1alpha1.ImplementationConduit,
			Database:       v1alpha1.DatabaseRocksDB,
			Registration:   v1alpha1.RegistrationToken,
			Federation:     true,
			TrustedServers: []string{"matrix.org"},
			MaxUploadSize:  resource.MustParse("20Mi"),
		}
		if mod != nil {
			mod(p)
		}
		return p
	}
	cases := map[string]struct {
		reason string
		p      *params
		want   map[string]string
	}{
		"Conduit": {
			reason: "Conduit runs from the environment alone with CONDUIT_CONFIG empty, listens on all interfaces, federates explicitly, and nests well_known with one _.",
			p:      base(nil),
			want: map[string]string{
				"CONDUIT_CONFIG":             "",
				"CONDUIT_SERVER_NAME":        "example.org",
				"CONDUIT_ADDRESS":            "0.0.0.0",
				"CONDUIT_PORT":               "6167",
				"CONDUIT_DATABASE_PATH":      "/var/lib/matrix-conduit",
				"CONDUIT_DATABASE_BACKEND":   "rocksdb",
				"CONDUIT_MAX_REQUEST_SIZE":   "20971520",
				"CONDUIT_ALLOW_REGISTRATION": "true",
				"CONDUIT_ALLOW_FEDERATION":   "true",
				"CONDUIT_TRUSTED_SERVERS":    `["matrix.org"]`,
				"CONDUIT_WELL_KNOWN_CLIENT":  "https://matrix.example.org",
				"CONDUIT_WELL_KNOWN_SERVER":  "matrix.example.org:443",
			},
		},
		"ConduitSQLiteClosedNoFederation": {
			reason: "Closed registration and federation off are explicit; trusted servers are left out without federation.",
			p: base(func(p *params) {
				p.Database = v1alpha1.DatabaseSQLite
				p.Registration = v1alpha1.RegistrationClosed
				p.Federation = false
				p.LogLevel = "debug"
			}),
			want: map[string]string{
				"CONDUIT_CONFIG":             "",
				"CONDUIT_SERVER_NAME":        "example.org",
				"CONDUIT_ADDRESS":            "0.0.0.0",
				"CONDUIT_PORT":               "6167",
				"CONDUIT_DATABASE_PATH":      "/var/lib/matrix-conduit",
				"CONDUIT_DATABASE_BACKEND":   "sqlite",
				"CONDUIT_MAX_REQUEST_SIZE":   "20971520",
				"CONDUIT_ALLOW_REGISTRATION": "false",
				"CONDUIT_ALLOW_FEDERATION":   "false",
				"CONDUIT_LOG":                "debug",
				"CONDUIT_WELL_KNOWN_CLIENT":  "https://matrix.example.org",
				"CONDUIT_WELL_KNOWN_SERVER":  "matrix.example.org:443",
			},
		},
		"Tuwunel": {
			reason: "tuwunel nests with __, has no backend choice, and needs the open registration acknowledgement.",
			p: base(func(p *params) {
				p.Implementation = v1alpha1.ImplementationTuwunel
				p.Registration = v1alpha1.RegistrationOpen
				p.TrustedServers = []string{"matrix.org", "mozilla.org"}
				p.TURN = &v1alpha1.TURN{URIs: []string{"turn:t.example.org?transport=udp"}, SharedSecretRef: common.SecretKeySelector{Name: "coturn", Key: "k"}}
			}),
			want: map[string]string{
				"CONDUIT_SERVER_NAME":        "example.org",
				"CONDUIT_ADDRESS":            "0.0.0.0",
				"CONDUIT_PORT":               "6167",
				"CONDUIT_DATABASE_PATH":      "/var/lib/tuwunel",
				"CONDUIT_MAX_REQUEST_SIZE":   "20971520",
				"CONDUIT_ALLOW_REGISTRATION": "true",
				"CONDUIT_YES_I_AM_VERY_VERY_SURE_I_WANT_AN_OPEN_REGISTRATION_SERVER_PRONE_TO_ABUSE": "true",
				"CONDUIT_ALLOW_FEDERATION":   "true",
				"CONDUIT_TRUSTED_SERVERS":    `["matrix.org","mozilla.org"]`,
				"CONDUIT_TURN_URIS":          `["turn:t.example.org?transport=udp"]`,
				"CONDUIT_WELL_KNOWN__CLIENT": "https://matrix.example.org",
				"CONDUIT_WELL_KNOWN__SERVER": "matrix.example.org:443",
			},
		},
		"Continuwuity": {
			reason: "continuwuity nests with __ and allows registration unless told otherwise; an empty trusted list stays an empty list.",
			p: base(func(p *params) {
				p.Implementation = v1alpha1.ImplementationContinuwuity
				p.Registration = v1alpha1.RegistrationClosed
				p.TrustedServers = []string{}
			}),
			want: map[string]string{
				"CONDUIT_SERVER_NAME":        "example.org",
				"CONDUIT_ADDRESS":            "0.0.0.0",
				"CONDUIT_PORT":               "6167",
				"CONDUIT_DATABASE_PATH":      "/var/lib/continuwuity",
				"CONDUIT_MAX_REQUEST_SIZE":   "20971520",
				"CONDUIT_ALLOW_REGISTRATION": "false",
				"CONDUIT_ALLOW_FEDERATION":   "true",
				"CONDUIT_TRUSTED_SERVERS":    `[]`,
				"CONDUIT_WELL_KNOWN__CLIENT": "https://matrix.example.org",
				"CONDUIT_WELL_KNOWN__SERVER": "matrix.example.org:443",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := env(tc.p)
			if err != nil {
				t.Fatalf("%s\nenv(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nenv(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConfigMap(t *testing.T) {
	p, err := resolveParams(claim, v1alpha1.MatrixServerParameters{ServerName: "example.org"})
	if err != nil {
		t.Fatal(err)
	}
	want := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "chat-matrix-env", Namespace: namespace, Labels: map[string]string{
			compose.LabelName: "matrix", compose.LabelInstance: claim, compose.LabelManagedBy: compose.ManagedBy, compose.LabelComponent: "config",
		}},
		Data: map[string]string{
			"CONDUIT_CONFIG":             "",
			"CONDUIT_SERVER_NAME":        "example.org",
			"CONDUIT_ADDRESS":            "0.0.0.0",
			"CONDUIT_PORT":               "6167",
			"CONDUIT_DATABASE_PATH":      "/var/lib/matrix-conduit",
			"CONDUIT_DATABASE_BACKEND":   "rocksdb",
			"CONDUIT_MAX_REQUEST_SIZE":   "20971520",
			"CONDUIT_ALLOW_REGISTRATION": "true",
			"CONDUIT_ALLOW_FEDERATION":   "true",
			"CONDUIT_TRUSTED_SERVERS":    `["matrix.org"]`,
			"CONDUIT_WELL_KNOWN_CLIENT":  "https://example.org",
			"CONDUIT_WELL_KNOWN_SERVER":  "example.org:443",
		},
	}
	got, err := ConfigMap(request(t, nil, nil), p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ConfigMap(...): -want, +got:\n%s", diff)
	}
}

func TestConfigHash(t *testing.T) {
	a := configHash(map[string]string{"A": "1", "B": "2"})
	if b := configHash(map[string]string{"B": "2", "A": "1"}); a != b {
		t.Errorf("configHash depends on map order: %s != %s", a, b)
	}
	if c := configHash(map[string]string{"A": "12", "B": ""}); a == c {
		t.Errorf("configHash(A=1,B=2) == configHash(A=12,B=): values must not run together")
	}
}
