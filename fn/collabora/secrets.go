package collabora

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/fn/compose"
)

// Keys of the composed Secrets.
const (
	KeyUsername = "username"
	KeyPassword = "password"
	// KeyProofKey is the file name coolwsd reads its WOPI proof key from
	// (/etc/coolwsd/proof_key).
	KeyProofKey = "proof_key"
)

const (
	// AdminUsername is the admin console's user.
	AdminUsername = "admin"

	// passwordBytes of randomness: 192 bits. The password is URL-safe base64,
	// because the image's start script pastes it into coolwsd.xml with a
	// regular expression substitution that other characters would break.
	passwordBytes = 24

	// ProofKeyBits is the size of the WOPI proof key, as the image's own
	// coolwsd-generate-proof-key (ssh-keygen -t rsa) makes it.
	ProofKeyBits = 2048

	pemTypeRSA = "RSA PRIVATE KEY"
)

// Error strings.
const (
	errObservedSecret = "cannot read observed Secret %q"
	errGenerateKey    = "cannot generate RSA key"
	errEmptyKey       = "generated proof key is empty"
)

// credentials are the admin console's.
type credentials struct {
	username []byte
	password []byte
}

// adminSecret returns the Secret holding the admin console's credentials,
// which the Deployment reads through secretKeyRef. They are generated once and
// then always read back from the observed Secret.
func adminSecret(req *compose.Request, n names) (*corev1.Secret, credentials, error) {
	user, ok, err := req.ObservedSecretValue(ResourceAdminSecret, KeyUsername)
	if err != nil {
		return nil, credentials{}, err
	}
	if !ok {
		user = []byte(AdminUsername)
	}
	pass, err := req.GeneratedValue(ResourceAdminSecret, KeyPassword, passwordBytes)
	if err != nil {
		return nil, credentials{}, err
	}
	s := secret(req, n.admin, "admin", map[string][]byte{KeyUsername: user, KeyPassword: pass})
	return s, credentials{username: user, password: pass}, nil
}

// proofKeySecret returns the Secret holding the WOPI proof key every replica
// mounts. The image generates a new key on each start when none is there,
// which breaks proof validation as soon as two replicas (or two restarts)
// disagree: so the key is generated here, once, and then always read back from
// the observed Secret.
func (c *Composer) proofKeySecret(req *compose.Request, n names) (*corev1.Secret, error) {
	key, err := c.observedOrNewProofKey(req)
	if err != nil {
		return nil, err
	}
	return secret(req, n.proofKey, "proof-key", map[string][]byte{KeyProofKey: key}), nil
}

func (c *Composer) observedOrNewProofKey(req *compose.Request) ([]byte, error) {
	observed := &corev1.Secret{}
	ok, err := req.ObservedInto(ResourceProofKeySecret, observed)
	if err != nil {
		return nil, fmt.Errorf(errObservedSecret, ResourceProofKeySecret)
	}
	if ok && len(observed.Data[KeyProofKey]) > 0 {
		return observed.Data[KeyProofKey], nil
	}
	key, err := c.newProofKey(req.Rand)
	if err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, errors.New(errEmptyKey)
	}
	return key, nil
}

// GenerateProofKey returns a new RSA private key in the PEM (PKCS #1) form
// coolwsd reads. rand is ignored since Go 1.26: crypto/rsa always uses a
// secure source.
func GenerateProofKey(rand io.Reader) ([]byte, error) {
	k, err := rsa.GenerateKey(rand, ProofKeyBits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errGenerateKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypeRSA, Bytes: x509.MarshalPKCS1PrivateKey(k)}), nil
}

func secret(req *compose.Request, name, component string, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: req.ObjectMeta(name, App, component),
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
}

// AnnotationSecretsChecksum is set on the pod template to a checksum of the
// Secrets the pods read only when they start (the proof key is mounted by
// subPath, the credentials are environment variables). When a Secret is
// recreated, e.g. after someone deleted it, every replica restarts onto the
// same new proof key and credentials instead of some keeping the old ones.
const AnnotationSecretsChecksum = "homeplane.dev/secrets-checksum"

// checksum is a SHA-256 over the Secrets' names, keys and values, in order.
// It reveals nothing of values generated with at least 192 bits of entropy.
func checksum(secrets ...*corev1.Secret) string {
	h := sha256.New()
	for _, s := range secrets {
		for _, k := range slices.Sorted(maps.Keys(s.Data)) {
			// Lengths keep the encoding unambiguous.
			fmt.Fprintf(h, "%d:%s/%d:%s=%d:", len(s.Name), s.Name, len(k), k, len(s.Data[k]))
			h.Write(s.Data[k])
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
