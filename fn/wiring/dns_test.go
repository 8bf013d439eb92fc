package wiring

import (
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func rs(objName, zone, name string, typ dnsv1alpha1.RecordType, records ...string) *dnsv1alpha1.RecordSet {
	return &dnsv1alpha1.RecordSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "dns.homeplane.dev/v1alpha1", Kind: "RecordSet"},
		ObjectMeta: metav1.ObjectMeta{Name: objName, Namespace: "chat", Labels: map[string]string{
			"app.kubernetes.io/name": "dns", "app.kubernetes.io/instance": "chat", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "record",
		}},
		Spec: dnsv1alpha1.RecordSetSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: &xpv2.ProviderConfigReference{Name: "bind", Kind: "ClusterProviderConfig"}},
			ForProvider:         dnsv1alpha1.RecordSetParameters{Zone: zone, Name: name, Type: typ, Records: records},
		},
	}
}

func TestComposeRecords(t *testing.T) {
	dnsIP := common.DNS{ProviderConfigRef: common.ProviderConfigReference{Name: "bind"}, Zone: "example.org", Target: "192.0.2.10"}
	cases := map[string]struct {
		reason  string
		dns     common.DNS
		hosts   []string
		extras  []ExtraRecord
		want    []record
		wantErr string
	}{
		"IPv4TargetAndApex": {
			reason: "An IPv4 target gives A records; the apex is written @; duplicate hosts collapse.",
			dns:    dnsIP,
			hosts:  []string{"matrix.example.org", "example.org", "matrix.example.org"},
			want: []record{
				{Name: "dns-example-org-a", Object: rs("chat-example-org-a", "example.org", "@", "A", "192.0.2.10")},
				{Name: "dns-matrix-example-org-a", Object: rs("chat-matrix-example-org-a", "example.org", "matrix", "A", "192.0.2.10")},
			},
		},
		"IPv6Target": {
			reason: "An IPv6 target gives an AAAA record.",
			dns:    common.DNS{ProviderConfigRef: common.ProviderConfigReference{Name: "bind"}, Zone: "example.org.", Target: "2001:db8::1"},
			hosts:  []string{"office.example.org"},
			want:   []record{{Name: "dns-office-example-org-aaaa", Object: rs("chat-office-example-org-aaaa", "example.org", "office", "AAAA", "2001:db8::1")}},
		},
		"CNAMETargetWithSRV": {
			reason: "A host name target gives a CNAME with a trailing dot; extra records are added.",
			dns:    common.DNS{ProviderConfigRef: common.ProviderConfigReference{Name: "bind"}, Zone: "example.org", Target: "lb.example.net"},
			hosts:  []string{"matrix.example.org"},
			extras: []ExtraRecord{{Name: "_matrix._tcp.example.org", Type: "SRV", Records: []string{"10 0 443 matrix.example.org."}}},
			want: []record{
				{Name: "dns-matrix-tcp-example-org-srv", Object: rs("chat-matrix-tcp-example-org-srv", "example.org", "_matrix._tcp", "SRV", "10 0 443 matrix.example.org.")},
				{Name: "dns-matrix-example-org-cname", Object: rs("chat-matrix-example-org-cname", "example.org", "matrix", "CNAME", "lb.example.net.")},
			},
		},
		"CNAMEAtApex": {
			reason:  "A CNAME at the zone apex is rejected, naming the field.",
			dns:     common.DNS{Zone: "example.org", Target: "lb.example.net"},
			hosts:   []string{"example.org"},
			wantErr: `spec.parameters.dns.target: target "lb.example.net" is a host name, which needs a CNAME record, and "example.org" is the zone apex where a CNAME is not allowed: use an IP address`,
		},
		"HostOutsideZone": {
			reason:  "A host outside the zone is rejected.",
			dns:     dnsIP,
			hosts:   []string{"matrix.example.com"},
			wantErr: `spec.parameters.dns.zone: host "matrix.example.com" is not in zone "example.org"`,
		},
		"BadTarget": {
			reason:  "A target that is neither an IP nor a host name is rejected.",
			dns:     common.DNS{Zone: "example.org", Target: "not a host"},
			hosts:   []string{"a.example.org"},
			wantErr: `spec.parameters.dns.target: target "not a host" is neither an IP address nor a valid host name`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &compose.Request{ClaimName: "chat", Namespace: "chat"}
			got, err := composeRecords(req, "spec.parameters.dns", tc.dns, tc.hosts, tc.extras...)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("%s\nCompose(...): got error %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nCompose(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func observed(name string, conds ...any) map[resource.Name]resource.ObservedComposed {
	return map[resource.Name]resource.ObservedComposed{resource.Name(name): {Resource: &composed.Unstructured{Unstructured: unstructured.Unstructured{
		Object: map[string]any{"status": map[string]any{"conditions": conds}},
	}}}}
}

func TestAddRecords(t *testing.T) {
	d := common.DNS{ProviderConfigRef: common.ProviderConfigReference{Name: "bind"}, Zone: "example.org", Target: "192.0.2.10"}
	cases := map[string]struct {
		observed  map[resource.Name]resource.ObservedComposed
		wantReady resource.Ready
		want      compose.Condition
	}{
		"NotObservedYet": {
			wantReady: resource.ReadyFalse,
			want:      compose.Condition{Type: "DNS", Status: "False", Reason: "Creating", Message: "DNS records not ready: matrix.example.org A"},
		},
		"SyncError": {
			observed: observed("dns-matrix-example-org-a",
				map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "cannot update record: NOTAUTH"}),
			wantReady: resource.ReadyFalse,
			want:      compose.Condition{Type: "DNS", Status: "False", Reason: "Creating", Message: "DNS records not ready: matrix.example.org A (cannot update record: NOTAUTH)"},
		},
		"Ready": {
			observed:  observed("dns-matrix-example-org-a", map[string]any{"type": "Ready", "status": "True", "reason": "Available"}),
			wantReady: resource.ReadyTrue,
			want:      compose.Condition{Type: "DNS", Status: "True", Reason: "Available", Message: "The DNS record set is published"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &compose.Request{ClaimName: "chat", Namespace: "chat", Observed: tc.observed}
			records, err := composeRecords(req, "spec.parameters.dns", d, []string{"matrix.example.org"})
			if err != nil {
				t.Fatal(err)
			}
			res := compose.NewResult()
			addRecords(req, res, records)
			if got := res.Resources["dns-matrix-example-org-a"].Ready; got != tc.wantReady {
				t.Errorf("addRecords(...): ready %q, want %q", got, tc.wantReady)
			}
			if diff := cmp.Diff([]compose.Condition{tc.want}, res.Conditions); diff != "" {
				t.Errorf("addRecords(...): -want, +got:\n%s", diff)
			}
		})
	}
}
