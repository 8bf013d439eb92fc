package testservers

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels of Spilo pods: the operator's, and the role Patroni sets.
const (
	labelApplication = "application"
	labelClusterName = "cluster-name"
	labelSpiloRole   = "spilo-role"
)

// operatorNamespace is where the operator's ConfigMap lives.
const operatorNamespace = "postgres-operator"

// PostgresOperatorOptions are what a platform admin may set beyond the
// harness's defaults.
type PostgresOperatorOptions struct {
	// Config holds further keys of the operator's ConfigMap (e.g. "workers":
	// the operator creates one cluster at a time per worker and keeps the
	// worker until its pods are Ready).
	Config map[string]string
	// Args are more flags of the operator (e.g. -kubeqps and -kubeburst, the
	// rate limit of its one Kubernetes client: 10 requests a second, bursts
	// of 20, by default, shared by every worker).
	Args []string
}

// PostgresOperator runs the Zalando postgres-operator out of cluster
// against cp with its built-in defaults: a ConfigMap that names only
// api_port (moved off 8080, where Crossplane's RBAC manager serves metrics)
// and opts' keys, and opts' flags; everything else, load balancers included, is what the
// operator's code defaults to, as in a careless install. It watches every
// namespace, without access to databases (no PostgreSQL runs in kwok's
// pods) or a teams API, and restarts the operator once if its first start
// exits after registering its CRD, which v1.15.1 does.
//
// Until ctx ends it also plays the one act of Patroni, inside the Spilo
// image, that the operator waits for: once every pod of a cluster is Ready,
// it labels the lowest ordinal spilo-role=master and the others
// spilo-role=replica. Nothing else of Spilo is played.
func (g *Group) PostgresOperator(ctx context.Context, cp *ControlPlane, bin string, opts PostgresOperatorOptions, logf func(string, ...any)) error {
	start := time.Now()
	ports, err := FreePorts(1)
	if err != nil {
		return err
	}
	data := map[string]string{"api_port": strconv.Itoa(ports[0])}
	for k, v := range opts.Config {
		data[k] = v
	}
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: "postgres-operator"},
			Data: data},
	} {
		if err := cp.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("cannot create the operator's %T: %w", o, err)
		}
	}
	env := []string{"WATCHED_NAMESPACE=*", "OPERATOR_NAMESPACE=" + operatorNamespace,
		"CONFIG_MAP_NAME=" + operatorNamespace + "/postgres-operator"}
	args := append([]string{"-outofcluster", "-kubeconfig=" + cp.Kubeconfig, "-nodatabaseaccess", "-noteamsapi"}, opts.Args...)
	p, err := g.Run("postgres-operator", env, bin, args...)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(p.Tail(1<<20), "started working in background") {
		if p.Exited() {
			if p, err = g.Run("postgres-operator", env, bin, args...); err != nil {
				return err
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	go playPatroni(ctx, cp, logf)
	g.phase("postgres-operator up", start)
	return nil
}

// playPatroni labels the pods of each Spilo cluster with their roles once
// all are Ready, as Patroni does after its leader election.
func playPatroni(ctx context.Context, cp *ControlPlane, logf func(string, ...any)) {
	pods := cp.watchFor(ctx, &corev1.Pod{}, labels.SelectorFromSet(labels.Set{labelApplication: "spilo"}), func(f string, a ...any) { logf("patroni: "+f, a...) })
	if pods == nil {
		return
	}
	for ctx.Err() == nil {
		if err := labelRoles(ctx, pods, cp.Client); err != nil && ctx.Err() == nil {
			logf("patroni: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// labelRoles labels the pods of each cluster in r (a watch of Spilo pods)
// through c.
func labelRoles(ctx context.Context, r client.Reader, c client.Client) error {
	var pods corev1.PodList
	if err := r.List(ctx, &pods); err != nil {
		return err
	}
	clusters := map[string][]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		k := p.Namespace + "/" + p.Labels[labelClusterName]
		clusters[k] = append(clusters[k], p)
	}
	for k, ps := range clusters {
		labelled, ready := false, true
		for _, p := range ps {
			labelled = labelled || p.Labels[labelSpiloRole] != ""
			ready = ready && podReady(p)
		}
		if labelled || !ready {
			continue
		}
		sort.Slice(ps, func(i, j int) bool { return ordinal(ps[i].Name) < ordinal(ps[j].Name) })
		for i, p := range ps {
			role := "replica"
			if i == 0 {
				role = "master"
			}
			patch := client.MergeFrom(p.DeepCopy())
			p.Labels[labelSpiloRole] = role
			if err := c.Patch(ctx, p, patch); err != nil {
				return fmt.Errorf("cannot label %s pod %s %s: %w", k, p.Name, role, err)
			}
		}
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// ordinal is a StatefulSet pod's ordinal, the number after its last dash.
func ordinal(name string) int {
	n, _ := strconv.Atoi(name[strings.LastIndex(name, "-")+1:])
	return n
}
