package collabora

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestGenerateProofKey(t *testing.T) {
	// The reader is ignored since Go 1.26; pass one anyway, as the composer does.
	b, err := GenerateProofKey(seed())
	if err != nil {
		t.Fatalf("GenerateProofKey(...): %v", err)
	}
	block, rest := pem.Decode(b)
	if block == nil || len(rest) != 0 {
		t.Fatalf("GenerateProofKey(...): want exactly one PEM block, got %q", b)
	}
	if block.Type != "RSA PRIVATE KEY" {
		t.Errorf("GenerateProofKey(...): PEM type %q, want RSA PRIVATE KEY (PKCS #1, as ssh-keygen -m PEM writes it)", block.Type)
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("GenerateProofKey(...): not a PKCS #1 key: %v", err)
	}
	if got := k.N.BitLen(); got != ProofKeyBits {
		t.Errorf("GenerateProofKey(...): %d bits, want %d", got, ProofKeyBits)
	}
}

func TestProofKeySecret(t *testing.T) {
	empty := func(io.Reader) ([]byte, error) { return nil, nil }
	cases := map[string]struct {
		reason   string
		observed []runtime.Object
		keys     KeyGenerator
		want     *corev1.Secret
		wantErr  string
	}{
		"Generated": {
			reason: "Without an observed Secret the key is generated.",
			keys:   fixedKey,
			want:   wantProofKeySecret(testProofKey),
		},
		"Reused": {
			reason:   "An observed key is reused: every replica and every restart keeps the same key.",
			observed: []runtime.Object{as(ResourceProofKeySecret, wantProofKeySecret("observed-key"))},
			keys:     failingKey,
			want:     wantProofKeySecret("observed-key"),
		},
		"ObservedEmpty": {
			reason:   "An observed Secret without a key gets one.",
			observed: []runtime.Object{as(ResourceProofKeySecret, wantProofKeySecret(""))},
			keys:     fixedKey,
			want:     wantProofKeySecret(testProofKey),
		},
		"GeneratorFails": {
			reason:  "A generator error is returned.",
			keys:    failingKey,
			wantErr: "no entropy",
		},
		"GeneratorEmpty": {
			reason:  "An empty key is never stored: the image would replace it with a key of its own.",
			keys:    empty,
			wantErr: "generated proof key is empty",
		},
	}
	n, _ := newNames("office")
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := request(t, minimal, tc.observed...)
			got, err := NewComposer(WithProofKeyGenerator(tc.keys)).proofKeySecret(req, n)
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nproofKeySecret(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts...); diff != "" {
				t.Errorf("%s\nproofKeySecret(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestAdminSecret(t *testing.T) {
	renamed := wantAdminSecret("observed-password")
	renamed.Data[KeyUsername] = []byte("root")
	cases := map[string]struct {
		reason    string
		observed  []runtime.Object
		want      *corev1.Secret
		wantCreds credentials
	}{
		"Generated": {
			reason:    "Without an observed Secret the password is generated from the request's randomness.",
			want:      wantAdminSecret(testPassword),
			wantCreds: credentials{username: []byte("admin"), password: []byte(testPassword)},
		},
		"Reused": {
			reason:    "Observed credentials are reused as they are.",
			observed:  []runtime.Object{as(ResourceAdminSecret, renamed)},
			want:      renamed,
			wantCreds: credentials{username: []byte("root"), password: []byte("observed-password")},
		},
	}
	n, _ := newNames("office")
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, creds, err := adminSecret(request(t, minimal, tc.observed...), n)
			if err != nil {
				t.Fatalf("%s\nadminSecret(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts...); diff != "" {
				t.Errorf("%s\nadminSecret(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantCreds, creds, cmp.AllowUnexported(credentials{})); diff != "" {
				t.Errorf("%s\nadminSecret(...): -want credentials, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestAdminSecretNoRandomness(t *testing.T) {
	req := request(t, minimal)
	req.Rand = eofReader{}
	n, _ := newNames("office")
	if _, _, err := adminSecret(req, n); err == nil {
		t.Errorf("adminSecret(...): want an error when no randomness is left, got none")
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func TestChecksum(t *testing.T) {
	// Computed independently of checksum: name, key and value with their
	// lengths, keys sorted, Secrets in order.
	h := sha256.Sum256([]byte("22:office-collabora-admin/8:password=32:" + testPassword +
		"22:office-collabora-admin/8:username=5:admin" +
		"26:office-collabora-proof-key/9:proof_key=67:" + testProofKey))
	want := "sha256:" + hex.EncodeToString(h[:])
	if got := checksum(wantAdminSecret(testPassword), wantProofKeySecret(testProofKey)); got != want {
		t.Errorf("checksum(...): got %s, want %s", got, want)
	}
	if want != checksumGenerated {
		t.Errorf("checksumGenerated is %s, want %s", checksumGenerated, want)
	}
	if checksum(wantAdminSecret("a"), wantProofKeySecret("k")) == checksum(wantAdminSecret("b"), wantProofKeySecret("k")) {
		t.Errorf("checksum(...): same checksum for different passwords")
	}
	if checksum(wantAdminSecret("a"), wantProofKeySecret("k")) == checksum(wantAdminSecret("a"), wantProofKeySecret("l")) {
		t.Errorf("checksum(...): same checksum for different proof keys")
	}
}
