// Package testservers starts real DNS servers (BIND, Knot, PowerDNS) and Ory
// Hydra on free loopback ports for tests, and stops them by PID on cleanup.
// A missing binary fails the test: nothing is skipped.
package testservers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/homeplane/homeplane/internal/tools"
)

const hint = "run `make provider-test-deps` to install it"

// A DNS server under test, serving Zone with TSIG-allowed updates.
type DNS struct {
	Kind    string // bind, knot or powerdns
	Addr    string // 127.0.0.1:port, UDP and TCP
	Zone    string // FQDN
	KeyName string // FQDN
	Algo    string // hmac-sha256
	Secret  string // base64
	// PowerDNS only.
	APIURL, APIKey string

	t    testing.TB
	dir  string
	name string
	cmd  func() *exec.Cmd
	proc *exec.Cmd
	stop func()
}

// Stop kills the server (to test outages).
func (d *DNS) Stop() {
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
}

// Start (re)starts a stopped server with the same config, port and data.
func (d *DNS) Start() {
	d.t.Helper()
	d.proc, d.stop = start(d.t, d.dir, d.name, d.cmd())
	waitSOA(d.t, d, d.proc)
}

func (d *DNS) run(t testing.TB, dir, name string, cmd func() *exec.Cmd) *DNS {
	t.Helper()
	d.t, d.dir, d.name, d.cmd = t, dir, name, cmd
	d.Start()
	return d
}

func lookPath(t testing.TB, bin string) string {
	t.Helper()
	for _, dir := range []string{"", "/usr/sbin/", "/sbin/"} {
		if p, err := exec.LookPath(dir + bin); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found: %s", bin, hint)
	return ""
}

// FreePort returns a loopback port free for both TCP and UDP right now.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("cannot pick a port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		_ = l.Close()
		if err == nil {
			_ = u.Close()
			return port
		}
	}
	t.Fatal("cannot find a free TCP+UDP port")
	return 0
}

func secret(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func zoneFile(zone string) string {
	return fmt.Sprintf(`$ORIGIN %[1]s
$TTL 300
@ IN SOA ns1.%[1]s hostmaster.%[1]s 1 3600 600 86400 300
@ IN NS ns1.%[1]s
ns1 IN A 127.0.0.1
`, zone)
}

// start runs cmd, logs its output to dir/NAME.log and kills it by PID on
// cleanup (or when stop is called); the log is shown when the test failed.
func start(t testing.TB, dir, name string, cmd *exec.Cmd) (*exec.Cmd, func()) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
			_ = f.Close()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, tail(string(b), 4000))
		}
	})
	return cmd, stop
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitSOA polls until the server answers the zone's SOA over TCP.
func waitSOA(t testing.TB, d *DNS, cmd *exec.Cmd) {
	t.Helper()
	c := &mdns.Client{Net: "tcp", Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cmd.ProcessState != nil {
			break
		}
		m := new(mdns.Msg)
		m.SetQuestion(d.Zone, mdns.TypeSOA)
		if r, _, err := c.Exchange(m, d.Addr); err == nil && r.Rcode == mdns.RcodeSuccess && len(r.Answer) > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not serve %s on %s", d.Kind, d.Zone, d.Addr)
}

func newDNS(t testing.TB, kind, zone string) *DNS {
	skipShort(t)
	return &DNS{
		Kind: kind, Addr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), Zone: mdns.Fqdn(zone),
		KeyName: "homeplane-test.", Algo: "hmac-sha256", Secret: secret(t, 32),
	}
}

