// Package powerdns manages record sets through the PowerDNS authoritative
// HTTP API. A set and its ownership marker are written in one PATCH (one
// transaction in PowerDNS); the ownership check before it is a separate read,
// since the API has no prerequisites.
package powerdns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	mdns "github.com/miekg/dns"

	dnsc "github.com/homeplane/homeplane/provider/internal/clients/dns"
)

const (
	errRequest = "powerdns API %s %s"
	errStatus  = "powerdns API %s %s: HTTP %d: %s"
)

// Config of a client.
type Config struct {
	// URL of the API server, without /api/v1.
	URL string
	// ServerID in the API path; "localhost" when empty.
	ServerID string
	// APIKey sent as X-API-Key.
	APIKey string
	// HTTP client; http.DefaultClient when nil.
	HTTP *http.Client
}

// Client talks to one PowerDNS server. Safe for concurrent use.
type Client struct {
	cfg      Config
	base     string
	requests atomic.Int64
}

var _ dnsc.Client = &Client{}

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.APIKey == "" {
		return nil, errors.New("powerdns URL and API key are required")
	}
	if _, err := url.Parse(cfg.URL); err != nil {
		return nil, fmt.Errorf("invalid powerdns URL: %w", err)
	}
	if cfg.ServerID == "" {
		cfg.ServerID = "localhost"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	base := strings.TrimSuffix(cfg.URL, "/") + "/api/v1/servers/" + url.PathEscape(cfg.ServerID) + "/zones/"
	return &Client{cfg: cfg, base: base}, nil
}

// Requests is how many API requests this client has sent.
func (c *Client) Requests() int64 { return c.requests.Load() }

type record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

type rrset struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// TTL in seconds; a pointer because 0 is a valid TTL (RFC 2181 §8) that
	// REPLACE must send (PowerDNS answers 422 without it), while DELETE
	// sends none.
	TTL        *uint32  `json:"ttl,omitempty"`
	ChangeType string   `json:"changetype,omitempty"`
	Records    []record `json:"records"`
}

type zone struct {
	RRSets []rrset `json:"rrsets"`
}

func (c *Client) do(ctx context.Context, method, zoneName string, query url.Values, body any, out any) error {
	u := c.base + url.PathEscape(mdns.Fqdn(zoneName))
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf(errRequest+": %w", method, zoneName, err)
	}
	req.Header.Set("X-API-Key", c.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.requests.Add(1)
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf(errRequest+": %w", method, zoneName, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<24))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: "+errStatus, dnsc.ErrAuth, method, zoneName, resp.StatusCode, "wrong API key")
	case resp.StatusCode == http.StatusNotFound:
		// The API answers 404 for a zone it does not have.
		return fmt.Errorf("%w: "+errStatus, dnsc.ErrNotAuthoritative, method, zoneName, resp.StatusCode, strings.TrimSpace(string(b)))
	case resp.StatusCode >= 300:
		return fmt.Errorf(errStatus, method, zoneName, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf(errRequest+": decoding response: %w", method, zoneName, err)
		}
	}
	return nil
}

// find reads one rrset. The rrset_name/rrset_type filter exists from
// PowerDNS 4.8; older servers send the whole zone and we filter here.
func (c *Client) find(ctx context.Context, zoneName, name string, rrtype uint16) (*rrset, error) {
	typ := mdns.TypeToString[rrtype]
	var z zone
	q := url.Values{"rrsets": {"true"}, "rrset_name": {name}, "rrset_type": {typ}}
	if err := c.do(ctx, http.MethodGet, zoneName, q, nil, &z); err != nil {
		return nil, err
	}
	for i, s := range z.RRSets {
		if strings.EqualFold(s.Name, name) && s.Type == typ {
			return &z.RRSets[i], nil
		}
	}
	return nil, nil
}

// Get reads the set with one API request.
func (c *Client) Get(ctx context.Context, zoneName, fqdn string, rrtype uint16) (*dnsc.Set, error) {
	s, err := c.find(ctx, zoneName, fqdn, rrtype)
	if err != nil || s == nil {
		return nil, err
	}
	var contents []string
	for _, r := range s.Records {
		if !r.Disabled {
			contents = append(contents, r.Content)
		}
	}
	if len(contents) == 0 {
		return nil, nil
	}
	var ttl uint32
	if s.TTL != nil {
		ttl = *s.TTL
	}
	set, err := dnsc.ParseServerSet(zoneName, fqdn, s.Type, ttl, contents)
	if err != nil {
		return nil, fmt.Errorf("powerdns returned an unparsable %s set at %s: %w", s.Type, fqdn, err)
	}
	return set, nil
}

// Synthesized is always false: the API lists the records stored at a name,
// and a wildcard's only at its own name.
func (c *Client) Synthesized(context.Context, string, string, uint16) (bool, error) {
	return false, nil
}

// Marker reads the set's ownership marker, at its name and at the names
// earlier releases used (one more request for a wildcard; through the API
// nothing is written there, but RFC 2136 may have been).
func (c *Client) Marker(ctx context.Context, zoneName, fqdn string, rrtype uint16) ([]string, error) {
	name, err := dnsc.MarkerName(zoneName, fqdn, rrtype)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range append([]string{name}, dnsc.LegacyMarkerNames(fqdn, rrtype)...) {
		s, err := c.find(ctx, zoneName, n, mdns.TypeTXT)
		if err != nil {
			return nil, err
		}
		if s == nil {
			continue
		}
		for _, r := range s.Records {
			rr, err := mdns.NewRR(". 0 IN TXT " + r.Content)
			if err != nil || rr == nil {
				continue
			}
			out = append(out, dnsc.TXTText(rr.(*mdns.TXT)))
		}
	}
	return out, nil
}

