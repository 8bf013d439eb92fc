package postgres

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// TestDerivedNamesAtTheLimit builds every derived name for the longest
// cluster name allowed, with the deriver's longest additions, and asks
// apimachinery's validation whether the API server would take it; one
// character more must be refused by checkDerivedNames.
func TestDerivedNamesAtTheLimit(t *testing.T) {
	limit := bindingName().maxCluster()
	if limit != 52 {
		t.Errorf("binding limit %d (%s), want 52: the StatefulSet revision label, <cluster>-<10-character hash>", limit, bindingName().Object)
	}
	cluster := "a" + strings.Repeat("b", limit-2) + "c"
	role := strings.Repeat("r", 63)
	for _, d := range derivedNames {
		name := strings.ReplaceAll(d.Form, "<cluster>", cluster)
		name = strings.ReplaceAll(name, "<role>", role)
		// The deriver's additions: a hash or an ordinal, digits at worst.
		if !strings.Contains(d.Form, "<role>") {
			name += strings.Repeat("9", d.Extra)
		}
		if len(name) > d.Limit {
			t.Errorf("%s: %q has %d characters, over %d", d.Object, name, len(name), d.Limit)
		}
		var errs []string
		switch d.Limit {
		case limitLabel, maxClusterNameLength:
			errs = append(validation.IsDNS1035Label(strings.TrimRight(name, "-")), validation.IsValidLabelValue(name)...)
		case limitSubdomain:
			errs = validation.IsDNS1123Subdomain(name)
		default:
			t.Fatalf("%s: limit %d has no check here", d.Object, d.Limit)
		}
		if len(errs) > 0 {
			t.Errorf("%s: %q: %v", d.Object, name, errs)
		}
	}
	if err := checkDerivedNames(cluster, "a"); err != nil {
		t.Errorf("checkDerivedNames(%d characters): %v", len(cluster), err)
	}
	if err := checkDerivedNames(cluster+"d", "a"); err == nil || !strings.Contains(err.Error(), "controller-revision-hash") {
		t.Errorf("checkDerivedNames(%d characters) = %v, want the revision label named", len(cluster)+1, err)
	}
}

// TestPoolerNameFitsItsLabel is the reported case: with the pooler on, a
// cluster name the operator accepts (58) gave a 65-character label value.
func TestPoolerNameFitsItsLabel(t *testing.T) {
	for _, n := range []int{53, 56, 57, 58} {
		cluster := "a" + strings.Repeat("b", n-1)
		if err := checkDerivedNames(cluster, "a"); err == nil {
			t.Errorf("a %d-character cluster name is accepted, but %q is %d characters", n, cluster+"-pooler", n+len("-pooler"))
		}
	}
}
