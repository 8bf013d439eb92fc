// Package rfc2136 manages record sets with DNS UPDATE (RFC 2136) signed with
// TSIG, over TCP to the zone's primary. Ownership checks are prerequisites
// inside the same signed UPDATE, so they are atomic at the server.
package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"

	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
)

const (
	errQuery  = "cannot query %s/%s at %s"
	errUpdate = "cannot send update for %s/%s to %s"
	errRcode  = "server %s answered %s"
	errAlgo   = "unsupported TSIG algorithm %q"

	fudge = 300
)

// Config of a client.
type Config struct {
	// Server is host:port of the primary.
	Server string
	// KeyName, Algorithm ("hmac-sha256"|"hmac-sha512") and Secret (base64)
	// of the TSIG key.
	KeyName, Algorithm, Secret string
	// Timeout per exchange; 10s when zero.
	Timeout time.Duration
	// Now is the clock TSIG signs with; time.Now when nil (tests skew it).
	Now func() time.Time
}

// Client talks to one server. Safe for concurrent use.
type Client struct {
	cfg     Config
	algo    string
	key     string
	c       *mdns.Client
	queries atomic.Int64
	updates atomic.Int64
}

var _ dnsc.Client = &Client{}

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	var algo string
	switch strings.ToLower(cfg.Algorithm) {
	case "", "hmac-sha256":
		algo = mdns.HmacSHA256
	case "hmac-sha512":
		algo = mdns.HmacSHA512
	default:
		return nil, fmt.Errorf(errAlgo, cfg.Algorithm)
	}
	if cfg.Server == "" || cfg.KeyName == "" || cfg.Secret == "" {
		return nil, errors.New("server, TSIG key name and secret are required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key := mdns.Fqdn(strings.ToLower(cfg.KeyName))
	return &Client{
		cfg: cfg, algo: algo, key: key,
		c: &mdns.Client{Net: "tcp", Timeout: cfg.Timeout, TsigSecret: map[string]string{key: cfg.Secret}},
	}, nil
}

// Queries is how many queries this client has sent (for measurements).
func (c *Client) Queries() int64 { return c.queries.Load() }

// Updates is how many UPDATE messages this client has sent.
func (c *Client) Updates() int64 { return c.updates.Load() }

// exchange sends m signed and explains a refusal: the TSIG error in the
// answer first (RFC 8945 §5.3.2), then NOTAUTH or REFUSED (see refusal).
func (c *Client) exchange(ctx context.Context, zone string, m *mdns.Msg) (*mdns.Msg, error) {
	m.SetTsig(c.key, c.algo, fudge, c.cfg.Now().Unix())
	r, _, err := c.c.ExchangeContext(ctx, m, c.cfg.Server)
	if r == nil {
		return nil, err
	}
	if t := r.IsTsig(); t != nil && t.Error != mdns.RcodeSuccess {
		return r, c.tsigError(t.Error)
	}
	switch {
	case r.Rcode == mdns.RcodeNotAuth || r.Rcode == mdns.RcodeRefused:
		// miekg/dns reports every signed NOTAUTH as ErrAuth; without a TSIG
		// error the reason is the zone or the policy.
		return r, c.refusal(ctx, zone, r.Rcode)
	case errors.Is(err, mdns.ErrTime):
		return r, fmt.Errorf("%w: the server's answer is signed outside our clock's window", dnsc.ErrClockSkew)
	case err != nil:
		return r, fmt.Errorf("%w: the answer's TSIG signature does not verify: %w", dnsc.ErrAuth, err)
	}
	return r, nil
}

// tsigError explains the error a server puts in the TSIG RR of its answer.
func (c *Client) tsigError(code uint16) error {
	switch code {
	case mdns.RcodeBadSig:
		return fmt.Errorf("%w: TSIG BADSIG: the server knows key %s with another secret", dnsc.ErrAuth, c.key)
	case mdns.RcodeBadKey:
		return fmt.Errorf("%w: TSIG BADKEY: the server does not accept key %s (%s) here: unknown name or algorithm (Knot also answers BADKEY when its ACL denies this key the update)",
			dnsc.ErrAuth, c.key, c.cfg.Algorithm)
	case mdns.RcodeBadTime:
		return dnsc.ErrClockSkew
	default:
		return fmt.Errorf("%w: TSIG error %d", dnsc.ErrAuth, code)
	}
}

// refusal explains NOTAUTH or REFUSED without a TSIG error. Servers answer
// both for a zone they do not serve and for their policy, so an unsigned
// SOA query for the zone, sent only here, tells which.
func (c *Client) refusal(ctx context.Context, zone string, rcode int) error {
	answered := mdns.RcodeToString[rcode]
	serves, err := c.servesZone(ctx, zone)
	switch {
	case err != nil:
		return fmt.Errorf("%w (answered %s; asking whether it serves %s failed: %w)", dnsc.ErrRefused, answered, zone, err)
	case !serves:
		return fmt.Errorf("%w: answered %s and has no zone %s", dnsc.ErrNotAuthoritative, answered, zone)
	case rcode == mdns.RcodeNotAuth:
		return fmt.Errorf("%w: answered NOTAUTH without a TSIG error although it serves %s; PowerDNS answers so to a query signed with a wrong, unknown or clock-skewed key (its log says which)",
			dnsc.ErrAuth, zone)
	default:
		return fmt.Errorf("%w (answered REFUSED; PowerDNS also answers so to an update signed with a wrong, unknown or clock-skewed key, its log says which)",
			dnsc.ErrRefused)
	}
}

// servesZone reports whether the server answers authoritatively with
// zone's SOA to an unsigned query.
func (c *Client) servesZone(ctx context.Context, zone string) (bool, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(zone), mdns.TypeSOA)
	m.RecursionDesired = false
	plain := &mdns.Client{Net: "tcp", Timeout: c.cfg.Timeout}
	r, _, err := plain.ExchangeContext(ctx, m, c.cfg.Server)
	if err != nil {
		return false, err
	}
	if r.Rcode != mdns.RcodeSuccess || !r.Authoritative {
		return false, nil
	}
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == mdns.TypeSOA && strings.EqualFold(rr.Header().Name, mdns.Fqdn(zone)) {
			return true, nil
		}
	}
	return false, nil
}

