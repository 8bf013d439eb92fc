package function

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
)

var testKind = schema.GroupVersionKind{Group: "test.homeplane.dev", Version: "v1alpha1", Kind: "XTest"}

const testXR = `{
	"apiVersion": "test.homeplane.dev/v1alpha1",
	"kind": "XTest",
	"metadata": {"name": "x-1", "labels": {"crossplane.io/claim-name": "x", "crossplane.io/claim-namespace": "team"}},
	"spec": {"parameters": {"size": 3}}
}`

type testSpec struct {
	Spec struct {
		Parameters struct {
			Size int32 `json:"size"`
		} `json:"parameters"`
	} `json:"spec"`
}

// circuitOpen is Crossplane's Responsive condition of a watch circuit that
// opened at t.
func circuitOpen(t time.Time) string {
	return `{"type": "Responsive", "status": "False", "reason": "WatchCircuitOpen", "lastTransitionTime": "` + t.UTC().Format(time.RFC3339) +
		`", "message": "Too many watch events from Deployment/x (team). Allowing events periodically."}`
}

// withConditions adds status conditions (JSON objects) to a composite.
func withConditions(xr string, conditions ...string) string {
	return strings.TrimSuffix(strings.TrimSpace(xr), "}") + `, "status": {"conditions": [` + strings.Join(conditions, ", ") + `]}}`
}

func newRequest(xr string) *fnv1.RunFunctionRequest {
	return &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "hello"},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xr)}},
	}
}

func fatal(msg string) *fnv1.RunFunctionResponse {
	return &fnv1.RunFunctionResponse{
		Meta:    &fnv1.ResponseMeta{Tag: "hello", Ttl: durationpb.New(ResponseTTL)},
		Results: []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_FATAL, Message: msg, Target: fnv1.Target_TARGET_COMPOSITE.Enum()}},
	}
}

// policyRequirement asks for the platform admin's cluster policy, on every
// response once the claim is known.
var policyRequirement = &fnv1.ResourceSelector{ApiVersion: "apiextensions.crossplane.io/v1beta1", Kind: "EnvironmentConfig",
	Match: &fnv1.ResourceSelector_MatchName{MatchName: "homeplane-policy"}}

// withPolicyRequirement adds the cluster policy requirement to a response.
func withPolicyRequirement(r *fnv1.RunFunctionResponse) *fnv1.RunFunctionResponse {
	if r.Requirements == nil {
		r.Requirements = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{}}
	}
	r.Requirements.Resources["homeplane-policy"] = policyRequirement
	return r
}

