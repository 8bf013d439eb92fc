package matrix

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/apis/matrix/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// Snapshots and restores of the data volume, as CSI VolumeSnapshots
// (snapshot.storage.k8s.io/v1, typed by the external-snapshotter's client
// module). Every VolumeSnapshot is in the claim's namespace, and so is every
// one the function reads: a PVC's dataSource has no namespace, and the
// restore's source is looked up in the claim's namespace by a name derived
// from a claim name (no '/' or '.' gets through the API).

func init() {
	// composed.From needs the kind to set apiVersion and kind.
	utilruntime.Must(snapshotv1.AddToScheme(composed.Scheme))
}

// ConditionSnapshots says which VolumeSnapshots of the data volume are ready
// to use, and which entries are refused and why.
const ConditionSnapshots = "Snapshots"

// ComponentSnapshot labels the VolumeSnapshots.
const ComponentSnapshot = "snapshot"

// Composition resource names and requirement names: <prefix><entry name>.
const (
	ResourceSnapshotPrefix    = "snapshot-"
	requirementSnapshotPrefix = "snapshot-"
	// RequirementRestoreSource is the VolumeSnapshot a restore reads.
	RequirementRestoreSource = "restore-source"
)

// Annotations a VolumeSnapshot carries from when it was taken, so that a
// restore can refuse data the new homeserver cannot use. They are copied from
// the observed VolumeSnapshot afterwards: a later change of the claim (e.g.
// conduit to tuwunel) does not rewrite what the snapshot holds.
const (
	AnnotationServerName     = "matrix.homeplane.dev/server-name"
	AnnotationDatabase       = "matrix.homeplane.dev/database"
	AnnotationImplementation = "matrix.homeplane.dev/implementation"
)

// Field paths.
const (
	fieldSnapshots      = "spec.parameters.snapshots"
	fieldRestore        = "spec.parameters.restore"
	fieldDatabase       = "spec.parameters.database"
	fieldImplementation = "spec.parameters.implementation"
)

// Error strings.
const (
	errRestoreSelf    = "names this claim: a restore seeds a new claim's volume from another claim's snapshot"
	errNotDataVolume  = "VolumeSnapshot %s/%s is a snapshot of PersistentVolumeClaim %q, not of claim %s's data volume %q"
	errNotTaken       = "VolumeSnapshot %s/%s has no %s annotation: it was not taken by Homeplane for a MatrixServer, so what it holds is unknown"
	errOtherServer    = "must be %q, the server name of the homeserver snapshot %s/%s was taken of: Matrix IDs in its database are bound to it"
	errOtherDatabase  = "must be %q, the database engine of the snapshot %s/%s: another engine would start empty"
	errOtherImpl      = "cannot be %q for a snapshot of a %s homeserver (%s/%s): only conduit to tuwunel migrates a database"
	errSnapshotBigger = "must be at least %s, the size of the volume snapshot %s/%s restores"
)

// Snapshot names the VolumeSnapshot of the data volume for snapshot entry
// entry: <claim>-matrix-data.<entry>. VolumeSnapshot names are DNS
// subdomains; claim and entry names have no dot, so the dot makes the name
// injective over (claim, entry): with a dash, claim a's entry
// x-matrix-data-y and claim a-matrix-data-x's entry y would share one.
func (n names) Snapshot(entry string) string { return n.PVC() + "." + entry }

// snapshotState is what one entry came to.
type snapshotState struct {
	name    string
	ready   bool
	pending string
	taken   bool
}

