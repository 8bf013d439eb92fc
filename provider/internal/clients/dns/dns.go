// Package dns holds what the DNS backends share: the record set model, the
// parsing and normalisation of zone-file RDATA, and the ownership marker.
package dns

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	mdns "github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// Errors the controller turns into conditions.
var (
	// ErrNotOwned means the set exists without our ownership marker.
	ErrNotOwned = errors.New("record set exists and is not owned by this resource (set adopt: true to take it over)")
	// ErrOwnedByOther means adopt: true found a set whose ownership marker
	// names another owner (another resource, possibly in another namespace,
	// or another control plane). Adoption only takes over unmarked sets.
	ErrOwnedByOther = errors.New("record set is owned by another resource (its ownership marker names another owner); adopt: true only takes over sets without a marker")
	// ErrReservedName means the set's name is an ownership marker's name.
	ErrReservedName = errors.New("names whose first label starts with " + MarkerPrefix + " hold ownership markers and cannot be managed")
	// ErrNameForm means a name is not in the one form the provider accepts:
	// letters, digits, "-" and "_" per label (and a lone "*" as the first
	// label), or characters IDNA converts. Presentation escapes ("\095" is
	// "_" on the wire) are refused, so every check sees the name as sent.
	ErrNameForm = errors.New("name holds characters other than letters, digits, '-' and '_' (a lone '*' as first label for a wildcard; internationalised characters are converted): escapes such as \\095 or \\. are refused, write the character itself")
	// ErrMarkerText means TXT data that reads as an ownership marker
	// ("heritage=homeplane,…"). Only the provider writes markers: a tenant's
	// TXT set with that text under a wildcard would answer marker queries
	// for every name the wildcard covers.
	ErrMarkerText = errors.New(`TXT data beginning with "heritage=homeplane" is reserved for the provider's ownership markers`)
	// ErrNameTooLong means a name, or the marker derived from it, breaks a
	// DNS length limit (RFC 1035 §2.3.4).
	ErrNameTooLong = errors.New("name too long for DNS")
	// ErrBelowZoneCut means the name is at or below a delegation (a zone
	// cut, RFC 1034 §4.2.1) and the set is neither the delegation's NS set
	// nor glue: the server refers queries there to the child zone.
	ErrBelowZoneCut = errors.New("name is below a delegation: the server answers for it with a referral to the child zone, so records there are not served; manage them in the child zone (only the delegation's NS set and glue A/AAAA records for its name servers belong here)")
	// ErrDelegationNotAllowed means the set is an NS set below the zone's
	// apex (a delegation) and the provider config does not allow them: a
	// delegation hands every name at and below it to the name servers it
	// names, names other tenants may hold.
	ErrDelegationNotAllowed = errors.New("an NS set below the zone apex delegates every name at and below it to the name servers it names; delegations are off for this provider config (a platform admin allows them with allowDelegations: true in its rfc2136 or powerdns block)")
	// ErrDelegationOverOthers means a delegation would cover sets or
	// ownership markers of another tenant (another namespace or control
	// plane): the delegation would take their names over.
	ErrDelegationOverOthers = errors.New("a delegation here would hand names another owner holds to other name servers")
	// ErrDelegationUnverifiable means names exist at or below a delegation
	// to be made and the server would not list them (no zone transfer for
	// this key), so whether another tenant holds some cannot be told.
	ErrDelegationUnverifiable = errors.New("names exist at or below the delegation and the server refuses this key a zone transfer (AXFR), so sets other owners hold there cannot be ruled out; allow the key transfers (BIND allow-transfer { key <name>; }; Knot acl action transfer; PowerDNS TSIG-ALLOW-AXFR metadata) or delegate a name with nothing at or below it")
	// ErrApex means the set is one the zone's apex cannot take from us: its
	// NS set (RFC 2136 §3.4.2.4 servers ignore deleting it, so records
	// would be left behind) or a CNAME (RFC 1034 §3.6.2, beside SOA and NS).
	ErrApex = errors.New("the zone apex's NS set and a CNAME at the apex cannot be managed")
	// ErrExists means a create found the set already there.
	ErrExists = errors.New("record set already exists")
	// ErrAuth means the server rejected our credentials: a TSIG key it does
	// not accept (BADKEY) or whose secret differs (BADSIG), or an API key.
	// The wrapping error says which.
	ErrAuth = errors.New("server rejected the credentials")
	// ErrClockSkew means the TSIG time check failed (BADTIME, RFC 8945
	// §5.2.3): the two clocks differ by more than the fudge of 300 s.
	ErrClockSkew = errors.New("TSIG time check failed (BADTIME): the provider's clock and the DNS server's differ by more than 300 s; synchronise them (NTP)")
	// ErrNotAuthoritative means the server does not serve the zone.
	ErrNotAuthoritative = errors.New("server is not authoritative for the zone: check spec.forProvider.zone and that the configured server is the zone's primary")
	// ErrRefused means the server refused the request although it serves
	// the zone: its update policy or zone checks forbid it. PowerDNS also
	// refuses so a wrong key; the wrapping error says so.
	ErrRefused = errors.New("server refused the request: its update policy does not let this key change this name and type, or its zone checks rejected the records")
	// ErrServerFailure means the server answered SERVFAIL to an update
	// (BIND does so for a set above its max-records-per-type).
	ErrServerFailure = errors.New("server failed the update (SERVFAIL)")
)

