package testservers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// hint says where the Debian DNS servers come from.
const hint = "run `make provider-test-deps` to install it"

// A DNS server under test, serving Zone with TSIG-allowed updates.
type DNS struct {
	Kind    string // bind, knot or powerdns
	Addr    string // 127.0.0.1:port, UDP and TCP
	Zone    string // FQDN
	KeyName string // FQDN
	Algo    string // hmac-sha256
	Secret  string // base64
	// Locked is a subtree of Zone the key may not update (an update
	// policy's refusal), or "" where it is not set up: Knot 3.2 then also
	// refuses the key's queries, PowerDNS 4.7 has only a Lua policy script.
	Locked string
	// PowerDNS only.
	APIURL, APIKey string

	g    *Group
	name string // the process's name
	bin  string
	args []string
	proc *Process
}

// Stop kills the server (to test outages).
func (d *DNS) Stop() {
	if d.proc != nil {
		d.proc.Stop()
		d.proc = nil
	}
}

// Start (re)starts a stopped server with the same config, port and data, and
// waits up to 20 s until it serves the zone.
func (d *DNS) Start(ctx context.Context) error {
	var err error
	if d.proc, err = d.g.Run(d.name, nil, d.bin, d.args...); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		if rrs, err := d.Query(d.Zone, mdns.TypeSOA); err == nil && len(rrs) > 0 {
			return nil
		}
		if d.proc.Exited() {
			return d.proc.exitedErr()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s does not serve %s on %s: %w", d.Kind, d.Zone, d.Addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Query asks the server for name/type over TCP and returns the answers (none
// for a name that does not exist).
func (d *DNS) Query(name string, t uint16) ([]mdns.RR, error) {
	c := &mdns.Client{Net: "tcp", Timeout: 2 * time.Second}
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), t)
	r, _, err := c.Exchange(m, d.Addr)
	if err != nil {
		return nil, fmt.Errorf("cannot query %s %s at %s: %w", name, mdns.TypeToString[t], d.Addr, err)
	}
	if r.Rcode != mdns.RcodeSuccess && r.Rcode != mdns.RcodeNameError {
		return nil, fmt.Errorf("%s %s: %s", name, mdns.TypeToString[t], mdns.RcodeToString[r.Rcode])
	}
	return r.Answer, nil
}

// Records returns the zone-file text of each answer for name/type, or the
// error as the only element (for comparisons in tests).
func (d *DNS) Records(name string, t uint16) []string {
	rrs, err := d.Query(name, t)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	return out
}

