package wiring

// Composes the DNS records of an app's public hosts as Homeplane
// provider RecordSets: one per host, of type A, AAAA or CNAME depending on the
// target, plus any extra records the app needs (e.g. Matrix SRV records).

import (
	"fmt"
	"net"
	"sort"
	"strings"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	dnsv1alpha1 "github.com/homeplane/homeplane/apis/dns/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

func init() {
	utilruntime.Must(dnsv1alpha1.AddToScheme(composed.Scheme))
}

// ConditionDNS is the claim condition that reports the app's DNS records.
const ConditionDNS = "DNS"

// Error strings.
const (
	errHostNotInZone = "host %q is not in zone %q"
	errApexCNAME     = "target %q is a host name, which needs a CNAME record, and %q is the zone apex where a CNAME is not allowed: use an IP address"
	errBadTarget     = "target %q is neither an IP address nor a valid host name"
	errBadZone       = "zone %q is not a valid DNS name"
)

// ExtraRecord is an additional record set of the app, e.g. an SRV record.
type ExtraRecord struct {
	// Name is the owner name, absolute (e.g. _matrix._tcp.example.org).
	Name    string
	Type    dnsv1alpha1.RecordType
	Records []string
}

// record is one composed RecordSet.
type record struct {
	Name   resource.Name
	Object *dnsv1alpha1.RecordSet
	// Ready is whether the provider reports the record set Ready.
	Ready bool
}

// composeRecords returns a RecordSet for every host (deduplicated, sorted) and every
// extra record, in the claim's namespace. field is the claim path of the dns
// block (e.g. spec.parameters.dns), used in errors.
func composeRecords(req *compose.Request, field string, d common.DNS, hosts []string, extras ...ExtraRecord) ([]record, error) {
	zone := strings.TrimSuffix(strings.ToLower(d.Zone), ".")
	if errs := validation.IsDNS1123Subdomain(zone); len(errs) > 0 {
		return nil, compose.InvalidField(field+".zone", errBadZone, d.Zone)
	}
	typ, target, err := targetRecord(d.Target)
	if err != nil {
		return nil, compose.InvalidField(field+".target", "%v", err)
	}

	sets := map[string]ExtraRecord{}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if typ == dnsv1alpha1.RecordType("CNAME") && h == zone {
			return nil, compose.InvalidField(field+".target", errApexCNAME, d.Target, h)
		}
		sets[h+"/"+string(typ)] = ExtraRecord{Name: h, Type: typ, Records: []string{target}}
	}
	for _, e := range extras {
		e.Name = strings.TrimSuffix(strings.ToLower(e.Name), ".")
		sets[e.Name+"/"+string(e.Type)] = e
	}
	keys := make([]string, 0, len(sets))
	for k := range sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	out := make([]record, 0, len(keys))
	for _, k := range keys {
		e := sets[k]
		rel, err := relative(e.Name, zone)
		if err != nil {
			return nil, compose.InvalidField(field+".zone", "%v", err)
		}
		name := compose.DNSLabel("dns", e.Name, string(e.Type))
		rs := &dnsv1alpha1.RecordSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: dnsv1alpha1.SchemeGroupVersion.String(), Kind: dnsv1alpha1.RecordSetKind},
			ObjectMeta: req.ObjectMeta(compose.DNSLabel(req.ClaimName, e.Name, string(e.Type)), "dns", "record"),
			Spec: dnsv1alpha1.RecordSetSpec{
				ManagedResourceSpec: xpv2.ManagedResourceSpec{
					ProviderConfigReference: &xpv2.ProviderConfigReference{Name: d.ProviderConfigRef.Name, Kind: d.ProviderConfigRef.KindOrDefault()},
				},
				ForProvider: dnsv1alpha1.RecordSetParameters{Zone: zone, Name: rel, Type: e.Type, Records: append([]string(nil), e.Records...)},
			},
		}
		out = append(out, record{Name: resource.Name(name), Object: rs, Ready: req.ObservedConditionOf(name, "Ready").True()})
	}
	return out, nil
}

// addRecords adds the records to a result, with their readiness, and sets the DNS
// condition: a person reading the claim sees which record is not ready and why.
func addRecords(req *compose.Request, res *compose.Result, records []record) {
	var waiting []string
	for _, r := range records {
		ready := resource.ReadyFalse
		if r.Ready {
			ready = resource.ReadyTrue
		}
		res.Add(r.Name, r.Object, ready)
		if !r.Ready {
			fqdn := r.Object.Spec.ForProvider.Name + "." + r.Object.Spec.ForProvider.Zone
			if r.Object.Spec.ForProvider.Name == "@" {
				fqdn = r.Object.Spec.ForProvider.Zone
			}
			w := fmt.Sprintf("%s %s", fqdn, r.Object.Spec.ForProvider.Type)
			if c := req.ObservedConditionOf(string(r.Name), "Synced"); c.Exists && c.Status == "False" && c.Message != "" {
				w += " (" + c.Message + ")"
			}
			waiting = append(waiting, w)
		}
	}
	if len(records) == 0 {
		return
	}
	if len(waiting) == 0 {
		msg := fmt.Sprintf("%d DNS record sets are published", len(records))
		if len(records) == 1 {
			msg = "The DNS record set is published"
		}
		res.SetCondition(compose.Condition{Type: ConditionDNS, Status: metav1.ConditionTrue, Reason: "Available", Message: msg})
		return
	}
	res.SetCondition(compose.Condition{Type: ConditionDNS, Status: metav1.ConditionFalse, Reason: "Creating",
		Message: "DNS records not ready: " + strings.Join(waiting, ", ")})
}

// targetRecord picks the record type for a target.
func targetRecord(target string) (dnsv1alpha1.RecordType, string, error) {
	if ip := net.ParseIP(target); ip != nil {
		if ip.To4() != nil {
			return "A", ip.String(), nil
		}
		return "AAAA", ip.String(), nil
	}
	t := strings.TrimSuffix(strings.ToLower(target), ".")
	if errs := validation.IsDNS1123Subdomain(t); len(errs) > 0 || !strings.Contains(t, ".") {
		return "", "", fmt.Errorf(errBadTarget, target)
	}
	return "CNAME", t + ".", nil
}

// relative returns name relative to zone ("@" for the apex).
func relative(name, zone string) (string, error) {
	if name == zone {
		return "@", nil
	}
	if rel, ok := strings.CutSuffix(name, "."+zone); ok && rel != "" {
		return rel, nil
	}
	return "", fmt.Errorf(errHostNotInZone, name, zone)
}