// ask sends one signed query and returns the answer (NOERROR or NXDOMAIN)
// and its records of name and rrtype. Below a zone cut the server refers
// (RFC 1034 §4.3.2): then cut is the delegation's name, and the records
// are the delegation's NS set when name is the cut, or glue from the
// additional section when name is one of its name servers.
func (c *Client) ask(ctx context.Context, zone, name string, rrtype uint16) (r *mdns.Msg, rrs []mdns.RR, cut string, err error) {
	m := new(mdns.Msg)
	m.SetQuestion(name, rrtype)
	m.RecursionDesired = false
	c.queries.Add(1)
	r, err = c.exchange(ctx, zone, m)
	if err != nil {
		return nil, nil, "", fmt.Errorf(errQuery+": %w", name, mdns.TypeToString[rrtype], c.cfg.Server, err)
	}
	switch r.Rcode {
	case mdns.RcodeSuccess, mdns.RcodeNameError:
	default:
		return nil, nil, "", fmt.Errorf(errQuery+": "+errRcode, name, mdns.TypeToString[rrtype], c.cfg.Server,
			c.cfg.Server, mdns.RcodeToString[r.Rcode])
	}
	section := r.Answer
	if len(r.Answer) == 0 && !r.Authoritative {
		var targets []string
		for _, rr := range r.Ns {
			if ns, ok := rr.(*mdns.NS); ok && !strings.EqualFold(ns.Hdr.Name, mdns.Fqdn(zone)) {
				cut = ns.Hdr.Name
				targets = append(targets, strings.ToLower(ns.Ns))
			}
		}
		switch {
		case cut == "":
		case rrtype == mdns.TypeNS:
			section = r.Ns
		case rrtype == mdns.TypeA || rrtype == mdns.TypeAAAA:
			if slices.Contains(targets, strings.ToLower(name)) {
				section = r.Extra
				cut = "" // glue belongs to the parent zone
			}
		}
	}
	for _, rr := range section {
		h := rr.Header()
		// An answer for a CNAME'd name carries the CNAME; keep our type only.
		if h.Rrtype == rrtype && strings.EqualFold(h.Name, name) {
			rrs = append(rrs, rr)
		}
	}
	if strings.EqualFold(cut, name) && rrtype == mdns.TypeNS {
		cut = "" // the delegation's own NS set
	}
	return r, rrs, cut, nil
}