// addSnapshots composes a VolumeSnapshot per entry of p.Snapshots and sets the
// Snapshots condition.
//
// Never delete a VolumeSnapshot this claim did not create: Crossplane adopts
// an existing object without a controller when it composes one of that name,
// and deletes it when the entry goes. So an entry whose VolumeSnapshot is not
// observed as this composite's is composed only once Crossplane has looked
// its name up (a requirement) and found nothing, or found one this composite
// controls; a name another object holds is left alone and reported.
func addSnapshots(req *compose.Request, p *params, res *compose.Result) error {
	n := namesFor(req.ClaimName)
	states := make([]snapshotState, 0, len(p.Snapshots))
	for i, s := range p.Snapshots {
		st := snapshotState{name: n.Snapshot(s.Name)}
		rn := ResourceSnapshotPrefix + s.Name
		observed := &snapshotv1.VolumeSnapshot{}
		ours, err := req.ObservedInto(rn, observed)
		if err != nil {
			return err
		}
		if !ours {
			rq := requirementSnapshotPrefix + s.Name
			res.Requirements[rq] = compose.Requirement{
				APIVersion: snapshotv1.SchemeGroupVersion.String(), Kind: "VolumeSnapshot", Namespace: req.Namespace, Name: st.name,
			}
			existing := &snapshotv1.VolumeSnapshot{}
			found, err := req.RequiredInto(rq, existing)
			switch {
			case err != nil:
				return err
			case !req.RequiredResolved(rq):
				st.pending = "looking up its name"
				states = append(states, st)
				continue
			case found && !controlledBy(existing.OwnerReferences, string(req.Composite.GetUID())):
				st.taken = true
				st.pending = fmt.Sprintf("%s[%d].name", fieldSnapshots, i)
				states = append(states, st)
				continue
			case found:
				observed, ours = existing, true
			}
		}
		vs := volumeSnapshot(req, p, n, s)
		if ours {
			for _, k := range []string{AnnotationServerName, AnnotationDatabase, AnnotationImplementation} {
				if v, ok := observed.Annotations[k]; ok {
					vs.Annotations[k] = v
				}
			}
			st.ready, st.pending = snapshotReady(observed)
		} else {
			st.pending = "being created"
		}
		res.Add(resource.Name(rn), vs, resource.ReadyTrue)
		states = append(states, st)
	}
	res.SetCondition(snapshotsCondition(req.Namespace, states))
	return nil
}

// volumeSnapshot returns the VolumeSnapshot of entry s, annotated with what
// the homeserver is now.
func volumeSnapshot(req *compose.Request, p *params, n names, s v1alpha1.Snapshot) *snapshotv1.VolumeSnapshot {
	meta := req.ObjectMeta(n.Snapshot(s.Name), App, ComponentSnapshot)
	meta.Annotations = map[string]string{
		AnnotationServerName:     p.ServerName,
		AnnotationDatabase:       string(p.Database),
		AnnotationImplementation: string(p.Implementation),
	}
	vs := &snapshotv1.VolumeSnapshot{
		TypeMeta:   metav1.TypeMeta{APIVersion: snapshotv1.SchemeGroupVersion.String(), Kind: "VolumeSnapshot"},
		ObjectMeta: meta,
		Spec:       snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(n.PVC())}},
	}
	if s.VolumeSnapshotClassName != "" {
		vs.Spec.VolumeSnapshotClassName = ptr.To(s.VolumeSnapshotClassName)
	}
	return vs
}

// snapshotReady reports whether vs is ready to use, and if not why, in words.
func snapshotReady(vs *snapshotv1.VolumeSnapshot) (bool, string) {
	st := vs.Status
	switch {
	case st == nil:
		return false, "not yet taken"
	case st.ReadyToUse != nil && *st.ReadyToUse:
		return true, ""
	case st.Error != nil && st.Error.Message != nil:
		return false, *st.Error.Message
	default:
		return false, "not yet ready to use"
	}
}

// controlledBy reports whether refs name uid as controller.
func controlledBy(refs []metav1.OwnerReference, uid string) bool {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller && string(r.UID) == uid && uid != "" {
			return true
		}
	}
	return false
}

