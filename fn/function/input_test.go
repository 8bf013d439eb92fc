package function

import (
	"context"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// TestInput sends the examples with function inputs: the platform admin's
// policy reaches the composers, and an invalid input is a Fatal that says so.
func TestInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		kind   string
		input  string
		// cluster is the data.policy of the cluster policy, when it exists.
		cluster string
		// wantFatal is a substring of the Fatal result; empty means none.
		wantFatal string
	}{
		"None": {
			reason: "Without input the safe defaults apply: the example's official image is allowed.",
			kind:   "collabora",
		},
		"Invalid": {
			reason:    "An input that is not valid is a Fatal naming its field, before anything is composed.",
			kind:      "collabora",
			input:     `{"apiVersion": "fn.homeplane.dev/v1alpha1", "kind": "Input", "policy": {"images": {"allowedRepositories": ["Not A Repo"]}}}`,
			wantFatal: "invalid function input (the Composition's pipeline step): policy.images.allowedRepositories[0]",
		},
		"RepositoriesNarrowed": {
			reason:    "An admin who allows only a mirror refuses the example's Docker Hub image.",
			kind:      "collabora",
			input:     `{"apiVersion": "fn.homeplane.dev/v1alpha1", "kind": "Input", "policy": {"images": {"allowedRepositories": ["registry.example.org/mirror/collabora/code"]}}}`,
			wantFatal: "spec.parameters.image: Forbidden",
		},
		"ClusterPolicyBinds": {
			reason:    "The cluster policy binds whichever Composition a claim selects: a permissive Composition input does not help.",
			kind:      "matrixserver",
			input:     `{"apiVersion": "fn.homeplane.dev/v1alpha1", "kind": "Input", "policy": {}}`,
			cluster:   `{"hosts": {"allowed": [{"suffix": "{namespace}.apps.example.org"}]}}`,
			wantFatal: "spec.parameters.serverName: Forbidden",
		},
		"ClusterPolicyAllows": {
			reason:  "The cluster policy replaces the Composition's input: what it allows is allowed.",
			kind:    "collabora",
			input:   `{"apiVersion": "fn.homeplane.dev/v1alpha1", "kind": "Input", "policy": {"images": {"allowedRepositories": ["registry.example.org/mirror/collabora/code"]}}}`,
			cluster: `{"images": {"allowedRepositories": ["docker.io/collabora/code"]}}`,
		},
		"ClusterPolicyMisspelt": {
			reason:    "A misspelt knob in the cluster policy is a Fatal, not a silent default.",
			kind:      "collabora",
			cluster:   `{"host": {"allowed": [{"suffix": "example.org"}]}}`,
			wantFatal: `invalid cluster policy (EnvironmentConfig homeplane-policy): json: unknown field "host"`,
		},
		"InputOfAnotherKind": {
			reason:    "An input that is not a Homeplane Input is refused rather than read as one.",
			kind:      "collabora",
			input:     `{"apiVersion": "example.org/v1", "kind": "Other", "policy": {}}`,
			wantFatal: "invalid function input",
		},
		"HostsNarrowed": {
			reason:    "An admin who gives each namespace its own subdomain refuses the example's host.",
			kind:      "matrixserver",
			input:     `{"apiVersion": "fn.homeplane.dev/v1alpha1", "kind": "Input", "policy": {"hosts": {"allowed": [{"suffix": "{namespace}.apps.example.org"}]}}}`,
			wantFatal: "spec.parameters.serverName: Forbidden",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := exampleRequest(t, tc.kind)
			if tc.input != "" {
				req.Input = resource.MustStructJSON(tc.input)
			}
			if tc.cluster != "" {
				req.RequiredResources = map[string]*fnv1.Resources{RequirementPolicy: {Items: []*fnv1.Resource{{Resource: resource.MustStructJSON(
					`{"apiVersion": "apiextensions.crossplane.io/v1beta1", "kind": "EnvironmentConfig", "metadata": {"name": "homeplane-policy"}, "data": {"policy": ` + tc.cluster + `}}`)}}}}
			}
			rsp, err := New(logging.NewNopLogger(), WithRand(seed())).RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			var fatal string
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
					fatal = r.GetMessage()
				}
			}
			switch {
			case tc.wantFatal == "" && fatal != "":
				t.Errorf("%s\nRunFunction(...): unexpected Fatal %q", tc.reason, fatal)
			case tc.wantFatal != "" && !strings.Contains(fatal, tc.wantFatal):
				t.Errorf("%s\nRunFunction(...): Fatal %q, want one containing %q", tc.reason, fatal, tc.wantFatal)
			}
		})
	}
}