// Synthesized tells a wildcard's answer from a set stored at fqdn. A
// wildcard answers only for names that do not exist, and every name below
// one that does not exist as well (RFC 4592 §2.2, §3.3.1). So a query below
// fqdn, for its marker, that gets NXDOMAIN, or a marker, proves fqdn exists.
// Otherwise (a wildcard answered there too, or fqdn has a wildcard child)
// an UPDATE holding only the prerequisite "RRset exists" (RFC 2136 §2.4.1)
// asks the server, which checks prerequisites on stored names only and
// changes nothing: BIND, Knot and PowerDNS answer NXRRSET for a
// synthesized set. That needs a key allowed to update the name.
func (c *Client) Synthesized(ctx context.Context, zone, fqdn string, rrtype uint16) (bool, error) {
	probe := dnsc.MarkerPrefix + strings.ToLower(mdns.TypeToString[rrtype]) + "." + fqdn
	if dnsc.CheckName(probe) == nil {
		r, rrs, _, err := c.ask(ctx, zone, probe, mdns.TypeTXT)
		if err != nil {
			return false, err
		}
		// With an answer (a CNAME, maybe a wildcard's) the rcode is the
		// alias target's.
		if r.Rcode == mdns.RcodeNameError && len(r.Answer) == 0 {
			return false, nil
		}
		for _, rr := range rrs {
			if strings.HasPrefix(dnsc.TXTText(rr.(*mdns.TXT)), "heritage=homeplane,") {
				return false, nil
			}
		}
	}
	m := new(mdns.Msg)
	m.SetUpdate(mdns.Fqdn(zone))
	m.RRsetUsed([]mdns.RR{header(fqdn, rrtype)})
	c.updates.Add(1)
	r, err := c.exchange(ctx, zone, m)
	if err != nil {
		return false, fmt.Errorf("cannot tell %s/%s from a wildcard's answer at %s (an UPDATE with only a prerequisite): %w",
			fqdn, mdns.TypeToString[rrtype], c.cfg.Server, err)
	}
	switch r.Rcode {
	case mdns.RcodeSuccess:
		return false, nil
	case mdns.RcodeNXRrset:
		return true, nil
	default:
		return false, fmt.Errorf("cannot tell %s/%s from a wildcard's answer at %s: "+errRcode,
			fqdn, mdns.TypeToString[rrtype], c.cfg.Server, c.cfg.Server, mdns.RcodeToString[r.Rcode])
	}
}

// Get reads the set with one query. At or below a zone cut, where the
// server refers instead of answering, only the delegation's NS set and glue
// can be read; other sets give ErrBelowZoneCut.
func (c *Client) Get(ctx context.Context, zone, fqdn string, rrtype uint16) (*dnsc.Set, error) {
	_, rrs, cut, err := c.ask(ctx, zone, fqdn, rrtype)
	if err != nil {
		return nil, err
	}
	if cut != "" {
		return nil, fmt.Errorf("%s/%s at %s: %w (delegation %s)", fqdn, mdns.TypeToString[rrtype], c.cfg.Server, dnsc.ErrBelowZoneCut, cut)
	}
	if len(rrs) == 0 {
		return nil, nil
	}
	return &dnsc.Set{FQDN: fqdn, Type: rrtype, TTL: rrs[0].Header().Ttl, RRs: rrs}, nil
}

