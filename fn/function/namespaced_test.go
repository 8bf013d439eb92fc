package function

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/homeplane/homeplane/fn/compose"
)

var testNamespacedKind = schema.GroupVersionKind{Group: "test.ns.homeplane.dev", Version: "v1alpha1", Kind: "Test"}

// namespacedXR is a namespaced composite whose labels name another
// namespace and claim, as a tenant may write them.
func namespacedXR(spec string) string {
	return `{"apiVersion": "test.ns.homeplane.dev/v1alpha1", "kind": "Test",
		"metadata": {"name": "x", "namespace": "team", "uid": "u-1",
			"labels": {"crossplane.io/claim-name": "other", "crossplane.io/claim-namespace": "kube-system"}},
		"spec": ` + spec + `}`
}

func TestRunFunctionNamespaced(t *testing.T) {
	// seen records what the composer was asked for.
	var seen compose.Request
	composer := func(secretName string) compose.Composer {
		return compose.ComposerFunc(func(_ context.Context, req *compose.Request) (*compose.Result, error) {
			seen = *req
			res := compose.NewResult()
			res.Add("config", &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: req.ObjectMeta(req.ClaimName, "test", "")}, resource.ReadyTrue)
			if secretName != "" {
				res.Add("app-secret", &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: req.ObjectMeta(secretName, "test", "")}, resource.ReadyTrue)
			}
			res.ConnectionDetails["password"] = []byte("s3cret")
			res.SetCondition(compose.Condition{Type: "Database", Status: metav1.ConditionTrue, Reason: "Available"})
			return res, nil
		})
	}
	secret := func(name string) *fnv1.Resource {
		return &fnv1.Resource{
			Resource: resource.MustStructJSON(`{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
				"metadata": {"name": "` + name + `", "namespace": "team", "labels": {"app.kubernetes.io/instance": "x", "app.kubernetes.io/managed-by": "homeplane", "app.kubernetes.io/component": "connection"}},
				"data": {"password": "` + base64.StdEncoding.EncodeToString([]byte("s3cret")) + `"}}`),
			Ready: fnv1.Ready_READY_TRUE,
		}
	}
	cases := map[string]struct {
		reason    string
		xr        string
		appSecret string
		// wantSecret is the connection Secret composed; wantFatal a
		// substring of the Fatal result instead.
		wantSecret, wantFatal string
	}{
		"DefaultSecretName": {
			reason:     "Without spec.writeConnectionSecretToRef the connection details go to <name>-connection, in the composite's own namespace whatever its labels say.",
			xr:         namespacedXR(`{"parameters": {}}`),
			wantSecret: "x-connection",
		},
		"NamedSecret": {
			reason:     "spec.writeConnectionSecretToRef.name names the connection Secret.",
			xr:         namespacedXR(`{"parameters": {}, "writeConnectionSecretToRef": {"name": "db-creds"}}`),
			wantSecret: "db-creds",
		},
		"BadSecretName": {
			reason:    "A name that is no Secret name is a Fatal result naming the field.",
			xr:        namespacedXR(`{"writeConnectionSecretToRef": {"name": "../kube-system/x"}}`),
			wantFatal: `invalid Test "x": spec.writeConnectionSecretToRef.name: Invalid value: "../kube-system/x"`,
		},
		"WrongType": {
			reason:    "A reference of the wrong type is a Fatal result naming the field.",
			xr:        namespacedXR(`{"writeConnectionSecretToRef": "db-creds"}`),
			wantFatal: `invalid Test "x": spec.writeConnectionSecretToRef: cannot be a string, must be an object`,
		},
		"Clash": {
			reason:    "A name one of the composite's own Secrets has is a Fatal result: two desired objects would fight over it.",
			xr:        namespacedXR(`{"writeConnectionSecretToRef": {"name": "app"}}`),
			appSecret: "app",
			wantFatal: `spec.writeConnectionSecretToRef.name "app" is already composed as app-secret`,
		},
		"NoNamespace": {
			reason:    "A namespaced kind without a namespace has nowhere to compose into.",
			xr:        `{"apiVersion": "test.ns.homeplane.dev/v1alpha1", "kind": "Test", "metadata": {"name": "x", "labels": {"crossplane.io/claim-namespace": "team"}}, "spec": {}}`,
			wantFatal: `Test "x" has no metadata.namespace`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			seen = compose.Request{}
			f := New(logging.NewNopLogger(), WithoutComposers(), WithNamespacedComposer(testNamespacedKind, composer(tc.appSecret)))
			rsp, err := f.RunFunction(context.Background(), newRequest(tc.xr))
			if err != nil {
				t.Fatalf("%s\nRunFunction: %v", tc.reason, err)
			}
			if tc.wantFatal != "" {
				if msg := fatalMessage(rsp); !strings.Contains(msg, tc.wantFatal) {
					t.Errorf("%s\nFatal %q, want one containing %q", tc.reason, msg, tc.wantFatal)
				}
				if strings.Contains(fatalMessage(rsp), "s3cret") {
					t.Errorf("%s\nthe Fatal result holds a connection detail", tc.reason)
				}
				return
			}
			if hasFatal(rsp) {
				t.Fatalf("%s\nFatal: %s", tc.reason, fatalMessage(rsp))
			}
			if seen.Namespace != "team" || seen.ClaimName != "x" || !seen.Namespaced() {
				t.Errorf("%s\ncomposer got %s/%s (namespaced %v), want team/x from metadata, labels ignored", tc.reason, seen.Namespace, seen.ClaimName, seen.Namespaced())
			}
			if got := seen.Subject(); got != "this composite" {
				t.Errorf("%s\nSubject: %q, want messages about this composite", tc.reason, got)
			}
			if got := seen.ClaimKind(schema.GroupVersionKind{Kind: "Claim"}); got != testNamespacedKind {
				t.Errorf("%s\nClaimKind: %v, want the composite's own %v", tc.reason, got, testNamespacedKind)
			}
			if diff := cmp.Diff(secret(tc.wantSecret), rsp.GetDesired().GetResources()[ResourceConnectionSecret], protocmp.Transform()); diff != "" {
				t.Errorf("%s\nconnection Secret: -want, +got:\n%s", tc.reason, diff)
			}
			if cd := rsp.GetDesired().GetComposite().GetConnectionDetails(); len(cd) != 0 {
				t.Errorf("%s\ncomposite connection details %v: Crossplane v2 ignores them, want none", tc.reason, cd)
			}
			if got := rsp.GetDesired().GetResources()["config"].GetResource().AsMap()["metadata"].(map[string]any)["namespace"]; got != "team" {
				t.Errorf("%s\ncomposed into namespace %v, want team", tc.reason, got)
			}
		})
	}
}

