package matrix

import (
	"context"
	"slices"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/homeplane/homeplane/fn/compose"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

// wantSnapshot is the VolumeSnapshot of entry of claim chat, taken of a
// conduit homeserver of example.org.
func wantSnapshot(entry, class string) *snapshotv1.VolumeSnapshot {
	m := meta("chat-matrix-data."+entry, "snapshot")
	m.Annotations = map[string]string{
		"matrix.homeplane.dev/server-name":    "example.org",
		"matrix.homeplane.dev/database":       "rocksdb",
		"matrix.homeplane.dev/implementation": "conduit",
	}
	vs := &snapshotv1.VolumeSnapshot{
		TypeMeta:   metav1.TypeMeta{APIVersion: "snapshot.storage.k8s.io/v1", Kind: "VolumeSnapshot"},
		ObjectMeta: m,
		Spec:       snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("chat-matrix-data")}},
	}
	if class != "" {
		vs.Spec.VolumeSnapshotClassName = ptr.To(class)
	}
	return vs
}

// withStatus returns vs as the snapshot controller reports it.
func withStatus(vs *snapshotv1.VolumeSnapshot, ready bool, size, errMsg string) *snapshotv1.VolumeSnapshot {
	vs = vs.DeepCopy()
	vs.Status = &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(ready)}
	if size != "" {
		vs.Status.RestoreSize = ptr.To(apiresource.MustParse(size))
	}
	if errMsg != "" {
		vs.Status.Error = &snapshotv1.VolumeSnapshotError{Message: ptr.To(errMsg)}
	}
	return vs
}

// ownedBy returns vs controlled by the composite of UID uid.
func ownedBy(vs *snapshotv1.VolumeSnapshot, uid string) *snapshotv1.VolumeSnapshot {
	vs = vs.DeepCopy()
	vs.OwnerReferences = []metav1.OwnerReference{{APIVersion: "matrix.homeplane.dev/v1alpha1", Kind: "XMatrixServer", Name: "chat-x7k2p", UID: types.UID(uid), Controller: ptr.To(true)}}
	return vs
}

func withUID(uid string) composetest.Option {
	return func(_ testing.TB, r *compose.Request) { r.Composite.SetUID(types.UID(uid)) }
}