// markerAt is a marker's name and the TXT strings found there; occluded
// when the server referred instead of answering (a marker below a zone
// cut: stored, never served, readable only through prerequisites).
type markerAt struct {
	name     string
	texts    []string
	occluded bool
}

// markers reads the set's marker at its name and at each legacy name
// (dnsc.LegacyMarkerNames: one more query for a wildcard).
func (c *Client) markers(ctx context.Context, zone, fqdn string, rrtype uint16) ([]markerAt, error) {
	name, err := dnsc.MarkerName(zone, fqdn, rrtype)
	if err != nil {
		return nil, err
	}
	var out []markerAt
	for _, n := range append([]string{name}, dnsc.LegacyMarkerNames(fqdn, rrtype)...) {
		_, rrs, cut, err := c.ask(ctx, zone, n, mdns.TypeTXT)
		if err != nil {
			return nil, err
		}
		m := markerAt{name: n, occluded: cut != ""}
		for _, rr := range rrs {
			m.texts = append(m.texts, dnsc.TXTText(rr.(*mdns.TXT)))
		}
		out = append(out, m)
	}
	return out, nil
}

// Marker reads the TXT strings of the set's ownership marker, at its name
// and at the names earlier releases used.
func (c *Client) Marker(ctx context.Context, zone, fqdn string, rrtype uint16) ([]string, error) {
	ms, err := c.markers(ctx, zone, fqdn, rrtype)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.texts...)
	}
	return out, nil
}

// Owns reports whether the set's marker names o: read by query, or, where
// the server does not serve the marker (below a zone cut), asked with an
// UPDATE holding only the prerequisite that o's marker exists (RFC 2136
// §2.4.2), which changes nothing.
func (c *Client) Owns(ctx context.Context, zone, fqdn string, rrtype uint16, o dnsc.Owner) (bool, error) {
	ms, err := c.markers(ctx, zone, fqdn, rrtype)
	if err != nil {
		return false, err
	}
	for _, mk := range ms {
		if dnsc.IsOurs(mk.texts, o) {
			return true, nil
		}
		if mk.occluded {
			if ours, err := c.holds(ctx, zone, mk.name, dnsc.MarkerRRAt(mk.name, 0, o)); err != nil || ours {
				return ours, err
			}
		}
	}
	return false, nil
}

// holds asks with a prerequisite-only UPDATE whether rr is the whole TXT
// set at name (rr nil: whether name has no TXT set).
func (c *Client) holds(ctx context.Context, zone, name string, rr mdns.RR) (bool, error) {
	m := new(mdns.Msg)
	m.SetUpdate(mdns.Fqdn(zone))
	if rr != nil {
		m.Used([]mdns.RR{rr})
	} else {
		m.RRsetNotUsed([]mdns.RR{header(name, mdns.TypeTXT)})
	}
	c.updates.Add(1)
	r, err := c.exchange(ctx, zone, m)
	if err != nil {
		return false, fmt.Errorf("cannot check the marker at %s (an UPDATE with only a prerequisite): %w", name, err)
	}
	switch r.Rcode {
	case mdns.RcodeSuccess:
		return true, nil
	case mdns.RcodeNXRrset, mdns.RcodeYXRrset:
		return false, nil
	default:
		return false, fmt.Errorf("cannot check the marker at %s: "+errRcode, name, c.cfg.Server, mdns.RcodeToString[r.Rcode])
	}
}