// MaxRecordsBIND is BIND's default max-records-per-type (9.18.28 and
// later): an UPDATE making a set larger gets a bare SERVFAIL.
const MaxRecordsBIND = 100

// ExplainServerFailure adds to a SERVFAIL for a set of more than
// MaxRecordsBIND records the likely reason, since the server gives none.
func ExplainServerFailure(err error, records int) error {
	if errors.Is(err, ErrServerFailure) && records > MaxRecordsBIND {
		return fmt.Errorf("%w: the set has %d records and BIND (9.18.28 and later) refuses more than %d per name and type (max-records-per-type) this way",
			err, records, MaxRecordsBIND)
	}
	return err
}

// MarkerPrefix starts the name of the TXT record that marks a set as ours,
// in the style of external-dns's TXT registry.
const MarkerPrefix = "_homeplane-"

// A Set is one name+type record set.
type Set struct {
	// FQDN with trailing dot, lower case.
	FQDN string
	// Type is the RR type, e.g. mdns.TypeA.
	Type uint16
	// TTL in seconds.
	TTL uint32
	// RRs in the set.
	RRs []mdns.RR
}

// Owner identifies who may change a set: one managed resource of one
// control plane.
type Owner struct {
	// ID of the control plane (ProviderConfig ownerID).
	ID string
	// Resource is "<namespace>/<name>" of the managed resource (see
	// ResourceOwner). Kubernetes namespaces and names never contain "/" or
	// ",", so the marker text is injective over (ID, namespace, name): the
	// resource is what follows the last ",homeplane/resource=", split at
	// its only "/". Tenants a-b/c and a/b-c get different markers.
	Resource string
}

// ResourceOwner is the owner of the sets of managed resource namespace/name
// under control plane id.
func ResourceOwner(id, namespace, name string) Owner {
	return Owner{ID: id, Resource: namespace + "/" + name}
}

// MarkerText is the TXT string stored in the marker:
// "heritage=homeplane,homeplane/owner=<ID>,homeplane/resource=<namespace>/<name>".
// The form is unchanged since the first release, so markers written by any
// version are recognised by exact comparison.
func (o Owner) MarkerText() string {
	return fmt.Sprintf("heritage=homeplane,homeplane/owner=%s,homeplane/resource=%s", o.ID, o.Resource)
}

// CheckAdopt decides whether o may adopt a set whose marker strings are
// marker: a set without a marker (made by hand or by another tool) or with
// o's own marker may be taken over; a set marked for anyone else gives
// ErrOwnedByOther.
func CheckAdopt(marker []string, o Owner) error {
	if len(marker) == 0 || IsOurs(marker, o) {
		return nil
	}
	return ErrOwnedByOther
}

// SameTenant reports whether marker text names o's namespace under o's
// control plane (any resource there): one tenant's resources, such as a
// delegation and its glue, may cover each other.
func SameTenant(text string, o Owner) bool {
	ns, _, ok := strings.Cut(o.Resource, "/")
	if !ok {
		return text == o.MarkerText()
	}
	prefix := Owner{ID: o.ID, Resource: ns + "/"}.MarkerText()
	rest, ok := strings.CutPrefix(text, prefix)
	return ok && !strings.ContainsAny(rest, "/,")
}

// ForeignMarker reports whether marker strings texts hold an ownership
// marker of another tenant than o. Other text (a wildcard's TXT answering
// for a marker's name) is no one's marker.
func ForeignMarker(texts []string, o Owner) bool {
	return slices.ContainsFunc(texts, func(t string) bool {
		return strings.HasPrefix(t, "heritage=homeplane,") && !SameTenant(t, o)
	})
}

