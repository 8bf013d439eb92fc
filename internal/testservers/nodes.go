package testservers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// NodeBinaries are the programs that place and run pods without a kubelet:
// kube-scheduler binds pods to nodes, kwok plays the nodes and their pods'
// lifecycle (Running, Ready, deleted) as its Stages say.
type NodeBinaries struct {
	Scheduler, Kwok string
	// Stages are files of kwok Stage objects (kwok's module ships them
	// under kustomize/stage).
	Stages []string
}

// Nodes starts kube-scheduler and kwok against cp, registers n Nodes (named
// node-0 …) for kwok to run, and waits until each is Ready and untainted.
func (g *Group) Nodes(ctx context.Context, cp *ControlPlane, bins NodeBinaries, n int) error {
	start := time.Now()
	dir, err := g.dir("kwok")
	if err != nil {
		return err
	}
	var stages []string
	for _, f := range bins.Stages {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("cannot read kwok stages: %w", err)
		}
		stages = append(stages, string(b))
	}
	config := filepath.Join(dir, "stages.yaml")
	if err := os.WriteFile(config, []byte(strings.Join(stages, "\n---\n")), 0o600); err != nil {
		return err
	}
	if _, err := g.Run("kube-scheduler", nil, bins.Scheduler,
		"--kubeconfig="+cp.Kubeconfig, "--authentication-kubeconfig="+cp.Kubeconfig, "--authorization-kubeconfig="+cp.Kubeconfig,
		"--leader-elect=false", "--secure-port=0", "--v=0"); err != nil {
		return err
	}
	if _, err := g.Run("kwok", nil, bins.Kwok,
		"--kubeconfig="+cp.Kubeconfig, "--config="+config,
		"--manage-all-nodes=true", "--cidr=10.244.0.0/16", "--node-ip=127.0.0.1"); err != nil {
		return err
	}
	for i := range n {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:   fmt.Sprintf("node-%d", i),
				Labels: map[string]string{corev1.LabelHostname: fmt.Sprintf("node-%d", i), "type": "kwok"},
			},
			Status: corev1.NodeStatus{
				// Room for make scale's 1000 claims (Collabora asks for
				// 1.8 CPU each): capacity is kwok's to pretend, so the
				// scheduler is never what saturates.
				Capacity:    corev1.ResourceList{"cpu": resource.MustParse("1000"), "memory": resource.MustParse("4Ti"), "pods": resource.MustParse("2000")},
				Allocatable: corev1.ResourceList{"cpu": resource.MustParse("1000"), "memory": resource.MustParse("4Ti"), "pods": resource.MustParse("2000")},
			},
		}
		if err := cp.Client.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("cannot register node %s: %w", node.Name, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		ready, why, err := nodesReady(ctx, cp.Client, n)
		if err != nil {
			return err
		}
		if ready {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nodes not ready: %s", why)
		case <-time.After(500 * time.Millisecond):
		}
	}
	g.phase("kwok nodes ready", start)
	return nil
}

// nodesReady reports whether n nodes are Ready and schedulable.
func nodesReady(ctx context.Context, c client.Client, n int) (bool, string, error) {
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes); err != nil {
		return false, "", err
	}
	ready := 0
	var why []string
	for _, node := range nodes.Items {
		ok := false
		for _, cond := range node.Status.Conditions {
			ok = ok || cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue
		}
		for _, taint := range node.Spec.Taints {
			ok = false
			why = append(why, node.Name+" tainted "+taint.Key)
		}
		if ok {
			ready++
		}
	}
	return ready >= n, fmt.Sprintf("%d of %d ready %v", ready, n, why), nil
}

// VolumeProvisioner is the provisioner name of the storage classes and
// volumes ProvisionVolumes creates.
const VolumeProvisioner = "e2e.homeplane.dev/volume-provisioner"

// ProvisionVolumes plays a dynamic volume provisioner until ctx ends: for
// every pending PersistentVolumeClaim without a volume it creates a
// PersistentVolume of the claim's class, size and access modes, bound in
// advance to the claim (claimRef), as external-provisioner does; the
// persistentvolume-binder of kube-controller-manager then binds the claim.
// The volumes are hostPath placeholders that nothing mounts (kwok runs no
// containers) and are Retained: the harness never deletes data it did not
// create. It watches claims rather than listing them from the API server.
// A storage class a claim names that does not exist is created
// (Immediate binding, this provisioner's name), as a cluster that offers it
// would have it; without it the scheduler holds the claim's pods as
// unresolvable.
func (cp *ControlPlane) ProvisionVolumes(ctx context.Context, logf func(string, ...any)) {
	pvcReader := cp.watchFor(ctx, &corev1.PersistentVolumeClaim{}, nil, func(f string, a ...any) { logf("volume provisioner: "+f, a...) })
	if pvcReader == nil {
		return
	}
	made := map[string]bool{}
	for ctx.Err() == nil {
		var pvcs corev1.PersistentVolumeClaimList
		if err := pvcReader.List(ctx, &pvcs); err != nil {
			if ctx.Err() == nil {
				logf("volume provisioner: %v", err)
			}
		}
		for _, pvc := range pvcs.Items {
			if pvc.Spec.VolumeName != "" || pvc.Status.Phase != corev1.ClaimPending || made[string(pvc.UID)] || pvc.DeletionTimestamp != nil {
				continue
			}
			if c := pvc.Spec.StorageClassName; c != nil && *c != "" {
				sc := &storagev1.StorageClass{
					ObjectMeta:        metav1.ObjectMeta{Name: *c},
					Provisioner:       VolumeProvisioner,
					ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimRetain),
					VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
				}
				if err := cp.Client.Create(ctx, sc); err != nil && !apierrors.IsAlreadyExists(err) {
					logf("volume provisioner: cannot create storage class %s: %v", *c, err)
				}
			}
			pv := volumeFor(&pvc)
			if err := cp.Client.Create(ctx, pv); err != nil && !apierrors.IsAlreadyExists(err) {
				logf("volume provisioner: cannot create %s for %s/%s: %v", pv.Name, pvc.Namespace, pvc.Name, err)
				continue
			}
			made[string(pvc.UID)] = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// volumeFor is the PersistentVolume a provisioner would create for pvc.
func volumeFor(pvc *corev1.PersistentVolumeClaim) *corev1.PersistentVolume {
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	hostPath := corev1.HostPathDirectoryOrCreate
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pvc-" + string(pvc.UID), Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": VolumeProvisioner}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   modes,
			StorageClassName:              class,
			VolumeMode:                    pvc.Spec.VolumeMode,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			ClaimRef:                      &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/nonexistent/" + string(pvc.UID), Type: &hostPath}},
		},
	}
}