// snapshotsCondition sums the entries up: refused names first, then those
// not ready, else all ready; Disabled without entries, so a condition from
// before the list was emptied does not linger.
func snapshotsCondition(ns string, states []snapshotState) compose.Condition {
	if len(states) == 0 {
		return compose.Condition{Type: ConditionSnapshots, Status: metav1.ConditionFalse, Reason: "Disabled",
			Message: "No VolumeSnapshot of the data volume is composed: list them in " + fieldSnapshots}
	}
	var taken, pending, ready []string
	for _, s := range states {
		switch {
		case s.taken:
			taken = append(taken, fmt.Sprintf("%s/%s (%s)", ns, s.name, s.pending))
		case !s.ready:
			pending = append(pending, fmt.Sprintf("%s (%s)", s.name, s.pending))
		default:
			ready = append(ready, s.name)
		}
	}
	switch {
	case len(taken) > 0:
		return compose.Condition{Type: ConditionSnapshots, Status: metav1.ConditionFalse, Reason: "NameTaken",
			Message: "VolumeSnapshots that exist but were not created by this claim are left alone, never adopted or deleted: " + strings.Join(taken, ", ") + "; give those entries other names"}
	case len(pending) > 0:
		return compose.Condition{Type: ConditionSnapshots, Status: metav1.ConditionFalse, Reason: "Creating",
			Message: "VolumeSnapshots not ready to use: " + strings.Join(pending, ", ")}
	default:
		return compose.Condition{Type: ConditionSnapshots, Status: metav1.ConditionTrue, Reason: "Available",
			Message: "VolumeSnapshots ready to use: " + strings.Join(ready, ", ")}
	}
}

// restoreSource returns the dataSource that seeds a data volume being
// created from p.Restore's snapshot, or what the volume waits for. Nil and ""
// when there is nothing to restore: no restore, or the volume exists (a
// PVC's dataSource only matters at creation; PVC keeps the observed one).
//
// The snapshot is read (a requirement in the claim's namespace) and refused,
// with an error naming the claim field at fault, when it is not a snapshot of
// fromClaim's data volume, was taken of a homeserver with another server name
// or database engine, or of an implementation this claim's cannot migrate
// from, or restores more than storage.
func restoreSource(req *compose.Request, p *params, res *compose.Result) (*corev1.TypedLocalObjectReference, string, error) {
	r := p.Restore
	if r == nil {
		return nil, "", nil
	}
	if exists, err := req.ObservedInto(ResourceData, &corev1.PersistentVolumeClaim{}); err != nil || exists {
		return nil, "", err
	}
	src := namesFor(r.FromClaim)
	name := src.Snapshot(r.Snapshot)
	res.Requirements[RequirementRestoreSource] = compose.Requirement{
		APIVersion: snapshotv1.SchemeGroupVersion.String(), Kind: "VolumeSnapshot", Namespace: req.Namespace, Name: name,
	}
	vs := &snapshotv1.VolumeSnapshot{}
	found, err := req.RequiredInto(RequirementRestoreSource, vs)
	if err != nil {
		return nil, "", err
	}
	where := fmt.Sprintf("VolumeSnapshot %s/%s (%s)", req.Namespace, name, fieldRestore)
	if !found {
		return nil, where + " to exist", nil
	}
	if got := ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, ""); got != src.PVC() {
		return nil, "", compose.InvalidField(fieldRestore+".snapshot", errNotDataVolume, req.Namespace, name, got, r.FromClaim, src.PVC())
	}
	server, ok := vs.Annotations[AnnotationServerName]
	if !ok {
		return nil, "", compose.InvalidField(fieldRestore+".snapshot", errNotTaken, req.Namespace, name, AnnotationServerName)
	}
	if server != p.ServerName {
		return nil, "", compose.InvalidField(fieldServerName, errOtherServer, server, req.Namespace, name)
	}
	if db := vs.Annotations[AnnotationDatabase]; db != string(p.Database) {
		return nil, "", compose.InvalidField(fieldDatabase, errOtherDatabase, db, req.Namespace, name)
	}
	impl := v1alpha1.Implementation(vs.Annotations[AnnotationImplementation])
	if impl != p.Implementation && (impl != v1alpha1.ImplementationConduit || p.Implementation != v1alpha1.ImplementationTuwunel) {
		return nil, "", compose.InvalidField(fieldImplementation, errOtherImpl, p.Implementation, impl, req.Namespace, name)
	}
	if ready, why := snapshotReady(vs); !ready {
		return nil, fmt.Sprintf("%s to be ready to use (%s)", where, why), nil
	}
	if size := vs.Status.RestoreSize; size != nil && size.Cmp(p.Storage) > 0 {
		return nil, "", compose.InvalidField(fieldStorage, errSnapshotBigger, size.String(), req.Namespace, name)
	}
	return &corev1.TypedLocalObjectReference{APIGroup: ptr.To(snapshotv1.GroupName), Kind: "VolumeSnapshot", Name: name}, "", nil
}