// Owns reports whether the set's marker names o (the API lists every stored
// record, so Marker reads it everywhere).
func (c *Client) Owns(ctx context.Context, zoneName, fqdn string, rrtype uint16, o dnsc.Owner) (bool, error) {
	m, err := c.Marker(ctx, zoneName, fqdn, rrtype)
	return err == nil && dnsc.IsOurs(m, o), err
}

func (c *Client) owned(ctx context.Context, zoneName, fqdn string, rrtype uint16, o dnsc.Owner) error {
	m, err := c.Marker(ctx, zoneName, fqdn, rrtype)
	if err != nil {
		return err
	}
	if !dnsc.IsOurs(m, o) {
		return dnsc.ErrNotOwned
	}
	return nil
}

func (c *Client) patch(ctx context.Context, zoneName string, sets ...rrset) error {
	return c.do(ctx, http.MethodPatch, zoneName, nil, zone{RRSets: sets}, nil)
}

func (c *Client) replace(ctx context.Context, zoneName string, s dnsc.Set, o dnsc.Owner) error {
	recs := make([]record, 0, len(s.RRs))
	for _, rr := range s.RRs {
		recs = append(recs, record{Content: dnsc.RData(rr)})
	}
	m, err := dnsc.MarkerRR(zoneName, s.FQDN, s.Type, s.TTL, o)
	if err != nil {
		return fmt.Errorf("%s %s: %w", s.FQDN, mdns.TypeToString[s.Type], err)
	}
	ttl := s.TTL
	return c.patch(ctx, zoneName,
		rrset{Name: s.FQDN, Type: mdns.TypeToString[s.Type], TTL: &ttl, ChangeType: "REPLACE", Records: recs},
		rrset{Name: m.Hdr.Name, Type: "TXT", TTL: &ttl, ChangeType: "REPLACE",
			Records: []record{{Content: dnsc.RData(m)}}},
	)
}

// adoptable refuses a set marked for another owner (ErrOwnedByOther). Like
// the ownership check before Replace it is a separate read: the API has no
// prerequisites.
func (c *Client) adoptable(ctx context.Context, zoneName string, s dnsc.Set, o dnsc.Owner) error {
	m, err := c.Marker(ctx, zoneName, s.FQDN, s.Type)
	if err != nil {
		return err
	}
	if err := dnsc.CheckAdopt(m, o); err != nil {
		return fmt.Errorf("%s %s: %w", s.FQDN, mdns.TypeToString[s.Type], err)
	}
	return nil
}

// Create writes a set that must not exist yet; with adopt, one that no
// other owner's marker claims.
func (c *Client) Create(ctx context.Context, zoneName string, s dnsc.Set, o dnsc.Owner, adopt bool) error {
	if adopt {
		if err := c.adoptable(ctx, zoneName, s, o); err != nil {
			return err
		}
	} else {
		cur, err := c.Get(ctx, zoneName, s.FQDN, s.Type)
		if err != nil {
			return err
		}
		if cur != nil {
			return fmt.Errorf("%s %s: %w", s.FQDN, mdns.TypeToString[s.Type], dnsc.ErrExists)
		}
	}
	return c.replace(ctx, zoneName, s, o)
}

// Replace swaps the set if we own it, or with adopt if no other owner does.
func (c *Client) Replace(ctx context.Context, zoneName string, s dnsc.Set, o dnsc.Owner, adopt bool) error {
	if adopt {
		if err := c.adoptable(ctx, zoneName, s, o); err != nil {
			return err
		}
	} else {
		if err := c.owned(ctx, zoneName, s.FQDN, s.Type, o); err != nil {
			return fmt.Errorf("%s %s: %w", s.FQDN, mdns.TypeToString[s.Type], err)
		}
	}
	return c.replace(ctx, zoneName, s, o)
}

// Delete removes the set and its marker if we own it (or force).
func (c *Client) Delete(ctx context.Context, zoneName, fqdn string, rrtype uint16, o dnsc.Owner, force bool) error {
	marker, err := dnsc.MarkerName(zoneName, fqdn, rrtype)
	if err == nil && !force {
		err = c.owned(ctx, zoneName, fqdn, rrtype, o)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", fqdn, mdns.TypeToString[rrtype], err)
	}
	return c.patch(ctx, zoneName,
		rrset{Name: fqdn, Type: mdns.TypeToString[rrtype], ChangeType: "DELETE", Records: []record{}},
		rrset{Name: marker, Type: "TXT", ChangeType: "DELETE", Records: []record{}},
	)
}

// ForeignBelow reads the whole zone (one request; the API lists records
// below zone cuts as well) and reports what at or below fqdn another
// tenant owns. It is always complete.
func (c *Client) ForeignBelow(ctx context.Context, zoneName, fqdn string, o dnsc.Owner) ([]string, bool, error) {
	var z zone
	if err := c.do(ctx, http.MethodGet, zoneName, url.Values{"rrsets": {"true"}}, nil, &z); err != nil {
		return nil, false, err
	}
	var rrs []mdns.RR
	for _, s := range z.RRSets {
		rrtype, ok := mdns.StringToType[s.Type]
		if !ok {
			continue
		}
		hdr := mdns.RR_Header{Name: s.Name, Rrtype: rrtype, Class: mdns.ClassINET}
		if rrtype != mdns.TypeTXT {
			rrs = append(rrs, &mdns.ANY{Hdr: hdr})
			continue
		}
		for _, r := range s.Records {
			if rr, err := mdns.NewRR(mdns.Fqdn(s.Name) + " 0 IN TXT " + r.Content); err == nil && rr != nil {
				rrs = append(rrs, rr)
			}
		}
	}
	return dnsc.ForeignOwned(zoneName, fqdn, rrs, o), true, nil
}
