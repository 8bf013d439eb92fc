package testservers

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A restart under the same name gets a log of its own, Stop stops every
// process, and Tails still shows them all afterwards (for a failure report).
func TestGroupRunStopTails(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	g, err := NewGroup(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var ps []*Process
	for _, word := range []string{"first", "second"} {
		p, err := g.Run("server", nil, sh, "-c", "echo "+word+"; exec sleep 60")
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
		// Stop must not win the race against the echo.
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.Tail(100), word) && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if ps[0].Name != "server" || ps[1].Name != "server-2" {
		t.Errorf("names %q, %q; want server, server-2", ps[0].Name, ps[1].Name)
	}
	g.Stop()
	for _, p := range ps {
		if !p.Exited() {
			t.Errorf("%s still runs after Stop", p.Name)
		}
	}
	tails := g.Tails(100)
	for _, want := range []string{"----- server (", "first", "----- server-2 (", "second"} {
		if !strings.Contains(tails, want) {
			t.Errorf("Tails lacks %q:\n%s", want, tails)
		}
	}
}

func TestFreePortsDistinct(t *testing.T) {
	ports, err := FreePorts(20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Fatalf("port %d handed out twice: %v", p, ports)
		}
		seen[p] = true
	}
}

// A certificate the CA issues verifies for 127.0.0.1, as servers and
// clients on loopback use it; ParseCA reads a CA back from PEM.
func TestCAIssue(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue("server", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	// The CA read back from PEM (SEC 1 key) issues certificates that verify.
	sec1, err := x509.MarshalECPrivateKey(ca.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseCA(ca.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	if err != nil {
		t.Fatal(err)
	}
	leafPEM, leafKey, err := again.Issue("leaf")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := tls.X509KeyPair(leafPEM, leafKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
		t.Errorf("certificate of the CA read back: %v", err)
	}
}
