package dns

import (
	"errors"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

func TestToASCII(t *testing.T) {
	for in, want := range map[string]string{
		"bücher.example.":       "xn--bcher-kva.example.",
		"BÜCHER.Example.":       "xn--bcher-kva.example.",
		"*.bücher.example.":     "*.xn--bcher-kva.example.",
		"_imaps._tcp.müller.de": "_imaps._tcp.xn--mller-kva.de",
		"xn--bcher-kva.example": "xn--bcher-kva.example",
		"WWW.Example.":          "www.example.",
	} {
		if got, err := ToASCII(in); err != nil || got != want {
			t.Errorf("ToASCII(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ToASCII("a\u200db.example."); err == nil { // a lone joiner is invalid
		t.Error("ToASCII accepted a label with a zero-width joiner")
	}
}

func TestCheckName(t *testing.T) {
	label := strings.Repeat("a", MaxLabel)
	name253 := strings.Join([]string{label, label, label, strings.Repeat("b", 61)}, ".")
	for name, want := range map[string]error{
		name253:                         nil,
		name253 + ".":                   nil,
		"c" + name253:                   ErrNameTooLong,
		label + "a.example.":            ErrNameTooLong,
		"www.example.":                  nil,
		"www..example.":                 errors.New("invalid"),
		"*.apps.example.":               nil,
		"_homeplane-a-wildcard.apps.x.": nil,
	} {
		err := CheckName(name)
		if want == nil && err != nil || want != nil && err == nil ||
			errors.Is(want, ErrNameTooLong) && !errors.Is(err, ErrNameTooLong) {
			t.Errorf("CheckName(%d characters) = %v, want %v", len(name), err, want)
		}
	}
}

func TestMarkerName(t *testing.T) {
	zone := "example.org."
	long := strings.Repeat(strings.Repeat("l", MaxLabel)+".", 3) + strings.Repeat("m", 253-3*64-len("example.org")-1) + "." + zone
	if len(long) != MaxName+1 {
		t.Fatalf("test name is %d characters", len(long))
	}
	for _, tc := range []struct {
		fqdn   string
		rrtype uint16
		want   string
		legacy []string
	}{
		{"www.example.org.", mdns.TypeA, "_homeplane-a.www.example.org.", nil},
		{"example.org.", mdns.TypeMX, "_homeplane-mx.example.org.", nil},
		{"*.apps.example.org.", mdns.TypeCNAME, "_homeplane-cname-wildcard.apps.example.org.",
			[]string{"_homeplane-cname.*.apps.example.org."}},
		{"*.example.org.", mdns.TypeA, "_homeplane-a-wildcard.example.org.", []string{"_homeplane-a.*.example.org."}},
		// Too long for the usual form: a hash under the zone, the same for
		// the same name, another for another.
		{long, mdns.TypeA, "_homeplane-a-", nil},
	} {
		got, err := MarkerName(zone, tc.fqdn, tc.rrtype)
		if err != nil || !strings.HasPrefix(got, tc.want) || CheckName(got) != nil {
			t.Errorf("MarkerName(%s) = %q, %v; want %q", tc.fqdn, got, err, tc.want)
		}
		if legacy := LegacyMarkerNames(tc.fqdn, tc.rrtype); strings.Join(legacy, ",") != strings.Join(tc.legacy, ",") {
			t.Errorf("LegacyMarkerNames(%s) = %q, want %q", tc.fqdn, legacy, tc.legacy)
		}
	}
	a, _ := MarkerName(zone, long, mdns.TypeA)
	b, _ := MarkerName(zone, "n"+long[1:], mdns.TypeA)
	aaaa, _ := MarkerName(zone, long, mdns.TypeAAAA)
	if !strings.HasSuffix(a, "."+zone) || strings.Count(a, ".") != 3 || a == b || a == aaaa {
		t.Errorf("hashed markers %q, %q, %q: want distinct names directly under the zone", a, b, aaaa)
	}
	// A zone so long that not even the hashed form fits.
	longZone := strings.Repeat(strings.Repeat("z", 60)+".", 4)
	if _, err := MarkerName(longZone, "x."+longZone, mdns.TypeA); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("MarkerName in a 244-character zone: got %v, want ErrNameTooLong", err)
	}
}

func TestMarkerRRSplitsLongText(t *testing.T) {
	short := ResourceOwner("homeplane", "apps", "web")
	rr := MarkerRRAt("_homeplane-a.www.example.org.", 300, short)
	if len(rr.Txt) != 1 || rr.Txt[0] != short.MarkerText() {
		t.Fatalf("short marker %q: want the one string of earlier releases", rr.Txt)
	}
	long := ResourceOwner("homeplane", strings.Repeat("n", 63), strings.Repeat("r", 253))
	rr = MarkerRRAt("_homeplane-a.www.example.org.", 300, long)
	if len(rr.Txt) != 2 || len(rr.Txt[0]) != MaxString || strings.Join(rr.Txt, "") != long.MarkerText() {
		t.Fatalf("long marker split into %d strings", len(rr.Txt))
	}
	buf := make([]byte, 2048)
	if _, err := mdns.PackRR(rr, buf, 0, nil, false); err != nil {
		t.Fatalf("long marker does not pack: %v", err)
	}
}

func TestExplainServerFailure(t *testing.T) {
	if err := ExplainServerFailure(ErrServerFailure, 101); !strings.Contains(err.Error(), "max-records-per-type") {
		t.Errorf("101 records: %v", err)
	}
	if err := ExplainServerFailure(ErrServerFailure, 100); err != ErrServerFailure { //nolint:errorlint // unchanged is the point
		t.Errorf("100 records: %v", err)
	}
}

func TestTXTTextRoundTrip(t *testing.T) {
	o := ResourceOwner("ACME \"ops\" \\ Müller\x01", "apps", strings.Repeat("r", 253))
	rr := MarkerRRAt("_homeplane-a.www.example.org.", 300, o)
	buf := make([]byte, 2048)
	n, err := mdns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := mdns.UnpackRR(buf[:n], 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := TXTText(back.(*mdns.TXT)); got != o.MarkerText() {
		t.Fatalf("round trip: %q, want %q", got, o.MarkerText())
	}
}

// TestParseSetCanonicalNames: a name reaches the checks (IsMarkerName,
// IsWildcard, MarkerName's hash) in the one text it has on the wire; an
// escape, which gives the same octets a second text, is refused.
func TestParseSetCanonicalNames(t *testing.T) {
	const zone = "example.org."
	for name, want := range map[string]string{
		"www":                 "www.example.org.",
		"WWW.Shop":            "www.shop.example.org.",
		"*.apps":              "*.apps.example.org.",
		"*":                   "*.example.org.",
		"@":                   "example.org.",
		"_dmarc":              "_dmarc.example.org.",
		"_imaps._tcp.mail":    "_imaps._tcp.mail.example.org.",
		"bücher":              "xn--bcher-kva.example.org.",
		"ｗｗｗ":                 "www.example.org.", // fullwidth letters map to ASCII
		"www.example.org.":    "www.example.org.",
		"xn--bcher-kva.store": "xn--bcher-kva.store.example.org.",
	} {
		s, err := ParseSet(zone, name, "A", 300, []string{"192.0.2.1"})
		if err != nil || s.FQDN != want {
			t.Errorf("ParseSet(%q) = %v, %v; want %q", name, s, err, want)
		}
	}
	for _, name := range []string{
		`\095homeplane-a.www`, // "_homeplane-a.www" on the wire
		`\042.apps`,           // "*.apps"
		`\*.apps`,
		`aaa\098`,       // "aaab": another text, another marker hash
		`b\195\188cher`, // raw UTF-8 octets, never converted to an A-label
		`a\.b`,          // a dot inside a label
		`a\ b`,
		"a b", "a/b", "a+b", "a@b", "a:b", `a"b`, "a(b", "a!b",
		"a.*.b", "**", "*a.b", "a*",
		"a..b",
	} {
		if _, err := ParseSet(zone, name, "A", 300, []string{"192.0.2.1"}); !errors.Is(err, ErrNameForm) {
			t.Errorf("ParseSet(%q): got %v, want ErrNameForm", name, err)
		}
	}
	for _, z := range []string{`ex\097mple.org`, "*.example.org", "ex ample.org"} {
		if _, err := ParseSet(z, "www", "A", 300, []string{"192.0.2.1"}); !errors.Is(err, ErrNameForm) {
			t.Errorf("ParseSet in zone %q: got %v, want ErrNameForm", z, err)
		}
	}
	// Names inside record data: escapes refused, the root kept.
	for typ, rec := range map[string]string{
		"CNAME": `b\195\188cher.example.`,
		"MX":    `10 mail\.x.example.`,
		"SRV":   `0 0 443 \095x.example.`,
		"NS":    `ns\0491.example.`,
		"PTR":   `host\032a.example.`,
	} {
		if _, err := ParseSet(zone, "t", typ, 300, []string{rec}); !errors.Is(err, ErrNameForm) {
			t.Errorf("ParseSet %s %q: got %v, want ErrNameForm", typ, rec, err)
		}
	}
	for typ, rec := range map[string]string{"MX": "0 .", "SRV": "0 0 0 .", "CNAME": "bücher.example."} {
		if _, err := ParseSet(zone, "t", typ, 300, []string{rec}); err != nil {
			t.Errorf("ParseSet %s %q: %v", typ, rec, err)
		}
	}
	// What a server returns is read as stored, escapes and all.
	if _, err := ParseServerSet(zone, "t.example.org.", "CNAME", 300, []string{`b\195\188cher.example.`}); err != nil {
		t.Errorf("ParseServerSet: %v", err)
	}
}

// A tenant's TXT data never reads as a marker: under a wildcard it would
// answer the marker query of every name the wildcard covers (a forged
// "ours" for a delegation, a forged "someone else's" for everyone else).
func TestParseSetRefusesMarkerText(t *testing.T) {
	marker := ResourceOwner("homeplane", "evil", "rs").MarkerText()
	for _, tc := range []struct {
		name string
		data string
	}{
		{"*.shop", `"` + marker + `"`},
		{"www", `"` + marker + `"`},
		{"www", `"HERITAGE=HOMEPLANE,homeplane/owner=x"`},
		// Split into strings: servers and resolvers join them.
		{"*.apps", `"heritage=home" "plane,homeplane/owner=homeplane,homeplane/resource=evil/b"`},
	} {
		if _, err := ParseSet("example.org.", tc.name, "TXT", 300, []string{tc.data}); !errors.Is(err, ErrMarkerText) {
			t.Errorf("ParseSet(%s TXT %s) = %v, want ErrMarkerText", tc.name, tc.data, err)
		}
	}
	for _, ok := range []string{`"heritage=external-dns,external-dns/owner=x"`, `"v=spf1 -all"`, `"see heritage=homeplane"`} {
		if _, err := ParseSet("example.org.", "www", "TXT", 300, []string{ok}); err != nil {
			t.Errorf("ParseSet(TXT %s) = %v, want accepted", ok, err)
		}
	}
}