// RecordTypes are the types a RecordSet may manage.
var RecordTypes = []uint16{mdns.TypeA, mdns.TypeAAAA, mdns.TypeCNAME, mdns.TypeTXT, mdns.TypeMX,
	mdns.TypeSRV, mdns.TypeNS, mdns.TypePTR, mdns.TypeCAA}

// ForeignOwned returns what, among a zone's records rrs (a transfer, or
// the API's listing), at or below fqdn belongs to an owner of another
// tenant than o (SameTenant): ownership markers there, and sets there
// whose marker (possibly hashed at the apex) names such an owner. Sets
// without a marker are no one's and not reported.
func ForeignOwned(zone, fqdn string, rrs []mdns.RR, o Owner) []string {
	texts := map[string][]string{}
	sets := map[string]map[uint16]bool{}
	for _, rr := range rrs {
		h := rr.Header()
		name := strings.ToLower(h.Name)
		if txt, ok := rr.(*mdns.TXT); ok && IsMarkerName(name) {
			texts[name] = append(texts[name], TXTText(txt))
		}
		if sets[name] == nil {
			sets[name] = map[uint16]bool{}
		}
		sets[name][h.Rrtype] = true
	}
	foreign := func(ts []string) bool { return ForeignMarker(ts, o) }
	var out []string
	for name, ts := range texts {
		if mdns.IsSubDomain(fqdn, name) && foreign(ts) {
			out = append(out, "marker "+strings.TrimSuffix(name, "."))
		}
	}
	for name, types := range sets {
		if !mdns.IsSubDomain(fqdn, name) || IsMarkerName(name) {
			continue
		}
		for t := range types {
			m, err := MarkerName(zone, name, t)
			if err != nil {
				continue
			}
			for _, n := range append([]string{m}, LegacyMarkerNames(name, t)...) {
				if foreign(texts[n]) {
					out = append(out, strings.TrimSuffix(name, ".")+"/"+mdns.TypeToString[t])
					break
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IsMarkerName reports whether fqdn is (or could be) an ownership marker's
// name: its first label starts with MarkerPrefix.
func IsMarkerName(fqdn string) bool {
	return strings.HasPrefix(strings.ToLower(fqdn), MarkerPrefix)
}

// IsWildcard reports whether fqdn is a wildcard's owner: its first label is
// "*" (RFC 4592 §2.1.1).
func IsWildcard(fqdn string) bool {
	return fqdn == "*" || strings.HasPrefix(fqdn, "*.")
}

// Limits of RFC 1035 §2.3.4 and §3.3.
const (
	// MaxName is the longest name in text form without the final dot
	// (255 octets on the wire).
	MaxName = 253
	// MaxLabel is the longest label in octets.
	MaxLabel = 63
	// MaxString is the longest character-string (one TXT string) in octets.
	MaxString = 255
)

// CheckName returns an ErrNameTooLong error when fqdn (with or without the
// final dot) has a label above MaxLabel octets or is above MaxName
// characters, and another error when it is not a domain name at all.
func CheckName(fqdn string) error {
	text := strings.TrimSuffix(fqdn, ".")
	for l := range strings.SplitSeq(text, ".") {
		if len(l) > MaxLabel {
			return fmt.Errorf("%w: label %q is %d octets, at most %d (RFC 1035 §2.3.4)", ErrNameTooLong, l, len(l), MaxLabel)
		}
	}
	if len(text) > MaxName {
		return fmt.Errorf("%w: %s is %d characters, at most %d (255 octets on the wire, RFC 1035 §2.3.4)",
			ErrNameTooLong, fqdn, len(text), MaxName)
	}
	if _, ok := mdns.IsDomainName(fqdn); !ok || strings.Contains(text, "..") {
		return fmt.Errorf("invalid name %q", fqdn)
	}
	return nil
}

// ToASCII is name as servers store it: each label holding a character
// outside ASCII becomes its A-label ("bücher" is "xn--bcher-kva") with the
// IDNA Lookup profile (UTS #46 mapping: case folded, NFC); ASCII labels are
// only lower-cased, since the Lookup profile refuses "_tcp" and "*".
func ToASCII(name string) (string, error) {
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if isASCII(l) {
			labels[i] = strings.ToLower(l)
			continue
		}
		a, err := idna.Lookup.ToASCII(l)
		if err != nil {
			return "", fmt.Errorf("invalid internationalised label %q: %w", l, err)
		}
		labels[i] = a
	}
	return strings.Join(labels, "."), nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// MarkerName is where the provider writes the TXT marker of the set
// fqdn/rrtype in zone:
//
//   - "_homeplane-<type>.<fqdn>", the form of every release so far;
//   - for a wildcard "*.<parent>", "_homeplane-<type>-wildcard.<parent>":
//     the PowerDNS API refuses a "*" inside a name, and the earlier form
//     made the wildcard's marker a child of it;
//   - when that is longer than DNS allows (a name near 253 characters),
//     "_homeplane-<type>-<hash>.<zone>", hash being 24 base32hex characters
//     of the SHA-256 of fqdn.
//
// It returns ErrNameTooLong when not even the last form fits (a zone near
// 253 characters).
func MarkerName(zone, fqdn string, rrtype uint16) (string, error) {
	prefix := MarkerPrefix + strings.ToLower(mdns.TypeToString[rrtype])
	name := prefix + "." + fqdn
	if IsWildcard(fqdn) {
		name = prefix + "-wildcard" + strings.TrimPrefix(fqdn, "*")
	}
	if CheckName(name) == nil {
		return name, nil
	}
	sum := sha256.Sum256([]byte(strings.ToLower(fqdn)))
	hash := strings.ToLower(base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
	name = prefix + "-" + hash + "." + mdns.Fqdn(zone)
	if err := CheckName(name); err != nil {
		return "", fmt.Errorf("no room for the ownership marker of %s in zone %s: %w", fqdn, zone, err)
	}
	return name, nil
}

// LegacyMarkerNames are names an earlier release wrote the marker of
// fqdn/rrtype at, other than MarkerName: "_homeplane-<type>.*.<parent>" for
// a wildcard (RFC 2136 servers took it). Markers found there still make the
// set ours.
func LegacyMarkerNames(fqdn string, rrtype uint16) []string {
	if !IsWildcard(fqdn) {
		return nil
	}
	name := MarkerPrefix + strings.ToLower(mdns.TypeToString[rrtype]) + "." + fqdn
	if CheckName(name) != nil {
		return nil
	}
	return []string{name}
}

// MarkerRR is the marker TXT record for a set, at MarkerName. Its text is
// split into character-strings of MaxString octets (RFC 1035 §3.3.14);
// readers join them, and a text that fits one string is stored as
// before.
func MarkerRR(zone, fqdn string, rrtype uint16, ttl uint32, o Owner) (*mdns.TXT, error) {
	name, err := MarkerName(zone, fqdn, rrtype)
	if err != nil {
		return nil, err
	}
	return MarkerRRAt(name, ttl, o), nil
}

// MarkerRRAt is the marker TXT record for owner o at name.
func MarkerRRAt(name string, ttl uint32, o Owner) *mdns.TXT {
	strs := SplitString(o.MarkerText())
	for i, str := range strs {
		strs[i] = escapeTXT(str)
	}
	return &mdns.TXT{
		Hdr: mdns.RR_Header{Name: name, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: ttl},
		Txt: strs,
	}
}

// TXTText is the text of a TXT record: its character-strings joined, with
// miekg/dns's presentation escapes ("\\", "\"", "\DDD") undone, so an owner
// ID holding any byte compares as written.
func TXTText(rr *mdns.TXT) string {
	var b strings.Builder
	for _, str := range rr.Txt {
		for i := 0; i < len(str); i++ {
			switch {
			case str[i] != '\\' || i+1 == len(str):
				b.WriteByte(str[i])
			case i+4 <= len(str) && isOctet(str[i+1:i+4]):
				n, _ := strconv.ParseUint(str[i+1:i+4], 10, 8)
				b.WriteByte(uint8(n))
				i += 3
			default:
				b.WriteByte(str[i+1])
				i++
			}
		}
	}
	return b.String()
}

// isOctet reports whether s is a decimal number of 0 to 255.
func isOctet(s string) bool {
	_, err := strconv.ParseUint(s, 10, 8)
	return err == nil
}

// escapeTXT writes raw octets in the presentation form miekg/dns packs.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// SplitString cuts s into character-strings of at most MaxString octets.
func SplitString(s string) []string {
	var out []string
	for len(s) > MaxString {
		out = append(out, s[:MaxString])
		s = s[MaxString:]
	}
	return append(out, s)
}

// A Client reads and writes record sets in one zone.
type Client interface {
	// Get returns the set, or nil when it does not exist. With one query
	// (rfc2136) a wildcard's answer for a name that does not exist looks
	// like a set (RFC 4592 §3.3.1): see Synthesized.
	Get(ctx context.Context, zone, fqdn string, rrtype uint16) (*Set, error)
	// Synthesized reports whether the set Get found at fqdn is a wildcard's
	// answer rather than records stored at fqdn.
	Synthesized(ctx context.Context, zone, fqdn string, rrtype uint16) (bool, error)
	// Marker returns the TXT strings of the set's ownership marker.
	Marker(ctx context.Context, zone, fqdn string, rrtype uint16) ([]string, error)
	// Owns reports whether the set's marker names o. Unlike Marker it
	// also answers where servers do not serve the marker (below a zone
	// cut, for a delegation or its glue).
	Owns(ctx context.Context, zone, fqdn string, rrtype uint16, o Owner) (bool, error)
	// Create writes a set that must not exist yet, with its marker. With
	// adopt an existing set is taken over unless another owner's marker is
	// on it (ErrOwnedByOther).
	Create(ctx context.Context, zone string, s Set, o Owner, adopt bool) error
	// Replace swaps the whole set atomically if we own it (ErrNotOwned
	// otherwise), or, with adopt, if no other owner does (ErrOwnedByOther).
	Replace(ctx context.Context, zone string, s Set, o Owner, adopt bool) error
	// ForeignBelow returns the sets and ownership markers at or below fqdn
	// that belong to another tenant than o (ForeignOwned), to check a
	// delegation before it is made. complete is false when the server let
	// only the markers derivable from fqdn be read (no zone transfer):
	// sets further below were not seen.
	ForeignBelow(ctx context.Context, zone, fqdn string, o Owner) (foreign []string, complete bool, err error)
	// Delete removes the set and its marker if we own it (or force).
	Delete(ctx context.Context, zone, fqdn string, rrtype uint16, o Owner, force bool) error
}

// FQDN joins a relative name ("@" for the apex) and a zone.
func FQDN(name, zone string) string {
	zone = mdns.Fqdn(strings.ToLower(zone))
	name = strings.ToLower(strings.TrimSpace(name))
	switch {
	case name == "@" || name == "" || name == zone:
		return zone
	case strings.HasSuffix(name, "."):
		return name
	default:
		return name + "." + zone
	}
}

// CheckCanonical reports whether fqdn (ToASCII's output) is in the one form
// names are compared, hashed and sent in: every label letters, digits, "-"
// and "_" only, but for a first label of a lone "*" when wildcard is true.
// There is then one text per wire name: a presentation escape ("\095" is
// "_", "\042" is "*") or any other character would give a second text
// for the same octets, and so a way round IsMarkerName, IsWildcard and the
// marker's hash.
func CheckCanonical(fqdn string, wildcard bool) error {
	text := strings.TrimSuffix(fqdn, ".")
	if text == "" {
		return nil // the root
	}
	for i, l := range strings.Split(text, ".") {
		if l == "*" && i == 0 && wildcard {
			continue
		}
		if l == "" {
			return fmt.Errorf("%w: %q has an empty label", ErrNameForm, fqdn)
		}
		for j := range len(l) {
			switch c := l[j]; {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			case c == '\\':
				return fmt.Errorf("%w: %q holds an escape", ErrNameForm, fqdn)
			default:
				return fmt.Errorf("%w: %q holds %q", ErrNameForm, fqdn, rune(c))
			}
		}
	}
	return nil
}

// ParseSet builds a set from zone-file RDATA strings as a user wrote them;
// relative names inside RDATA are relative to the zone, as in a zone file.
// Zone and name are converted with ToASCII and must then be canonical
// (CheckCanonical: no escapes, only a lone "*" as a wildcard's first
// label) and fit CheckName; so must names inside the records (asciiTargets).
func ParseSet(zone, name, typ string, ttl uint32, records []string) (*Set, error) {
	return parseSet(zone, name, typ, ttl, records, true)
}

// ParseServerSet builds a set from RDATA a server returned for a name the
// provider asked about: names inside it are taken as stored (an earlier
// release may have stored a target as escaped octets), so drift can be
// read and put back.
func ParseServerSet(zone, fqdn, typ string, ttl uint32, records []string) (*Set, error) {
	return parseSet(zone, fqdn, typ, ttl, records, false)
}

func parseSet(zone, name, typ string, ttl uint32, records []string, strict bool) (*Set, error) {
	rrtype, ok := mdns.StringToType[strings.ToUpper(typ)]
	if !ok {
		return nil, fmt.Errorf("unknown record type %q", typ)
	}
	zone, err := ToASCII(mdns.Fqdn(zone))
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	fqdn, err := ToASCII(FQDN(name, zone))
	if err != nil {
		return nil, err
	}
	if strict {
		if err := CheckCanonical(zone, false); err != nil {
			return nil, fmt.Errorf("zone: %w", err)
		}
		if err := CheckCanonical(fqdn, true); err != nil {
			return nil, err
		}
	}
	if err := CheckName(fqdn); err != nil {
		return nil, err
	}
	s := &Set{FQDN: fqdn, Type: rrtype, TTL: ttl}
	for _, r := range records {
		line := fmt.Sprintf("%s %d IN %s %s", fqdn, ttl, mdns.TypeToString[rrtype], r)
		zp := mdns.NewZoneParser(strings.NewReader(line), zone, "")
		rr, ok := zp.Next()
		if err := zp.Err(); err != nil {
			return nil, fmt.Errorf("invalid %s record %q: %w", typ, r, err)
		}
		if !ok || rr == nil {
			return nil, fmt.Errorf("invalid %s record %q", typ, r)
		}
		if _, more := zp.Next(); more {
			return nil, fmt.Errorf("record %q holds more than one record", r)
		}
		if err := asciiTargets(rr, strict); err != nil {
			return nil, fmt.Errorf("invalid %s record %q: %w", typ, r, err)
		}
		if txt, ok := rr.(*mdns.TXT); ok && strict && strings.HasPrefix(strings.ToLower(TXTText(txt)), "heritage=homeplane") {
			return nil, fmt.Errorf("invalid TXT record %q: %w", r, ErrMarkerText)
		}
		s.RRs = append(s.RRs, rr)
	}
	if rrtype == mdns.TypeCNAME && len(s.RRs) > 1 {
		return nil, errors.New("a CNAME set holds exactly one record")
	}
	return s, nil
}

// asciiTargets converts the domain names inside rr's RDATA (a CNAME's
// target, an MX exchange; the types RecordSet allows) with ToASCII, as ParseSet does the owner
// name: written raw, "bücher.example." is sent as UTF-8 octets no resolver
// asks for (RFC 5890 §2.3.2.1: names on the wire are A-labels). When
// strict, an escape in such a name is refused: "b\195\188cher" is
// ASCII text for the same raw UTF-8 octets, which IDNA would never see.
// The root "." (null MX, SRV "no service") stays valid.
func asciiTargets(rr mdns.RR, strict bool) error {
	var names []*string
	switch r := rr.(type) {
	case *mdns.CNAME:
		names = []*string{&r.Target}
	case *mdns.NS:
		names = []*string{&r.Ns}
	case *mdns.PTR:
		names = []*string{&r.Ptr}
	case *mdns.MX:
		names = []*string{&r.Mx}
	case *mdns.SRV:
		names = []*string{&r.Target}
	}
	for _, n := range names {
		if strict && strings.ContainsRune(*n, '\\') {
			return fmt.Errorf("%w: target %q holds an escape", ErrNameForm, *n)
		}
		if isASCII(*n) {
			continue
		}
		a, err := ToASCII(*n)
		if err != nil {
			return err
		}
		*n = a
	}
	return nil
}

// RData is the normalised RDATA of rr: the text form without the header,
// lower-cased except for types that carry free text.
func RData(rr mdns.RR) string {
	s := strings.TrimPrefix(rr.String(), rr.Header().String())
	switch rr.Header().Rrtype {
	case mdns.TypeTXT, mdns.TypeCAA:
		return s
	default:
		return strings.ToLower(s)
	}
}

// Records is the sorted normalised RDATA of the set.
func (s *Set) Records() []string {
	out := make([]string, 0, len(s.RRs))
	for _, rr := range s.RRs {
		out = append(out, RData(rr))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Equal reports whether two sets hold the same TTL and records.
func (s *Set) Equal(o *Set) bool {
	return s.TTL == o.TTL && slices.Equal(s.Records(), o.Records())
}

// IsOurs reports whether marker strings name o as the owner.
func IsOurs(marker []string, o Owner) bool {
	return slices.Contains(marker, o.MarkerText())
}