// pinOwner adds to m the prerequisite that o's marker exists and returns
// its name. Without legacy names that needs no read; otherwise the marker
// is read and the name holding o's text pinned (ErrNotOwned when none).
func (c *Client) pinOwner(ctx context.Context, m *mdns.Msg, zone, fqdn string, rrtype uint16, o dnsc.Owner) (string, error) {
	name, err := dnsc.MarkerName(zone, fqdn, rrtype)
	if err != nil {
		return "", err
	}
	if len(dnsc.LegacyMarkerNames(fqdn, rrtype)) > 0 {
		ms, err := c.markers(ctx, zone, fqdn, rrtype)
		if err != nil {
			return "", fmt.Errorf("reading the ownership marker: %w", err)
		}
		name = ""
		for _, mk := range ms {
			if dnsc.IsOurs(mk.texts, o) {
				name = mk.name
				break
			}
		}
		if name == "" {
			return "", dnsc.ErrNotOwned
		}
	}
	m.Used([]mdns.RR{dnsc.MarkerRRAt(name, 0, o)})
	return name, nil
}

func (c *Client) update(ctx context.Context, zone, fqdn string, rrtype uint16, m *mdns.Msg) error {
	c.updates.Add(1)
	r, err := c.exchange(ctx, zone, m)
	if err != nil {
		return fmt.Errorf(errUpdate+": %w", fqdn, mdns.TypeToString[rrtype], c.cfg.Server, err)
	}
	switch r.Rcode {
	case mdns.RcodeSuccess:
		return nil
	case mdns.RcodeNXRrset:
		return fmt.Errorf(errUpdate+": %w", fqdn, mdns.TypeToString[rrtype], c.cfg.Server, dnsc.ErrNotOwned)
	case mdns.RcodeYXRrset:
		return fmt.Errorf(errUpdate+": %w", fqdn, mdns.TypeToString[rrtype], c.cfg.Server, dnsc.ErrExists)
	case mdns.RcodeServerFailure:
		return fmt.Errorf(errUpdate+": %w", fqdn, mdns.TypeToString[rrtype], c.cfg.Server, dnsc.ErrServerFailure)
	default:
		return fmt.Errorf(errUpdate+": "+errRcode, fqdn, mdns.TypeToString[rrtype], c.cfg.Server,
			c.cfg.Server, mdns.RcodeToString[r.Rcode])
	}
}

func header(fqdn string, rrtype uint16) mdns.RR {
	return &mdns.ANY{Hdr: mdns.RR_Header{Name: fqdn, Rrtype: rrtype, Class: mdns.ClassINET}}
}

// Create adds the set and its marker; unless adopting, the set must not exist.
func (c *Client) Create(ctx context.Context, zone string, s dnsc.Set, o dnsc.Owner, adopt bool) error {
	m := new(mdns.Msg)
	m.SetUpdate(mdns.Fqdn(zone))
	var from string
	if adopt {
		var err error
		if from, err = c.adoptPrereq(ctx, m, zone, s, o); err != nil {
			return err
		}
	} else {
		m.RRsetNotUsed([]mdns.RR{header(s.FQDN, s.Type)})
	}
	if err := c.putSet(m, zone, s, o, from); err != nil {
		return fmt.Errorf(errUpdate+": %w", s.FQDN, mdns.TypeToString[s.Type], c.cfg.Server, err)
	}
	return dnsc.ExplainServerFailure(c.update(ctx, zone, s.FQDN, s.Type, m), len(s.RRs))
}