func TestRunFunction(t *testing.T) {
	decoding := compose.ComposerFunc(func(_ context.Context, req *compose.Request) (*compose.Result, error) {
		s := &testSpec{}
		if err := req.Decode(s); err != nil {
			return nil, err
		}
		res := compose.NewResult()
		res.Add("config", &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: req.ObjectMeta(req.ClaimName, "test", ""),
		}, resource.ReadyTrue)
		res.ConnectionDetails["password"] = []byte("s3cret")
		res.Status = map[string]string{"phase": "Running"}
		res.SetCondition(compose.Condition{Type: "Database", Status: metav1.ConditionFalse, Reason: "Creating", Message: "waiting"})
		res.SetCondition(compose.Condition{Type: "Database", Status: metav1.ConditionTrue, Reason: "Available"})
		res.Requirements["credentials"] = compose.Requirement{APIVersion: "v1", Kind: "Secret", Namespace: req.Namespace, Name: "creds"}
		res.Events = append(res.Events, compose.Event{Severity: compose.SeverityWarning, Reason: "Slow", Message: "slow disk"})
		return res, nil
	})
	failing := compose.ComposerFunc(func(context.Context, *compose.Request) (*compose.Result, error) {
		return nil, errors.New("boom")
	})

	cases := map[string]struct {
		reason   string
		composer compose.Composer
		xr       string
		want     *fnv1.RunFunctionResponse
	}{
		"UnknownKind": {
			reason: "A composite of a kind no composer handles is a Fatal result naming the kind.",
			xr:     `{"apiVersion": "other.example.org/v1", "kind": "XOther", "metadata": {"name": "o"}}`,
			want:   fatal("unsupported composite kind XOther.other.example.org: Homeplane composes XTest.test.homeplane.dev"),
		},
		"UnknownVersion": {
			reason: "A composite of an unserved version is a Fatal result.",
			xr:     `{"apiVersion": "test.homeplane.dev/v9", "kind": "XTest", "metadata": {"name": "o"}}`,
			want:   fatal("unsupported version v9 of XTest.test.homeplane.dev: Homeplane serves v1alpha1"),
		},
		"NoClaim": {
			reason: "A composite without a claim has no namespace for its resources.",
			xr:     `{"apiVersion": "test.homeplane.dev/v1alpha1", "kind": "XTest", "metadata": {"name": "o"}}`,
			want:   fatal(`XTest "o" has no claim: Homeplane composites are created through a claim (label crossplane.io/claim-namespace is missing)`),
		},
		"WrongFieldType": {
			reason:   "A field of the wrong type is a Fatal result naming the field.",
			composer: decoding,
			xr:       `{"apiVersion": "test.homeplane.dev/v1alpha1", "kind": "XTest", "metadata": {"name": "x-1", "labels": {"crossplane.io/claim-namespace": "team"}}, "spec": {"parameters": {"size": "three"}}}`,
			want:     withPolicyRequirement(fatal(`cannot compose XTest "x-1": spec.parameters.size: cannot be a string, must be an integer`)),
		},
		"ComposerError": {
			reason:   "A composer's error is a Fatal result, not a gRPC error.",
			composer: failing,
			xr:       testXR,
			want:     withPolicyRequirement(fatal(`cannot compose XTest "x-1": boom`)),
		},
		"CircuitOpen": {
			reason:   "While Crossplane's watch circuit breaker for the composite is open, the response lives 30 s: the breaker drops watch events, so the TTL is what catches a change.",
			composer: failing,
			xr:       withConditions(testXR, circuitOpen(time.Now().Add(-time.Minute))),
			want: withPolicyRequirement(func() *fnv1.RunFunctionResponse {
				r := fatal(`cannot compose XTest "x-1": boom`)
				r.Meta.Ttl = durationpb.New(CircuitOpenTTL)
				return r
			}()),
		},
		"CircuitOpenLongAgo": {
			reason:   "A circuit that opened longer ago than the breaker's cooldown lets every event through again, even while its condition stays: the 10-minute TTL.",
			composer: failing,
			xr:       withConditions(testXR, circuitOpen(time.Now().Add(-10*time.Minute))),
			want:     withPolicyRequirement(fatal(`cannot compose XTest "x-1": boom`)),
		},
		"UnresponsiveForAnotherReason": {
			reason:   "Responsive False for a reason other than an open watch circuit keeps the 10-minute TTL.",
			composer: failing,
			xr:       withConditions(testXR, `{"type": "Responsive", "status": "False", "reason": "SomethingElse", "lastTransitionTime": "`+time.Now().UTC().Format(time.RFC3339)+`"}`),
			want:     withPolicyRequirement(fatal(`cannot compose XTest "x-1": boom`)),
		},
		"CircuitClosed": {
			reason:   "A closed circuit (Responsive True) keeps the 10-minute TTL.",
			composer: failing,
			xr:       withConditions(testXR, `{"type": "Responsive", "status": "True", "reason": "WatchCircuitClosed"}`),
			want:     withPolicyRequirement(fatal(`cannot compose XTest "x-1": boom`)),
		},
		"Composed": {
			reason:   "A composer's result becomes desired resources, status, connection details, conditions, results and requirements.",
			composer: decoding,
			xr:       testXR,
			want: &fnv1.RunFunctionResponse{
				Meta: &fnv1.ResponseMeta{Tag: "hello", Ttl: durationpb.New(ResponseTTL)},
				Desired: &fnv1.State{
					Composite: &fnv1.Resource{
						Resource:          resource.MustStructJSON(`{"status": {"phase": "Running"}}`),
						ConnectionDetails: map[string][]byte{"password": []byte("s3cret")},
					},
					Resources: map[string]*fnv1.Resource{
						"config": {
							Resource: resource.MustStructJSON(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "team",
								"labels": {"app.kubernetes.io/name": "test", "app.kubernetes.io/instance": "x", "app.kubernetes.io/managed-by": "homeplane"}}}`),
							Ready: fnv1.Ready_READY_TRUE,
						},
					},
				},
				Conditions: []*fnv1.Condition{{Type: "Database", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Available", Target: fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()}},
				Results:    []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_WARNING, Message: "slow disk", Reason: ptr.To("Slow"), Target: fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()}},
				Requirements: &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
					"credentials":      {ApiVersion: "v1", Kind: "Secret", Match: &fnv1.ResourceSelector_MatchName{MatchName: "creds"}, Namespace: ptr.To("team")},
					"homeplane-policy": policyRequirement,
				}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opts := []Option{WithoutComposers()}
			c := tc.composer
			if c == nil {
				c = decoding
			}
			opts = append(opts, WithComposer(testKind, c))
			f := New(logging.NewNopLogger(), opts...)
			rsp, err := f.RunFunction(context.Background(), newRequest(tc.xr))
			if err != nil {
				t.Fatalf("%s\nRunFunction(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, rsp, protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