// BIND starts named serving zone.
func BIND(t testing.TB, zone string) *DNS {
	t.Helper()
	named := lookPath(t, "named")
	d := newDNS(t, "bind", zone)
	dir := t.TempDir()
	_, port, _ := net.SplitHostPort(d.Addr)
	write(t, filepath.Join(dir, "zone.db"), zoneFile(d.Zone))
	write(t, filepath.Join(dir, "named.conf"), fmt.Sprintf(`
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
  update-policy { grant %[3]s zonesub ANY; };
};
`, dir, port, d.KeyName, d.Algo, d.Secret, d.Zone))
	args := []string{"-c", filepath.Join(dir, "named.conf"), "-g", "-n", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	return d.run(t, dir, "named", func() *exec.Cmd { return exec.Command(named, args...) })
}

// Knot starts knotd serving zone.
func Knot(t testing.TB, zone string) *DNS {
	t.Helper()
	knotd := lookPath(t, "knotd")
	d := newDNS(t, "knot", zone)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(d.Addr)
	write(t, filepath.Join(dir, "zone.db"), zoneFile(d.Zone))
	write(t, filepath.Join(dir, "knot.conf"), fmt.Sprintf(`
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
`, dir, port, d.KeyName, d.Algo, d.Secret, d.Zone))
	return d.run(t, dir, "knotd", func() *exec.Cmd { return exec.Command(knotd, "-c", filepath.Join(dir, "knot.conf")) })
}

// PowerDNS starts pdns_server with the gsqlite3 backend, DNS UPDATE and the
// HTTP API enabled.
func PowerDNS(t testing.TB, zone string) *DNS {
	t.Helper()
	pdns := lookPath(t, "pdns_server")
	pdnsutil := lookPath(t, "pdnsutil")
	sqlite := lookPath(t, "sqlite3")
	schema := "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"
	if _, err := os.Stat(schema); err != nil {
		t.Fatalf("%s missing: %s", schema, hint)
	}
	d := newDNS(t, "powerdns", zone)
	dir := t.TempDir()
	_, port, _ := net.SplitHostPort(d.Addr)
	apiPort := FreePort(t)
	d.APIURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	d.APIKey = hex.EncodeToString(key)
	db := filepath.Join(dir, "pdns.db")
	if out, err := exec.Command(sqlite, db, ".read "+schema).CombinedOutput(); err != nil {
		t.Fatalf("cannot create pdns schema: %v: %s", err, out)
	}
	write(t, filepath.Join(dir, "pdns.conf"), fmt.Sprintf(`launch=gsqlite3
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
`, db, port, d.APIKey, apiPort, dir))
	write(t, filepath.Join(dir, "zone.db"), zoneFile(d.Zone))
	util := func(args ...string) {
		t.Helper()
		cmd := exec.Command(pdnsutil, append([]string{"--config-dir=" + dir}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pdnsutil %v: %v: %s", args, err, out)
		}
	}
	util("load-zone", d.Zone, filepath.Join(dir, "zone.db"))
	util("import-tsig-key", d.KeyName, d.Algo, d.Secret)
	util("set-meta", d.Zone, "TSIG-ALLOW-DNSUPDATE", d.KeyName)
	util("set-meta", d.Zone, "SOA-EDIT-DNSUPDATE", "INCREASE")
	return d.run(t, dir, "pdns_server", func() *exec.Cmd { return exec.Command(pdns, "--config-dir="+dir) })
}

// Hydra is a running Ory Hydra.
type Hydra struct {
	Issuer, PublicURL, AdminURL string
}

// HydraBinary is the pinned Hydra from the tools cache (internal/tools;
// `make provider-test-deps` builds it), or $HYDRA.
func HydraBinary(t testing.TB) string {
	t.Helper()
	return ToolPath(t, "hydra")
}

// StartHydra runs `hydra serve all --dev` with an in-memory database and
// dynamic client registration enabled.
func StartHydra(t testing.TB) *Hydra {
	t.Helper()
	skipShort(t)
	bin := HydraBinary(t)
	pub, adm := FreePort(t), FreePort(t)
	h := &Hydra{
		PublicURL: fmt.Sprintf("http://127.0.0.1:%d", pub),
		AdminURL:  fmt.Sprintf("http://127.0.0.1:%d", adm),
	}
	h.Issuer = h.PublicURL + "/"
	cmd := exec.Command(bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"URLS_SELF_ISSUER="+h.Issuer,
		"SECRETS_SYSTEM="+strings.Repeat("s", 8)+secret(t, 24),
		"SERVE_PUBLIC_PORT="+strconv.Itoa(pub), "SERVE_PUBLIC_HOST=127.0.0.1",
		"SERVE_ADMIN_PORT="+strconv.Itoa(adm), "SERVE_ADMIN_HOST=127.0.0.1",
		"OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true",
		// Hydra announces registration_endpoint in discovery only when told.
		"WEBFINGER_OIDC_DISCOVERY_CLIENT_REGISTRATION_URL="+h.PublicURL+"/oauth2/register",
		"LOG_LEVEL=warn",
	)
	_, _ = start(t, t.TempDir(), "hydra", cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.PublicURL+"/.well-known/openid-configuration", nil)
		if r, err := http.DefaultClient.Do(req); err == nil {
			_ = r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return h
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("hydra did not become ready")
	return nil
}

// Start runs cmd like the servers above: output to dir/NAME.log, shown when
// the test fails, killed by PID on cleanup or when stop is called.
func Start(t testing.TB, dir, name string, cmd *exec.Cmd) (stop func()) {
	t.Helper()
	_, stop = start(t, dir, name, cmd)
	return stop
}

// ToolPath finds the pinned tool name in the tools cache (internal/tools),
// or the binary its override variable names; a missing one fails the test
// with how to build it.
func ToolPath(t testing.TB, name string) string {
	t.Helper()
	skipShort(t)
	p, err := tools.New().Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// skipShort skips a test that needs a real server: `go test -short` runs the
// fast unit tests only.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real server; not with -short")
	}
}