// Replace deletes and re-adds the set in one message; unless adopting, the
// marker must hold exactly our owner text.
func (c *Client) Replace(ctx context.Context, zone string, s dnsc.Set, o dnsc.Owner, adopt bool) error {
	m := new(mdns.Msg)
	m.SetUpdate(mdns.Fqdn(zone))
	var from string
	var err error
	if adopt {
		from, err = c.adoptPrereq(ctx, m, zone, s, o)
		if err != nil {
			return err
		}
	} else if from, err = c.pinOwner(ctx, m, zone, s.FQDN, s.Type, o); err != nil {
		return fmt.Errorf(errUpdate+": %w", s.FQDN, mdns.TypeToString[s.Type], c.cfg.Server, err)
	}
	if err := c.putSet(m, zone, s, o, from); err != nil {
		return fmt.Errorf(errUpdate+": %w", s.FQDN, mdns.TypeToString[s.Type], c.cfg.Server, err)
	}
	return dnsc.ExplainServerFailure(c.update(ctx, zone, s.FQDN, s.Type, m), len(s.RRs))
}

// adoptPrereq reads the set's marker and refuses another owner's
// (ErrOwnedByOther). Otherwise it pins what it read as a prerequisite of the
// UPDATE (no marker, or exactly ours), so an owner that appears between the
// read and the write makes the server refuse the update (NXRRSET/YXRRSET)
// instead of us taking its set over. It returns the name holding our
// marker, "" when there is none.
func (c *Client) adoptPrereq(ctx context.Context, m *mdns.Msg, zone string, s dnsc.Set, o dnsc.Owner) (string, error) {
	ms, err := c.markers(ctx, zone, s.FQDN, s.Type)
	if err != nil {
		return "", fmt.Errorf(errUpdate+": reading the ownership marker: %w", s.FQDN, mdns.TypeToString[s.Type], c.cfg.Server, err)
	}
	var from string
	for i, mk := range ms {
		if mk.occluded {
			// Unreadable: ours, none, or (refused) anyone else's.
			ours, err := c.holds(ctx, zone, mk.name, dnsc.MarkerRRAt(mk.name, 0, o))
			if err == nil && !ours {
				var none bool
				if none, err = c.holds(ctx, zone, mk.name, nil); err == nil && !none {
					err = dnsc.ErrOwnedByOther
				}
			}
			if err != nil {
				return "", fmt.Errorf(errUpdate+": %w", s.FQDN, mdns.TypeToString[s.Type], c.cfg.Server, err)
			}
			if ours {
				ms[i].texts = []string{o.MarkerText()}
			}
			mk = ms[i]
		}
		if err := dnsc.CheckAdopt(mk.texts, o); err != nil {
			return "", fmt.Errorf(errUpdate+": %w", s.FQDN, mdns.TypeToString[s.Type], c.cfg.Server, err)
		}
		if from == "" && len(mk.texts) > 0 {
			from = mk.name
		}
	}
	if from != "" {
		m.Used([]mdns.RR{dnsc.MarkerRRAt(from, 0, o)})
		return from, nil
	}
	for _, mk := range ms {
		m.RRsetNotUsed([]mdns.RR{header(mk.name, mdns.TypeTXT)})
	}
	return "", nil
}

// putSet replaces the set and writes its marker; from is where our marker
// was found, removed when it is a legacy name.
func (c *Client) putSet(m *mdns.Msg, zone string, s dnsc.Set, o dnsc.Owner, from string) error {
	marker, err := dnsc.MarkerRR(zone, s.FQDN, s.Type, s.TTL, o)
	if err != nil {
		return err
	}
	rrs := make([]mdns.RR, 0, len(s.RRs))
	for _, rr := range s.RRs {
		rr = mdns.Copy(rr)
		rr.Header().Ttl = s.TTL
		rrs = append(rrs, rr)
	}
	m.RemoveRRset([]mdns.RR{header(s.FQDN, s.Type)})
	m.Insert(rrs)
	if from != "" && from != marker.Hdr.Name {
		m.RemoveRRset([]mdns.RR{header(from, mdns.TypeTXT)})
	}
	m.RemoveRRset([]mdns.RR{header(marker.Hdr.Name, mdns.TypeTXT)})
	m.Insert([]mdns.RR{marker})
	return nil
}