// lookPath finds a Debian server binary, also in the sbin directories a
// non-root PATH lacks.
func lookPath(bin string) (string, error) {
	for _, dir := range []string{"", "/usr/sbin/", "/sbin/"} {
		if p, err := exec.LookPath(dir + bin); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: %s", bin, hint)
}

// newDNS prepares a server of kind for zone: a port, a TSIG key, a directory
// with the zone file.
func (g *Group) newDNS(kind, zone string) (*DNS, string, error) {
	port, err := freePort(true)
	if err != nil {
		return nil, "", err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // cannot fail since Go 1.24
	d := &DNS{
		Kind: kind, Addr: fmt.Sprintf("127.0.0.1:%d", port), Zone: mdns.Fqdn(zone),
		KeyName: "homeplane-test.", Algo: "hmac-sha256", Secret: base64.StdEncoding.EncodeToString(key), g: g,
	}
	dir, err := g.dir(kind)
	if err != nil {
		return nil, "", err
	}
	zoneFile := fmt.Sprintf(`$ORIGIN %[1]s
$TTL 300
@ IN SOA ns1.%[1]s hostmaster.%[1]s 1 3600 600 86400 300
@ IN NS ns1.%[1]s
ns1 IN A 127.0.0.1
`, d.Zone)
	return d, dir, writeFile(filepath.Join(dir, "zone.db"), zoneFile)
}

// run starts the prepared server's process and waits until it serves.
func (d *DNS) run(ctx context.Context, name, bin string, args ...string) (*DNS, error) {
	d.name, d.bin, d.args = name, bin, args
	if err := d.Start(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// port is the server's port, for configuration files.
func (d *DNS) port() string { return d.Addr[strings.LastIndexByte(d.Addr, ':')+1:] }

// BIND starts named serving zone.
func (g *Group) BIND(ctx context.Context, zone string) (*DNS, error) {
	named, err := lookPath("named")
	if err != nil {
		return nil, err
	}
	d, dir, err := g.newDNS("bind", zone)
	if err != nil {
		return nil, err
	}
	d.Locked = "locked." + d.Zone
	if err := writeFile(filepath.Join(dir, "named.conf"), fmt.Sprintf(`
options {
  directory "%[1]s";
  pid-file "%[1]s/named.pid";
  session-keyfile "%[1]s/session.key";
  listen-on port %[2]s { 127.0.0.1; };
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
  update-policy { deny %[3]s subdomain %[7]s ANY; grant %[3]s zonesub ANY; };
};
`, dir, d.port(), d.KeyName, d.Algo, d.Secret, d.Zone, d.Locked)); err != nil {
		return nil, err
	}
	args := []string{"-c", filepath.Join(dir, "named.conf"), "-g", "-n", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	return d.run(ctx, "named", named, args...)
}

// Knot starts knotd serving zone.
func (g *Group) Knot(ctx context.Context, zone string) (*DNS, error) {
	knotd, err := lookPath("knotd")
	if err != nil {
		return nil, err
	}
	d, dir, err := g.newDNS("knot", zone)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create knot's database directory: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "knot.conf"), fmt.Sprintf(`
server:
  rundir: "%[1]s"
  pidfile: "%[1]s/knot.pid"
  listen: 127.0.0.1@%[2]s
  udp-workers: 1
  tcp-workers: 2
  background-workers: 1
database:
  storage: "%[1]s/db"
key:
  - id: %[3]s
    algorithm: %[4]s
    secret: %[5]s
acl:
  - id: update
    key: %[3]s
    action: [update, transfer]
zone:
  - domain: %[6]s
    storage: "%[1]s"
    file: zone.db
    acl: update
    zonefile-sync: -1
log:
  - target: stderr
    any: info
`, dir, d.port(), d.KeyName, d.Algo, d.Secret, d.Zone)); err != nil {
		return nil, err
	}
	return d.run(ctx, "knotd", knotd, "-c", filepath.Join(dir, "knot.conf"))
}

// PowerDNS starts pdns_server with the gsqlite3 backend, DNS UPDATE and the
// HTTP API enabled.
func (g *Group) PowerDNS(ctx context.Context, zone string) (*DNS, error) {
	bins := map[string]string{}
	for _, b := range []string{"pdns_server", "pdnsutil", "sqlite3"} {
		p, err := lookPath(b)
		if err != nil {
			return nil, err
		}
		bins[b] = p
	}
	schema := "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"
	if _, err := os.Stat(schema); err != nil {
		return nil, fmt.Errorf("%s missing: %s", schema, hint)
	}
	d, dir, err := g.newDNS("powerdns", zone)
	if err != nil {
		return nil, err
	}
	apiPort, err := freePort(false)
	if err != nil {
		return nil, err
	}
	d.APIURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	d.APIKey = randomHex(16)
	db := filepath.Join(dir, "pdns.db")
	if _, err := Output(ctx, nil, bins["sqlite3"], db, ".read "+schema); err != nil {
		return nil, fmt.Errorf("cannot create the PowerDNS schema: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "pdns.conf"), fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%[1]s
local-address=127.0.0.1
local-port=%[2]s
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
api=yes
api-key=%[3]s
webserver=yes
webserver-address=127.0.0.1
webserver-port=%[4]d
webserver-allow-from=127.0.0.0/8
socket-dir=%[5]s
guardian=no
daemon=no
disable-syslog=yes
write-pid=no
receiver-threads=1
distributor-threads=1
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
zone-cache-refresh-interval=0
`, db, d.port(), d.APIKey, apiPort, dir)); err != nil {
		return nil, err
	}
	for _, args := range [][]string{
		{"load-zone", d.Zone, filepath.Join(dir, "zone.db")},
		{"import-tsig-key", d.KeyName, d.Algo, d.Secret},
		{"set-meta", d.Zone, "TSIG-ALLOW-DNSUPDATE", d.KeyName},
		{"set-meta", d.Zone, "SOA-EDIT-DNSUPDATE", "INCREASE"},
	} {
		if _, err := Output(ctx, nil, bins["pdnsutil"], append([]string{"--config-dir=" + dir}, args...)...); err != nil {
			return nil, fmt.Errorf("cannot set up the PowerDNS zone: %w", err)
		}
	}
	return d.run(ctx, "pdns_server", bins["pdns_server"], "--config-dir="+dir)
}
