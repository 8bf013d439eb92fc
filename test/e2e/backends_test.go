//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// bind is a BIND primary serving zone with TSIG-signed dynamic updates, the
// DNS server the provider's tests use (Debian bind9, installed by
// hack/provider-test-deps.sh). provider/internal/testservers cannot be
// imported from here (internal) and needs a testing.TB, which TestMain has
// not; this is the same configuration.
type bind struct {
	addr, zone, keyName, algo, secret string
}

func lookPath(bin string) (string, error) {
	for _, dir := range []string{"", "/usr/sbin/", "/sbin/"} {
		if p, err := exec.LookPath(dir + bin); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: run `make provider-test-deps` to install it", bin)
}

func startBIND(ctx context.Context, zone string) (*bind, error) {
	named, err := lookPath("named")
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	port := freeTCPUDPPort()
	b := &bind{
		addr: fmt.Sprintf("127.0.0.1:%d", port), zone: mdns.Fqdn(zone),
		keyName: "homeplane-e2e.", algo: "hmac-sha256", secret: b64(key),
	}
	dir := filepath.Join(workDir, "bind")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	zoneFile := fmt.Sprintf("$ORIGIN %[1]s\n$TTL 300\n@ IN SOA ns1.%[1]s hostmaster.%[1]s 1 3600 600 86400 300\n@ IN NS ns1.%[1]s\nns1 IN A 127.0.0.1\n", b.zone)
	conf := fmt.Sprintf(`options {
  directory "%[1]s";
  pid-file "%[1]s/named.pid";
  session-keyfile "%[1]s/session.key";
  listen-on port %[2]d { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "%[3]s" { algorithm %[4]s; secret "%[5]s"; };
zone "%[6]s" {
  type primary;
  file "%[1]s/zone.db";
  journal "%[1]s/zone.db.jnl";
  update-policy { grant %[3]s zonesub ANY; };
};
`, dir, port, b.keyName, b.algo, b.secret, b.zone)
	if err := os.WriteFile(filepath.Join(dir, "zone.db"), []byte(zoneFile), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "named.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	args := []string{"-c", filepath.Join(dir, "named.conf"), "-g", "-n", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	p, err := run("named", nil, named, args...)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		if rrs, err := b.query(b.zone, mdns.TypeSOA); err == nil && len(rrs) > 0 {
			return b, nil
		}
		if p.exited() {
			return nil, fmt.Errorf("named exited:\n%s", p.tailLog(3000))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("named does not serve %s on %s", b.zone, b.addr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// query asks the server for name/type over TCP and returns the answers.
func (b *bind) query(name string, t uint16) ([]mdns.RR, error) {
	c := &mdns.Client{Net: "tcp", Timeout: 2 * time.Second}
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), t)
	r, _, err := c.Exchange(m, b.addr)
	if err != nil {
		return nil, err
	}
	if r.Rcode != mdns.RcodeSuccess && r.Rcode != mdns.RcodeNameError {
		return nil, fmt.Errorf("%s %s: %s", name, mdns.TypeToString[t], mdns.RcodeToString[r.Rcode])
	}
	return r.Answer, nil
}

// records returns the zone-file text of each answer for name/type.
func (b *bind) records(name string, t uint16) []string {
	rrs, err := b.query(name, t)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	return out
}

// hydra is Ory Hydra (the provider tests' build, hack/provider-test-deps.sh)
// with an in-memory database and dynamic client registration.
type hydra struct {
	issuer, publicURL, adminURL string
}

func startHydra(ctx context.Context, bin string) (*hydra, error) {
	pub, adm := freePort(), freePort()
	h := &hydra{
		publicURL: fmt.Sprintf("http://127.0.0.1:%d", pub),
		adminURL:  fmt.Sprintf("http://127.0.0.1:%d", adm),
	}
	h.issuer = h.publicURL + "/"
	p, err := run("hydra", []string{
		"DSN=memory",
		"URLS_SELF_ISSUER=" + h.issuer,
		"SECRETS_SYSTEM=" + randomHex(24),
		fmt.Sprintf("SERVE_PUBLIC_PORT=%d", pub), "SERVE_PUBLIC_HOST=127.0.0.1",
		fmt.Sprintf("SERVE_ADMIN_PORT=%d", adm), "SERVE_ADMIN_HOST=127.0.0.1",
		"OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true",
		"WEBFINGER_OIDC_DISCOVERY_CLIENT_REGISTRATION_URL=" + h.publicURL + "/oauth2/register",
		"LOG_LEVEL=warn",
	}, bin, "serve", "all", "--dev")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitHTTP(ctx, p, h.publicURL+"/.well-known/openid-configuration", nil); err != nil {
		return nil, err
	}
	return h, nil
}

// client returns Hydra's view of an OAuth2 client through its admin API
// (nil when it does not exist).
func (h *hydra) client(ctx context.Context, id string) (map[string]any, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.adminURL+"/admin/clients/"+url.PathEscape(id), nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Body.Close() }()
	if r.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if r.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET client %s: %s", id, r.Status)
	}
	out := map[string]any{}
	return out, json.NewDecoder(r.Body).Decode(&out)
}
