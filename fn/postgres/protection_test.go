package postgres

import (
	"testing"

	"github.com/homeplane/homeplane/fn/compose"
)

func TestProtectionOff(t *testing.T) {
	if u := protection(&compose.Request{ClaimName: "a", Namespace: "b"}, &params{Cluster: "t-a"}); u != nil {
		t.Errorf("protection(off): want no Usages, got %v", u)
	}
}
