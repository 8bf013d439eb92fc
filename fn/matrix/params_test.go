package matrix

import (
	"time"

	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func TestResolve(t *testing.T) {
	q := resource.MustParse
	cases := map[string]struct {
		reason string
		claim  string
		in     v1alpha1.MatrixServerParameters
		want   *params
		err    string
	}{
		"Defaults": {
			reason: "Only serverName: every other parameter gets the XRD's default.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			want: &params{
				ServerName:     "example.org",
				Host:           "example.org",
				Implementation: v1alpha1.ImplementationConduit,
				Storage:        q("10Gi"),
				Database:       v1alpha1.DatabaseRocksDB,
				Registration:   v1alpha1.RegistrationToken,
				Federation:     true,
				TrustedServers: []string{"matrix.org"},
				MaxUploadSize:  q("20Mi"),
				Resources:      v1alpha1.DefaultResources(),
				Wiring:         common.Wiring{Route: common.Route{Ingress: &common.IngressRoute{ClassName: "nginx", Controller: "nginx"}}},
				StartupTimeout: 30 * time.Minute,
			},
		},
		"Everything": {
			reason: "Set parameters are kept; an empty trustedServers list stays empty.",
			in: v1alpha1.MatrixServerParameters{
				ServerName:                 "example.org",
				Host:                       "matrix.example.org",
				Implementation:             v1alpha1.ImplementationTuwunel,
				Image:                      "mirror.example.org/tuwunel:v1",
				Storage:                    ptr.To(q("50Gi")),
				StorageClass:               "fast",
				Registration:               v1alpha1.RegistrationToken,
				RegistrationTokenSecretRef: &common.SecretKeySelector{Name: "s", Key: "k"},
				Federation:                 v1alpha1.Federation{Enabled: ptr.To(false), TrustedServers: []string{}},
				TURN:                       &v1alpha1.TURN{URIs: []string{"turn:t.example.org"}, SharedSecretRef: common.SecretKeySelector{Name: "coturn", Key: "secret"}},
				MaxUploadSize:              ptr.To(q("1Gi")),
				LogLevel:                   "debug",
				Resources:                  &common.Resources{Limits: &common.ResourceList{Memory: ptr.To(q("4Gi"))}},
				Wiring:                     common.Wiring{Route: common.Route{Gateway: &common.GatewayRoute{Name: "gw"}}},
				Snapshots:                  []v1alpha1.Snapshot{{Name: "nightly", VolumeSnapshotClassName: "csi-hostpath"}},
				Restore:                    &v1alpha1.Restore{FromClaim: "old-chat", Snapshot: "last"},
				StartupTimeout:             "2h",
			},
			want: &params{
				ServerName:     "example.org",
				Host:           "matrix.example.org",
				Implementation: v1alpha1.ImplementationTuwunel,
				Image:          "mirror.example.org/tuwunel:v1",
				Storage:        q("50Gi"),
				StorageClass:   "fast",
				Database:       v1alpha1.DatabaseRocksDB,
				Registration:   v1alpha1.RegistrationToken,
				TokenRef:       &common.SecretKeySelector{Name: "s", Key: "k"},
				Federation:     false,
				TrustedServers: []string{},
				TURN:           &v1alpha1.TURN{URIs: []string{"turn:t.example.org"}, SharedSecretRef: common.SecretKeySelector{Name: "coturn", Key: "secret"}},
				MaxUploadSize:  q("1Gi"),
				LogLevel:       "debug",
				Resources:      common.Resources{Limits: &common.ResourceList{Memory: ptr.To(q("4Gi"))}},
				Wiring:         common.Wiring{Route: common.Route{Gateway: &common.GatewayRoute{Name: "gw"}}},
				Snapshots:      []v1alpha1.Snapshot{{Name: "nightly", VolumeSnapshotClassName: "csi-hostpath"}},
				Restore:        &v1alpha1.Restore{FromClaim: "old-chat", Snapshot: "last"},
				StartupTimeout: 2 * time.Hour,
			},
		},
		"RestoreFromItself": {
			reason: "A claim cannot restore its new volume from its own snapshot.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Restore: &v1alpha1.Restore{FromClaim: claim, Snapshot: "last"}},
			err:    `spec.parameters.restore.fromClaim: names this claim: a restore seeds a new claim's volume from another claim's snapshot`,
		},
		"RestoreFromElsewhere": {
			reason: "fromClaim is a claim name, never a path to another namespace.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Restore: &v1alpha1.Restore{FromClaim: "other-team/chat", Snapshot: "last"}},
			err:    `spec.parameters.restore.fromClaim: Invalid value: "other-team/chat": must be the name of a MatrixServer claim of this namespace (a DNS-1035 label)`,
		},
		"SnapshotBadName": {
			reason: "Snapshot names end the VolumeSnapshot's name: DNS-1123 labels.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Snapshots: []v1alpha1.Snapshot{{Name: "Nightly_1"}}},
			err:    `spec.parameters.snapshots[0].name: Invalid value: "Nightly_1": must be a lower case DNS-1123 label, e.g. nightly-2026-11-30`,
		},
		"SnapshotTwice": {
			reason: "Snapshot names are unique.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Snapshots: []v1alpha1.Snapshot{{Name: "a"}, {Name: "a"}}},
			err:    `spec.parameters.snapshots[1]: Duplicate value: {"name":"a"}`,
		},
		"StartupTooShort": {
			reason: "startupTimeout is at least a minute.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", StartupTimeout: "30s"},
			err:    `spec.parameters.startupTimeout: Invalid value: "30s": startupTimeout must be between 1m and 24h`,
		},
		"StartupNotDuration": {
			reason: "startupTimeout is hours, minutes and seconds.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", StartupTimeout: "1d"},
			err:    `spec.parameters.startupTimeout: Invalid value: "1d": must be a duration of hours, minutes and seconds such as 30m or 1h30m`,
		},
		"NoServerName": {
			reason: "serverName is required.",
			in:     v1alpha1.MatrixServerParameters{},
			err:    `spec.parameters.serverName: Required value: the Matrix domain in user IDs, e.g. example.org`,
		},
		"BadServerName": {
			reason: "A server name must be a lower case DNS name.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "Example.org:8448"},
			err:    `spec.parameters.serverName: Invalid value: "Example.org:8448": must be a lower case DNS name such as example.org`,
		},
		"IPServerName": {
			reason: "An IP address is not a DNS name.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "10.0.0.1"},
			err:    `spec.parameters.serverName: Invalid value: "10.0.0.1": must be a lower case DNS name such as example.org`,
		},
		"BadHost": {
			reason: "host must be a DNS name too.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Host: "https://matrix.example.org"},
			err:    `spec.parameters.host: Invalid value: "https://matrix.example.org": must be a lower case DNS name such as example.org`,
		},
		"BadClaimName": {
			reason: "The Service is named after the claim, so it must be a DNS label.",
			claim:  "my.chat",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org"},
			err:    `metadata.labels[crossplane.io/claim-name]: claim name "my.chat" must be a DNS label (lower case letters, digits and '-', starting with a letter) of at most 56 characters, because the homeserver's Service is named after it`,
		},
		"SQLiteFork": {
			reason: "Only Conduit supports sqlite.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Implementation: v1alpha1.ImplementationContinuwuity, Database: v1alpha1.DatabaseSQLite},
			err:    `spec.parameters.database: Invalid value: "sqlite": database sqlite is only supported by the conduit implementation`,
		},
		"UnknownImplementation": {
			reason: "An implementation the XRD does not know is rejected.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Implementation: "synapse"},
			err:    `spec.parameters.implementation: Unsupported value: "synapse": supported values: "conduit", "tuwunel", "continuwuity"`,
		},
		"TokenRefWithoutToken": {
			reason: "A token Secret makes no sense with closed registration.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Registration: v1alpha1.RegistrationClosed, RegistrationTokenSecretRef: &common.SecretKeySelector{Name: "s", Key: "k"}},
			err:    `spec.parameters.registrationTokenSecretRef: Forbidden: registrationTokenSecretRef needs registration token`,
		},
		"TURNWithoutURIs": {
			reason: "A TURN server needs URIs.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", TURN: &v1alpha1.TURN{SharedSecretRef: common.SecretKeySelector{Name: "s", Key: "k"}}},
			err:    `spec.parameters.turn.uris: Required value: list the TURN server's URIs, e.g. turn:turn.example.org`,
		},
		"TURNBadURI": {
			reason: "TURN URIs use the turn: or turns: scheme.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", TURN: &v1alpha1.TURN{URIs: []string{"https://t.example.org"}, SharedSecretRef: common.SecretKeySelector{Name: "s", Key: "k"}}},
			err:    `spec.parameters.turn.uris[0]: Invalid value: "https://t.example.org": must be a turn: or turns: URI`,
		},
		"NegativeStorage": {
			reason: "Sizes must be positive.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Storage: ptr.To(q("-1Gi"))},
			err:    `spec.parameters.storage: Invalid value: "-1Gi": must be greater than zero`,
		},
		"HugeUpload": {
			reason: "Conduit reads the request size limit as 32 bits.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", MaxUploadSize: ptr.To(q("4Gi"))},
			err:    `spec.parameters.maxUploadSize: Invalid value: "4Gi": must be at most 4294967295 bytes (4Gi-1)`,
		},
		"BadTrustedServer": {
			reason: "Trusted servers are Matrix server names.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Federation: v1alpha1.Federation{TrustedServers: []string{"matrix.org:8448", "https://x"}}},
			err:    `spec.parameters.federation.trustedServers[1]: Invalid value: "https://x": must be a Matrix server name such as matrix.org`,
		},
		"ImageWithSpace": {
			reason: "An image reference has no spaces.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", Image: "a b"},
			err:    `spec.parameters.image: Invalid value: "a b": must be an image reference without spaces`,
		},
		"BadLogLevel": {
			reason: "Log levels are an enum.",
			in:     v1alpha1.MatrixServerParameters{ServerName: "example.org", LogLevel: "loud"},
			err:    `spec.parameters.logLevel: Unsupported value: "loud": supported values: "error", "warn", "info", "debug", "trace"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := tc.claim
			if c == "" {
				c = claim
			}
			got, err := resolveParams(c, tc.in)
			if diff := cmp.Diff(tc.err, errorString(err)); diff != "" {
				t.Fatalf("%s\nresolve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.err != "" && !compose.IsFieldError(err) {
				t.Errorf("%s\nresolve(...): want a FieldError, got %T", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts()...); diff != "" {
				t.Errorf("%s\nresolve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