func TestSnapshots(t *testing.T) {
	twoEntries := map[string]any{"serverName": "example.org", "snapshots": []any{
		map[string]any{"name": "nightly", "volumeSnapshotClassName": "csi-rbd"},
		map[string]any{"name": "before-upgrade"},
	}}
	cases := map[string]struct {
		reason    string
		params    map[string]any
		opts      []composetest.Option
		want      map[resource.Name]runtime.Object
		wantReqs  []string
		wantCond  compose.Condition
		wantEvent bool
	}{
		"LookUpFirst": {
			reason:   "An entry not yet composed is looked up first: nothing is composed before Crossplane says whether the name is free.",
			params:   twoEntries,
			want:     map[resource.Name]runtime.Object{},
			wantReqs: []string{"snapshot-before-upgrade", "snapshot-nightly"},
			wantCond: compose.Condition{Type: "Snapshots", Status: "False", Reason: "Creating",
				Message: "VolumeSnapshots not ready to use: chat-matrix-data.nightly (looking up its name), chat-matrix-data.before-upgrade (looking up its name)"},
		},
		"FreeNames": {
			reason: "Names nobody holds are composed: the data volume as source, the class when the entry names one, and what the homeserver is.",
			params: twoEntries,
			opts:   []composetest.Option{composetest.NotFound("snapshot-nightly", "snapshot-before-upgrade")},
			want: map[resource.Name]runtime.Object{
				"snapshot-nightly":        wantSnapshot("nightly", "csi-rbd"),
				"snapshot-before-upgrade": wantSnapshot("before-upgrade", ""),
			},
			wantReqs: []string{"snapshot-before-upgrade", "snapshot-nightly"},
			wantCond: compose.Condition{Type: "Snapshots", Status: "False", Reason: "Creating",
				Message: "VolumeSnapshots not ready to use: chat-matrix-data.nightly (being created), chat-matrix-data.before-upgrade (being created)"},
		},
		"NameTaken": {
			reason: "A VolumeSnapshot of that name that this composite does not control is left alone, never composed (so never adopted, never deleted); the condition names it and the entry.",
			params: twoEntries,
			opts: []composetest.Option{withUID("uid-chat"), composetest.NotFound("snapshot-before-upgrade"),
				composetest.Required(map[string]runtime.Object{"snapshot-nightly": ownedBy(wantSnapshot("nightly", ""), "uid-someone-else")})},
			want:     map[resource.Name]runtime.Object{"snapshot-before-upgrade": wantSnapshot("before-upgrade", "")},
			wantReqs: []string{"snapshot-before-upgrade", "snapshot-nightly"},
			wantCond: compose.Condition{Type: "Snapshots", Status: "False", Reason: "NameTaken",
				Message: "VolumeSnapshots that exist but were not created by this claim are left alone, never adopted or deleted: chat/chat-matrix-data.nightly (spec.parameters.snapshots[0].name); give those entries other names"},
		},
		"UnownedTaken": {
			reason: "A VolumeSnapshot without any controller is not adopted either.",
			params: map[string]any{"serverName": "example.org", "snapshots": []any{map[string]any{"name": "nightly"}}},
			opts:   []composetest.Option{withUID("uid-chat"), composetest.Required(map[string]runtime.Object{"snapshot-nightly": wantSnapshot("nightly", "")})},
			want:   map[resource.Name]runtime.Object{}, wantReqs: []string{"snapshot-nightly"},
			wantCond: compose.Condition{Type: "Snapshots", Status: "False", Reason: "NameTaken",
				Message: "VolumeSnapshots that exist but were not created by this claim are left alone, never adopted or deleted: chat/chat-matrix-data.nightly (spec.parameters.snapshots[0].name); give those entries other names"},
		},
		"FoundOurs": {
			reason:   "A VolumeSnapshot this composite controls but Crossplane does not list as observed is still ours: composed, so never deleted by mistake.",
			params:   map[string]any{"serverName": "example.org", "snapshots": []any{map[string]any{"name": "nightly"}}},
			opts:     []composetest.Option{withUID("uid-chat"), composetest.Required(map[string]runtime.Object{"snapshot-nightly": withStatus(ownedBy(wantSnapshot("nightly", ""), "uid-chat"), true, "10Gi", "")})},
			want:     map[resource.Name]runtime.Object{"snapshot-nightly": wantSnapshot("nightly", "")},
			wantReqs: []string{"snapshot-nightly"},
			wantCond: compose.Condition{Type: "Snapshots", Status: "True", Reason: "Available", Message: "VolumeSnapshots ready to use: chat-matrix-data.nightly"},
		},
		"ObservedKeepsWhatItHolds": {
			reason: "An observed snapshot is composed without a lookup, keeping the annotations of when it was taken (conduit) after the claim moved to tuwunel; its error is reported.",
			params: map[string]any{"serverName": "example.org", "implementation": "tuwunel", "snapshots": []any{map[string]any{"name": "nightly"}}},
			opts: []composetest.Option{composetest.Observed(map[string]runtime.Object{
				"snapshot-nightly": withStatus(wantSnapshot("nightly", ""), false, "", "driver does not support snapshots"),
			})},
			want: map[resource.Name]runtime.Object{"snapshot-nightly": wantSnapshot("nightly", "")},
			wantCond: compose.Condition{Type: "Snapshots", Status: "False", Reason: "Creating",
				Message: "VolumeSnapshots not ready to use: chat-matrix-data.nightly (driver does not support snapshots)"},
		},
		"NoneListed": {
			reason:   "Without entries nothing is composed and the condition says so, also after the last entry was removed (Crossplane then deletes the VolumeSnapshot it composed).",
			params:   map[string]any{"serverName": "example.org"},
			opts:     []composetest.Option{composetest.Observed(map[string]runtime.Object{"snapshot-nightly": wantSnapshot("nightly", "")})},
			want:     map[resource.Name]runtime.Object{},
			wantCond: noSnapshots,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opts := append([]composetest.Option{composetest.Rand(fill(7))}, tc.opts...)
			r := composetest.Request(t, chat, tc.params, opts...)
			res, err := NewComposer().Compose(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			got := map[resource.Name]runtime.Object{}
			for n, d := range res.Resources {
				if _, ok := d.Object.(*snapshotv1.VolumeSnapshot); ok {
					got[n] = d.Object
					if d.Ready != resource.ReadyTrue {
						t.Errorf("%s\n%s: ready %q: a snapshot never holds the homeserver's readiness back", tc.reason, n, d.Ready)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts()...); diff != "" {
				t.Errorf("%s\nVolumeSnapshots: -want, +got:\n%s", tc.reason, diff)
			}
			var reqs []string
			for n, rq := range res.Requirements {
				if rq.Kind == "VolumeSnapshot" {
					if rq.Namespace != namespace {
						t.Errorf("%s\nrequirement %s in namespace %q, not the claim's", tc.reason, n, rq.Namespace)
					}
					reqs = append(reqs, n)
				}
			}
			slices.Sort(reqs)
			if diff := cmp.Diff(tc.wantReqs, reqs, cmpOpts()...); diff != "" {
				t.Errorf("%s\nrequirements: -want, +got:\n%s", tc.reason, diff)
			}
			var cond compose.Condition
			for _, c := range res.Conditions {
				if c.Type == ConditionSnapshots {
					cond = c
				}
			}
			if diff := cmp.Diff(tc.wantCond, cond); diff != "" {
				t.Errorf("%s\nSnapshots condition: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	restore := func(kv ...any) map[string]any {
		p := map[string]any{"serverName": "example.org", "storage": "20Gi", "restore": map[string]any{"fromClaim": "old", "snapshot": "nightly"}}
		for i := 0; i < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return p
	}
	// source is a snapshot of claim old's data volume.
	source := func(mod func(*snapshotv1.VolumeSnapshot)) runtime.Object {
		vs := withStatus(wantSnapshot("nightly", ""), true, "10Gi", "")
		vs.Name = "old-matrix-data.nightly"
		vs.Spec.Source.PersistentVolumeClaimName = ptr.To("old-matrix-data")
		if mod != nil {
			mod(vs)
		}
		return vs
	}
	required := func(o runtime.Object) composetest.Option {
		return composetest.Required(map[string]runtime.Object{RequirementRestoreSource: o})
	}
	cases := map[string]struct {
		reason      string
		params      map[string]any
		opts        []composetest.Option
		wantSource  *corev1.TypedLocalObjectReference
		wantWaiting string
		wantErr     string
		noRequire   bool
	}{
		"Seeds": {
			reason:     "A ready snapshot of the source claim's data volume, of the same server and engine, no larger than storage, seeds the new volume.",
			params:     restore(),
			opts:       []composetest.Option{required(source(nil))},
			wantSource: snapshotSource("old-matrix-data.nightly"),
		},
		"ConduitIntoTuwunel": {
			reason:     "tuwunel migrates a Conduit database, so a Conduit snapshot may seed it.",
			params:     restore("implementation", "tuwunel"),
			opts:       []composetest.Option{required(source(nil))},
			wantSource: snapshotSource("old-matrix-data.nightly"),
		},
		"NotFetchedYet": {
			reason:      "Until the snapshot is read, the volume waits: no empty volume is composed that would never be restored.",
			params:      restore(),
			wantWaiting: "VolumeSnapshot chat/old-matrix-data.nightly (spec.parameters.restore) to exist",
		},
		"NotReady": {
			reason:      "A snapshot not yet ready to use makes the volume wait, with the snapshot controller's reason.",
			params:      restore(),
			opts:        []composetest.Option{required(source(func(vs *snapshotv1.VolumeSnapshot) { vs.Status.ReadyToUse = ptr.To(false) }))},
			wantWaiting: "VolumeSnapshot chat/old-matrix-data.nightly (spec.parameters.restore) to be ready to use (not yet ready to use)",
		},
		"OtherNamespace": {
			reason:  "A required object from another namespace is never read, whoever returned it.",
			params:  restore(),
			opts:    []composetest.Option{required(source(func(vs *snapshotv1.VolumeSnapshot) { vs.Namespace = "other-team" }))},
			wantErr: `cannot restore data volume: required resource "restore-source" is in namespace "other-team", not the claim's "chat"`,
		},
		"NotDataVolume": {
			reason:  "A VolumeSnapshot of that name that is not of the source claim's data volume is refused.",
			params:  restore(),
			opts:    []composetest.Option{required(source(func(vs *snapshotv1.VolumeSnapshot) { vs.Spec.Source.PersistentVolumeClaimName = ptr.To("secrets") }))},
			wantErr: `cannot restore data volume: spec.parameters.restore.snapshot: VolumeSnapshot chat/old-matrix-data.nightly is a snapshot of PersistentVolumeClaim "secrets", not of claim old's data volume "old-matrix-data"`,
		},
		"NotTakenByHomeplane": {
			reason:  "Without Homeplane's annotations what the snapshot holds is unknown.",
			params:  restore(),
			opts:    []composetest.Option{required(source(func(vs *snapshotv1.VolumeSnapshot) { vs.Annotations = nil }))},
			wantErr: `cannot restore data volume: spec.parameters.restore.snapshot: VolumeSnapshot chat/old-matrix-data.nightly has no matrix.homeplane.dev/server-name annotation: it was not taken by Homeplane for a MatrixServer, so what it holds is unknown`,
		},
		"OtherServerName": {
			reason:  "Matrix IDs in the database are bound to the server name it was taken of.",
			params:  restore("serverName", "example.net"),
			opts:    []composetest.Option{required(source(nil))},
			wantErr: `cannot restore data volume: spec.parameters.serverName: must be "example.org", the server name of the homeserver snapshot chat/old-matrix-data.nightly was taken of: Matrix IDs in its database are bound to it`,
		},
		"OtherDatabase": {
			reason:  "Another engine would start empty.",
			params:  restore("database", "sqlite"),
			opts:    []composetest.Option{required(source(nil))},
			wantErr: `cannot restore data volume: spec.parameters.database: must be "rocksdb", the database engine of the snapshot chat/old-matrix-data.nightly: another engine would start empty`,
		},
		"TuwunelIntoConduit": {
			reason:  "Conduit cannot read a tuwunel database.",
			params:  restore(),
			opts:    []composetest.Option{required(source(func(vs *snapshotv1.VolumeSnapshot) { vs.Annotations[AnnotationImplementation] = "tuwunel" }))},
			wantErr: `cannot restore data volume: spec.parameters.implementation: cannot be "conduit" for a snapshot of a tuwunel homeserver (chat/old-matrix-data.nightly): only conduit to tuwunel migrates a database`,
		},
		"TooSmall": {
			reason:  "A volume smaller than the snapshot's restore size cannot be provisioned from it.",
			params:  restore("storage", "5Gi"),
			opts:    []composetest.Option{required(source(nil))},
			wantErr: `cannot restore data volume: spec.parameters.storage: must be at least 10Gi, the size of the volume snapshot chat/old-matrix-data.nightly restores`,
		},
		"VolumeExists": {
			reason:    "Once the volume exists the snapshot is not read again.",
			params:    restore(),
			opts:      []composetest.Option{composetest.Observed(map[string]runtime.Object{ResourceData: restoredPVC()})},
			noRequire: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opts := append([]composetest.Option{composetest.Rand(fill(7))}, tc.opts...)
			res, err := NewComposer().Compose(context.Background(), composetest.Request(t, chat, tc.params, opts...))
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nCompose(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" {
				if name != "OtherNamespace" && !compose.IsFieldError(err) {
					t.Errorf("%s\nwant a FieldError, got %T", tc.reason, err)
				}
				return
			}
			rq, asked := res.Requirements[RequirementRestoreSource]
			switch {
			case tc.noRequire && asked:
				t.Errorf("%s\nthe snapshot is read again: %+v", tc.reason, rq)
			case !tc.noRequire && (rq != compose.Requirement{APIVersion: "snapshot.storage.k8s.io/v1", Kind: "VolumeSnapshot", Namespace: namespace, Name: "old-matrix-data.nightly"}):
				t.Errorf("%s\nrequirement: got %+v", tc.reason, rq)
			}
			pvc, composedPVC := res.Resources[ResourceData]
			_, composedDeployment := res.Resources[ResourceDeployment]
			var home compose.Condition
			for _, c := range res.Conditions {
				if c.Type == ConditionHomeserver {
					home = c
				}
			}
			if tc.wantWaiting != "" {
				if composedPVC || composedDeployment {
					t.Errorf("%s\nwhile waiting for the snapshot: volume composed %t, homeserver composed %t; want neither", tc.reason, composedPVC, composedDeployment)
				}
				if want := "Waiting for " + tc.wantWaiting + ", the data volume to be bound, the homeserver to answer /_matrix/client/versions"; home.Message != want {
					t.Errorf("%s\nHomeserver condition: want %q, got %q", tc.reason, want, home.Message)
				}
				return
			}
			if !composedPVC || !composedDeployment {
				t.Fatalf("%s\nvolume composed %t, homeserver composed %t; want both", tc.reason, composedPVC, composedDeployment)
			}
			got := pvc.Object.(*corev1.PersistentVolumeClaim).Spec.DataSource
			want := tc.wantSource
			if tc.noRequire {
				want = restoredPVC().Spec.DataSource
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\ndataSource: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestSnapshotNamesInjective: two claims of one namespace never name a
// VolumeSnapshot alike, whatever their entries are called.
func TestSnapshotNamesInjective(t *testing.T) {
	pairs := [][2][2]string{
		{{"a", "x-matrix-data-y"}, {"a-matrix-data-x", "y"}},
		{{"a", "b-c"}, {"a-b", "c"}},
		{{"chat", "data"}, {"chat-matrix", "data"}},
	}
	for _, p := range pairs {
		one, two := namesFor(p[0][0]).Snapshot(p[0][1]), namesFor(p[1][0]).Snapshot(p[1][1])
		if one == two {
			t.Errorf("claim %s entry %s and claim %s entry %s both name VolumeSnapshot %s", p[0][0], p[0][1], p[1][0], p[1][1], one)
		}
	}
}
