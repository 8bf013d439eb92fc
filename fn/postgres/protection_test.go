package postgres

import (
	"testing"

	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/wiring"
)

func TestProtectionOff(t *testing.T) {
	req := &compose.Request{ClaimName: "a", Namespace: "b"}
	w, err := wiring.Plan(req, wiring.Exposure{App: App, Protection: protection(req, &params{Cluster: "t-a"})})
	if err != nil {
		t.Fatal(err)
	}
	res := compose.NewResult()
	w.Apply(res)
	if len(res.Resources) != 0 {
		t.Errorf("protection(off): want no Usages, got %v", res.Resources)
	}
	if len(res.Conditions) != 1 || res.Conditions[0].Type != wiring.ConditionDeletionProtection || res.Conditions[0].Status != "False" {
		t.Errorf("protection(off): want DeletionProtection False, got %v", res.Conditions)
	}
}
