//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/homeplane/homeplane/fn/collabora"
)

// volumeBound waits until kube-controller-manager's persistentvolume-binder
// has bound the claim (to the volume the harness provisions for it).
func volumeBound(t *testing.T, pvc *unstructured.Unstructured) {
	t.Helper()
	err := poll(context.Background(), 60*time.Second, "PersistentVolumeClaim "+pvc.GetName()+" Bound", func() (bool, string, error) {
		cur, err := get(context.Background(), pvc)
		if err != nil {
			return false, "", err
		}
		phase, _, _ := unstructured.NestedString(cur.Object, "status", "phase")
		return phase == "Bound", "phase " + phase, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deploymentAvailable waits until the Deployment controller reports every
// replica updated and available: its ReplicaSet's pods were admitted,
// scheduled onto kwok's nodes and reported Ready by kwok.
func deploymentAvailable(t *testing.T, d *unstructured.Unstructured) {
	t.Helper()
	err := poll(context.Background(), 120*time.Second, "Deployment "+d.GetName()+" available", func() (bool, string, error) {
		cur := &appsv1.Deployment{}
		if err := env.c.Get(context.Background(), client.ObjectKey{Namespace: d.GetNamespace(), Name: d.GetName()}, cur); err != nil {
			return false, "", err
		}
		want := ptr.Deref(cur.Spec.Replicas, 1)
		st := cur.Status
		ok := st.ObservedGeneration == cur.Generation && st.UpdatedReplicas == want && st.AvailableReplicas == want && st.Replicas == want
		return ok, fmt.Sprintf("replicas %d updated %d available %d; %s", st.Replicas, st.UpdatedReplicas, st.AvailableReplicas, deploymentEvents(cur)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deploymentEvents tells why a Deployment's pods do not come up: the
// conditions of its ReplicaSets (e.g. FailedCreate from admission).
func deploymentEvents(d *appsv1.Deployment) string {
	var rss appsv1.ReplicaSetList
	if err := env.c.List(context.Background(), &rss, client.InNamespace(d.Namespace)); err != nil {
		return err.Error()
	}
	var out []string
	for _, rs := range rss.Items {
		for _, c := range rs.Status.Conditions {
			out = append(out, fmt.Sprintf("ReplicaSet %s %s: %s", rs.Name, c.Reason, c.Message))
		}
	}
	return strings.Join(out, "; ")
}

// configMapHasValue reports whether some key of a ConfigMap has value v.
func configMapHasValue(cm *unstructured.Unstructured, v string) bool {
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	for _, val := range data {
		if val == v {
			return true
		}
	}
	return false
}

// Scenario 3: a MatrixServer claim becomes a data volume, configuration,
// registration token, Deployment, Service, route and NetworkPolicies, and
// its hosts become A records in BIND through the provider; once the volume
// is bound and the homeserver available the claim is Ready; the generated
// registration token never changes across reconciles; deleting the claim
// removes the records from BIND.
func TestMatrixServerClaim(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "e2e-matrix")
	claim := createClaim(t, `
apiVersion: matrix.homeplane.dev/v1alpha1
kind: MatrixServer
metadata: {name: chat, namespace: `+ns+`}
spec:
  parameters:
    serverName: chat.homeplane.test
    host: matrix.chat.homeplane.test
    storage: 1Gi
    logLevel: warn
    dns:
      providerConfigRef: {name: bind}
      zone: homeplane.test
      target: 192.0.2.20
  writeConnectionSecretToRef: {name: chat-matrix}
`)
	pvc := waitComposed(t, claim, gvkPVC, 1)[0]
	deploy := waitComposed(t, claim, gvkDeployment, 1)[0]
	waitComposed(t, claim, gvkService, 1)
	waitComposed(t, claim, gvkConfigMap, 1)
	waitComposed(t, claim, gvkIngress, 1)
	secrets := waitComposed(t, claim, gvkSecret, 1)
	waitComposed(t, claim, gvkNetworkPolicy, 1)
	// One RecordSet per public host: the homeserver and the server name it
	// delegates from; the provider writes them into BIND.
	waitComposed(t, claim, gvkRecordSet, 2)
	hosts := []string{"matrix.chat." + testZone, "chat." + testZone}
	for _, h := range hosts {
		err := poll(ctx, 60*time.Second, h+" A 192.0.2.20 in BIND", func() (bool, string, error) {
			got := env.dns.Records(h, mdns.TypeA)
			return slices.Equal(got, []string{"192.0.2.20"}), fmt.Sprintf("%v", got), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// The real controllers bind the volume and bring the Deployment up.
	volumeBound(t, &pvc)
	deploymentAvailable(t, &deploy)
	waitCondition(t, claim, "Ready", "True", 90*time.Second)

	token := func() (conn, composedSecret string) {
		t.Helper()
		data, err := secretData(ctx, ns, "chat-matrix")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			d, err := secretData(ctx, s.GetNamespace(), s.GetName())
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := d["registrationToken"]; ok {
				composedSecret = string(v)
			}
		}
		return string(data["registrationToken"]), composedSecret
	}
	var first string
	err := poll(ctx, 30*time.Second, "registration token published", func() (bool, string, error) {
		c, s := token()
		first = c
		return c != "" && c == s, fmt.Sprintf("connection %q, composed %q", c, s), nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Force three full reconciles by changing the log level, each time
	// waiting until the change reached the composed configuration.
	for i, level := range []string{"info", "debug", "error"} {
		cur, err := get(ctx, claim)
		if err != nil {
			t.Fatal(err)
		}
		patch := client.MergeFrom(cur.DeepCopy())
		_ = unstructured.SetNestedField(cur.Object, level, "spec", "parameters", "logLevel")
		if err := env.c.Patch(ctx, cur, patch); err != nil {
			t.Fatal(err)
		}
		err = poll(ctx, 60*time.Second, fmt.Sprintf("reconcile %d (logLevel %s) reached the ConfigMap", i+1, level), func() (bool, string, error) {
			cms, err := composed(ctx, claim, gvkConfigMap, ns)
			if err != nil || len(cms) == 0 {
				return false, "no ConfigMap", err
			}
			return configMapHasValue(&cms[0], level), fmt.Sprintf("%v", cms[0].Object["data"]), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if c, s := token(); c != first || s != first {
			t.Fatalf("registration token changed on reconcile %d: was %q, now connection %q composed %q", i+1, first, c, s)
		}
	}

	// Deleting the claim deletes its RecordSets, and the provider removes
	// the records from BIND.
	if err := env.c.Delete(ctx, claim.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	waitGone(t, claim, 90*time.Second)
	for _, h := range hosts {
		err := poll(ctx, 90*time.Second, h+" removed from BIND", func() (bool, string, error) {
			got := env.dns.Records(h, mdns.TypeA)
			return len(got) == 0, fmt.Sprintf("%v", got), nil
		})
		if err != nil {
			t.Error(err)
		}
	}
}

// Scenario 4: a Collabora claim with 2 replicas gets an Ingress that hashes
// on WOPISrc (every request for a document reaches the same pod) and one
// that does not, for the stateless paths, a
// PodDisruptionBudget, NetworkPolicies and its host as an A record in BIND;
// its pods pass Pod Security admission at the baseline level (the default
// function input does not allow SYS_ADMIN); once the Deployment is available
// the claim is Ready.
func TestCollaboraClaim(t *testing.T) {
	ns := newNamespace(t, "e2e-collabora")
	// Pod Security admission enforces baseline in the claim's namespace.
	labelNamespace(t, ns, map[string]string{"pod-security.kubernetes.io/enforce": "baseline"})
	claim := createClaim(t, `
apiVersion: office.homeplane.dev/v1alpha1
kind: Collabora
metadata: {name: office, namespace: `+ns+`}
spec:
  parameters:
    host: office.homeplane.test
    wopiHosts: [https://cloud.homeplane.test]
    replicas: 2
    route:
      ingress: {className: nginx, controller: nginx}
    dns:
      providerConfigRef: {name: bind}
      zone: homeplane.test
      target: 192.0.2.30
  writeConnectionSecretToRef: {name: office-collabora}
`)
	deploy := waitComposed(t, claim, gvkDeployment, 1)[0]
	if r, _, _ := unstructured.NestedInt64(deploy.Object, "spec", "replicas"); r != 2 {
		t.Errorf("Deployment replicas = %d, want 2", r)
	}
	podAdmitted(t, &deploy)
	// Two Ingresses: documents hashed on WOPISrc, the stateless paths
	// (discovery, conversions) balanced through a second Service.
	ings := map[string]unstructured.Unstructured{}
	for _, in := range waitComposed(t, claim, gvkIngress, 2) {
		ings[in.GetName()] = in
	}
	sessions := ings["office-collabora"]
	if got := sessions.GetAnnotations()["nginx.ingress.kubernetes.io/upstream-hash-by"]; got != "$arg_WOPISrc" {
		t.Errorf("Ingress office-collabora upstream-hash-by = %q, want $arg_WOPISrc (annotations %v)", got, sessions.GetAnnotations())
	}
	anyIng, ok := ings["office-collabora-any"]
	if !ok {
		t.Fatalf("no Ingress office-collabora-any for the stateless paths among %v", slices.Collect(maps.Keys(ings)))
	}
	if got, hashed := anyIng.GetAnnotations()["nginx.ingress.kubernetes.io/upstream-hash-by"]; hashed {
		t.Errorf("Ingress office-collabora-any hashes on %q: the stateless paths must be balanced", got)
	}
	pdb := waitComposed(t, claim, gvkPDB, 1)[0]
	sel, _, _ := unstructured.NestedStringMap(pdb.Object, "spec", "selector", "matchLabels")
	podLabels, _, _ := unstructured.NestedStringMap(deploy.Object, "spec", "template", "metadata", "labels")
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("PodDisruptionBudget selects %s=%s, which the Deployment's pods do not carry (%v)", k, v, podLabels)
		}
	}
	if len(sel) == 0 {
		t.Error("PodDisruptionBudget selects nothing")
	}

	waitComposed(t, claim, gvkNetworkPolicy, 1)
	waitComposed(t, claim, gvkRecordSet, 1)
	err := poll(context.Background(), 60*time.Second, "office."+testZone+" A 192.0.2.30 in BIND", func() (bool, string, error) {
		got := env.dns.Records("office."+testZone, mdns.TypeA)
		return slices.Equal(got, []string{"192.0.2.30"}), fmt.Sprintf("%v", got), nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The ReplicaSet controller's pods are admitted under baseline, and the
	// disruption controller counts both as the budget's healthy pods.
	deploymentAvailable(t, &deploy)
	adminPathsBlocked(t, &sessions, 2)
	err = poll(context.Background(), 60*time.Second, "PodDisruptionBudget "+pdb.GetName()+" counts 2 healthy pods", func() (bool, string, error) {
		cur := &policyv1.PodDisruptionBudget{}
		if err := env.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: pdb.GetName()}, cur); err != nil {
			return false, "", err
		}
		return cur.Status.ExpectedPods == 2 && cur.Status.CurrentHealthy == 2,
			fmt.Sprintf("expected %d healthy %d allowed disruptions %d", cur.Status.ExpectedPods, cur.Status.CurrentHealthy, cur.Status.DisruptionsAllowed), nil
	})
	if err != nil {
		t.Error(err)
	}
	waitCondition(t, claim, "Ready", "True", 90*time.Second)
	data, err := secretData(context.Background(), ns, "office-collabora")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data["wopiUrl"]); got != "https://office.homeplane.test" {
		t.Errorf("connection wopiUrl = %q", got)
	}
}

// adminPathsBlocked resolves every admin path of a Collabora Ingress the way
// an ingress controller does: the backend's Service port, then the port of
// the same name in the EndpointSlices kube-controller-manager's endpointslice
// controller wrote. Each must lead to port 1 of the ready server pods, so that
// no controller drops the path for want of endpoints (and falls back to /,
// the console), and nothing listens where it leads.
func adminPathsBlocked(t *testing.T, in *unstructured.Unstructured, pods int) {
	t.Helper()
	ctx := context.Background()
	ing := &networkingv1.Ingress{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(in.Object, ing); err != nil {
		t.Fatal(err)
	}
	admin := map[string]networkingv1.IngressServiceBackend{}
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if slices.Contains(collabora.AdminPaths, p.Path) && p.Backend.Service != nil {
				admin[p.Path] = *p.Backend.Service
			}
		}
	}
	if len(admin) != len(collabora.AdminPaths) {
		t.Fatalf("Ingress %s routes admin paths %v, want all of %v", ing.Name, slices.Collect(maps.Keys(admin)), collabora.AdminPaths)
	}
	for path, b := range admin {
		svc := &corev1.Service{}
		if err := env.c.Get(ctx, client.ObjectKey{Namespace: ing.Namespace, Name: b.Name}, svc); err != nil {
			t.Fatalf("admin path %s: %v", path, err)
		}
		i := slices.IndexFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
			return sp.Port == b.Port.Number || (b.Port.Name != "" && sp.Name == b.Port.Name)
		})
		if i < 0 {
			t.Fatalf("admin path %s: Service %s has no port %v", path, b.Name, b.Port)
		}
		portName := svc.Spec.Ports[i].Name
		err := poll(ctx, 60*time.Second, fmt.Sprintf("admin path %s: endpoints of %s port %s", path, b.Name, portName), func() (bool, string, error) {
			list := &discoveryv1.EndpointSliceList{}
			if err := env.c.List(ctx, list, client.InNamespace(ing.Namespace), client.MatchingLabels{discoveryv1.LabelServiceName: b.Name}); err != nil {
				return false, "", err
			}
			var ports []int32
			ready := 0
			for _, es := range list.Items {
				for _, p := range es.Ports {
					if ptr.Deref(p.Name, "") == portName {
						ports = append(ports, ptr.Deref(p.Port, 0))
					}
				}
				for _, e := range es.Endpoints {
					if ptr.Deref(e.Conditions.Ready, false) {
						ready++
					}
				}
			}
			ok := ready == pods && len(ports) > 0 && !slices.ContainsFunc(ports, func(p int32) bool { return p != 1 })
			return ok, fmt.Sprintf("ready endpoints %d, target ports %v", ready, ports), nil
		})
		if err != nil {
			t.Error(err)
		}
	}
}

// labelNamespace adds labels to a namespace.
func labelNamespace(t *testing.T, name string, labels map[string]string) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{}
	if err := env.c.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(ns.DeepCopy())
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	maps.Copy(ns.Labels, labels)
	if err := env.c.Patch(ctx, ns, patch); err != nil {
		t.Fatal(err)
	}
}

// podAdmitted asks the API server's Pod Security admission whether a pod of
// the Deployment's template may run in its namespace (a server-side dry-run
// create: nothing is stored), and, as a control that the check can fail,
// that the same pod with SYS_ADMIN is refused. The pods the ReplicaSet
// controller creates meet the same admission (deploymentAvailable).
func podAdmitted(t *testing.T, deploy *unstructured.Unstructured) {
	t.Helper()
	tmpl, _, err := unstructured.NestedMap(deploy.Object, "spec", "template")
	if err != nil || tmpl == nil {
		t.Fatalf("Deployment has no pod template: %v", err)
	}
	pod := &corev1.Pod{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, pod); err != nil {
		t.Fatal(err)
	}
	pod.Name, pod.Namespace = deploy.GetName()+"-admission", deploy.GetNamespace()
	ctx := context.Background()
	if err := env.c.Create(ctx, pod.DeepCopy(), client.DryRunAll); err != nil {
		t.Errorf("Pod Security admission refuses the Deployment's pod: %v", err)
	}
	c := &pod.Spec.Containers[0]
	c.SecurityContext.Capabilities.Add = append(c.SecurityContext.Capabilities.Add, "SYS_ADMIN")
	err = env.c.Create(ctx, pod, client.DryRunAll)
	if err == nil || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("the pod with SYS_ADMIN: got %v, want Pod Security admission to refuse it (baseline)", err)
	}
}
