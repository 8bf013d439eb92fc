package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxLabel is the longest DNS-1123 label, the limit for most object names.
const maxLabel = 63

// DNSLabel joins parts into a DNS-1123 label: lower case, dots and other
// characters turned into one '-', at most 63 characters. A name that would be
// longer is cut and given a hash suffix of the whole, so it stays unique and
// stable.
func DNSLabel(parts ...string) string {
	full := strings.Join(parts, "-")
	var b strings.Builder
	for _, r := range strings.ToLower(full) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) <= maxLabel {
		return s
	}
	sum := sha256.Sum256([]byte(full))
	suffix := hex.EncodeToString(sum[:])[:8]
	return strings.TrimRight(s[:maxLabel-len(suffix)-1], "-") + "-" + suffix
}
