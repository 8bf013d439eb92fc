package compose

import (
	"github.com/crossplane/function-sdk-go/resource"
)

// ObservedCondition is a status condition of an observed composed resource.
type ObservedCondition struct {
	// Exists is false when the resource is not observed yet.
	Exists  bool
	Status  string
	Reason  string
	Message string
}

// True reports whether the resource exists and the condition is True.
func (c ObservedCondition) True() bool { return c.Exists && c.Status == "True" }

// ObservedConditionOf returns condition typ (e.g. Ready, Synced) of the
// observed composed resource name, as Crossplane managed resources and
// Crossplane's own objects report it in status.conditions.
func (r *Request) ObservedConditionOf(name, typ string) ObservedCondition {
	oc, ok := r.Observed[resource.Name(name)]
	if !ok || oc.Resource == nil {
		return ObservedCondition{}
	}
	out := ObservedCondition{Exists: true, Status: "Unknown"}
	var conds []struct {
		Type    string `json:"type"`
		Status  string `json:"status"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	if err := oc.Resource.GetValueInto("status.conditions", &conds); err != nil {
		return out
	}
	for _, c := range conds {
		if c.Type == typ {
			out.Status, out.Reason, out.Message = c.Status, c.Reason, c.Message
		}
	}
	return out
}
