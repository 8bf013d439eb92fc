//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// The provider, installed from its package and run against this control
// plane, writes a RecordSet into BIND and removes it on delete. (The claims'
// DNS records go through the same path once the Compositions compose
// RecordSets.)
func TestProviderRecordSetInBIND(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-dns")
	rs := obj("dns.homeplane.dev/v1alpha1", "RecordSet", ns, "www", map[string]any{
		"providerConfigRef": map[string]any{"kind": "ClusterProviderConfig", "name": "bind"},
		"forProvider": map[string]any{
			"zone": testZone, "name": "www", "type": "A", "ttl": int64(120),
			"records": []any{"192.0.2.10"},
		},
	})
	if err := env.c.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	fqdn := "www." + testZone
	waitCondition(t, rs, "Synced", "True", 60*time.Second)
	waitCondition(t, rs, "Ready", "True", 60*time.Second)
	err := poll(ctx, 30*time.Second, fqdn+" A in BIND", func() (bool, string, error) {
		got := env.dns.Records(fqdn, mdns.TypeA)
		return slices.Equal(got, []string{"192.0.2.10"}), fmt.Sprintf("%v", got), nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if err := env.c.Delete(ctx, rs.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	waitGone(t, rs, 60*time.Second)
	if got := env.dns.Records(fqdn, mdns.TypeA); len(got) != 0 {
		t.Errorf("%s A still in BIND after delete: %v", fqdn, got)
	}
}