// Delete removes the set and its marker; unless forced, only when ours.
func (c *Client) Delete(ctx context.Context, zone, fqdn string, rrtype uint16, o dnsc.Owner, force bool) error {
	m := new(mdns.Msg)
	m.SetUpdate(mdns.Fqdn(zone))
	name, err := dnsc.MarkerName(zone, fqdn, rrtype)
	if err == nil && !force {
		name, err = c.pinOwner(ctx, m, zone, fqdn, rrtype, o)
	}
	if err != nil {
		return fmt.Errorf(errUpdate+": %w", fqdn, mdns.TypeToString[rrtype], c.cfg.Server, err)
	}
	m.RemoveRRset([]mdns.RR{header(fqdn, rrtype)})
	m.RemoveRRset([]mdns.RR{header(name, mdns.TypeTXT)})
	return c.update(ctx, zone, fqdn, rrtype, m)
}

// ForeignBelow reads the zone with a TSIG-signed transfer (AXFR, RFC 5936),
// which holds the records below zone cuts too, and reports what at or below
// fqdn another tenant owns. Where the server refuses this key a transfer,
// a query for fqdn that gets NXDOMAIN proves nothing is at or below it
// (RFC 8020); otherwise it reads the markers derivable from fqdn: those of
// every set type at fqdn and at the wildcard below it (by prerequisite
// where a zone cut hides them), and reports complete false, since sets
// further below cannot be listed.
func (c *Client) ForeignBelow(ctx context.Context, zone, fqdn string, o dnsc.Owner) ([]string, bool, error) {
	if rrs, err := c.transfer(zone); err == nil {
		return dnsc.ForeignOwned(zone, fqdn, rrs, o), true, nil
	}
	r, _, _, err := c.ask(ctx, zone, fqdn, mdns.TypeTXT)
	if err != nil {
		return nil, false, err
	}
	if r.Rcode == mdns.RcodeNameError && len(r.Answer) == 0 {
		return nil, true, nil
	}
	var out []string
	for _, name := range []string{fqdn, "*." + fqdn} {
		if dnsc.CheckName(name) != nil {
			continue
		}
		for _, t := range dnsc.RecordTypes {
			ms, err := c.markers(ctx, zone, name, t)
			if err != nil {
				return nil, false, err
			}
			for _, mk := range ms {
				foreign := dnsc.ForeignMarker(mk.texts, o)
				if mk.occluded && len(mk.texts) == 0 {
					// Unreadable below the cut: no TXT set, or ours.
					none, err := c.holds(ctx, zone, mk.name, nil)
					if err == nil && !none {
						var ours bool
						ours, err = c.holds(ctx, zone, mk.name, dnsc.MarkerRRAt(mk.name, 0, o))
						foreign = !ours
					}
					if err != nil {
						return nil, false, err
					}
				}
				if foreign {
					out = append(out, "marker "+strings.TrimSuffix(mk.name, "."))
				}
			}
		}
	}
	return out, false, nil
}

// transfer reads the whole zone with a TSIG-signed AXFR.
func (c *Client) transfer(zone string) ([]mdns.RR, error) {
	m := new(mdns.Msg)
	m.SetAxfr(mdns.Fqdn(zone))
	m.SetTsig(c.key, c.algo, fudge, c.cfg.Now().Unix())
	t := &mdns.Transfer{DialTimeout: c.cfg.Timeout, ReadTimeout: c.cfg.Timeout, WriteTimeout: c.cfg.Timeout,
		TsigSecret: map[string]string{c.key: c.cfg.Secret}}
	c.queries.Add(1)
	ch, err := t.In(m, c.cfg.Server)
	if err != nil {
		return nil, err
	}
	var out []mdns.RR
	for env := range ch {
		if env.Error != nil {
			return nil, env.Error
		}
		out = append(out, env.RR...)
	}
	if len(out) == 0 {
		return nil, errors.New("empty zone transfer")
	}
	return out, nil
}