// TestLegacyIgnoresNamespacedRules: a claim's composite keeps its
// connection details on the composite (Crossplane writes the claim's
// Secret) and gets no composed connection Secret.
func TestLegacyIgnoresNamespacedRules(t *testing.T) {
	f := New(logging.NewNopLogger(), WithoutComposers(), WithComposer(testKind, compose.ComposerFunc(func(_ context.Context, _ *compose.Request) (*compose.Result, error) {
		res := compose.NewResult()
		res.ConnectionDetails["password"] = []byte("s3cret")
		return res, nil
	})))
	rsp, err := f.RunFunction(context.Background(), newRequest(testXR))
	if err != nil || hasFatal(rsp) {
		t.Fatalf("RunFunction: %v %s", err, fatalMessage(rsp))
	}
	if _, ok := rsp.GetDesired().GetResources()[ResourceConnectionSecret]; ok {
		t.Error("a claim's composite got a composed connection Secret")
	}
	if got := string(rsp.GetDesired().GetComposite().GetConnectionDetails()["password"]); got != "s3cret" {
		t.Errorf("composite connection detail password = %q, want it kept for the claim's Secret", got)
	}
}

// TestNamespacedConnectionKeys: the connection Secret of every namespaced
// example holds only keys that the claim flavour's XRD lets Crossplane
// publish to a claim (connectionSecretKeys), and at least one: the two
// flavours give an app the same connection details.
func TestNamespacedConnectionKeys(t *testing.T) {
	for _, a := range Apps() {
		t.Run(a.Name(), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "package", "configuration", "xrds", strings.ToLower(a.Kind.Kind)+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var xrd struct {
				Spec struct {
					ConnectionSecretKeys []string `json:"connectionSecretKeys"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(b, &xrd); err != nil {
				t.Fatal(err)
			}
			req := steadyRequest(t, a.Name()+namespacedExample)
			rsp, err := New(logging.NewNopLogger(), WithRand(seed())).RunFunction(context.Background(), req)
			if err != nil || hasFatal(rsp) {
				t.Fatalf("RunFunction: %v %s", err, fatalMessage(rsp))
			}
			s := rsp.GetDesired().GetResources()[ResourceConnectionSecret].GetResource().AsMap()
			data, _ := s["data"].(map[string]any)
			if len(data) == 0 && a.Name() != "postgresql" {
				// PostgreSQL publishes once the operator's Secret exists
				// (examples/postgresql/namespaced-ready renders that).
				t.Errorf("connection Secret has no data")
			}
			for k := range data {
				if !slices.Contains(xrd.Spec.ConnectionSecretKeys, k) {
					t.Errorf("connection Secret key %q is not one of the claim flavour's %v", k, xrd.Spec.ConnectionSecretKeys)
				}
			}
		})
	}
}
