package v1alpha1_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

// goValidate decodes params as the function does, defaults and validates them.
func goValidate(t *testing.T, params map[string]any) field.ErrorList {
	t.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	x := &v1alpha1.XPostgreSQL{}
	if err := json.Unmarshal(b, &x.Spec.Parameters); err != nil {
		t.Fatal(err)
	}
	x.Default()
	return x.Validate()
}

func paths(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

func user(name string) map[string]any {
	return map[string]any{"users": []any{map[string]any{"name": name}}}
}

func owner(db, owner string) map[string]any {
	return map[string]any{"databases": []any{map[string]any{"name": db, "owner": owner}}}
}

func network(n map[string]any) map[string]any { return map[string]any{"network": n} }

func backup(ref map[string]any) map[string]any {
	return map[string]any{"backup": map[string]any{"bucket": "pg-backups", "credentialsSecretRef": ref}}
}

// TestXRDAndValidateAgree runs each input through the generated XRD (as the
// API server would) and through Default and Validate: both accept or both
// reject, and Validate names the exact fields.
func TestXRDAndValidateAgree(t *testing.T) {
	v := load(t)
	cases := map[string]struct {
		params map[string]any
		// paths are the fields of Validate's errors; none means valid.
		paths []string
	}{
		"Empty":         {params: map[string]any{}},
		"Minimal":       {params: base()},
		"RoleDash":      {params: user("wiki-app")},
		"RoleDot":       {params: user("wiki.app")},
		"RoleDigit":     {params: user("1app")},
		"RoleLeading_":  {params: user("_ro"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleTrailing_": {params: user("app_"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleUpper":     {params: user("App"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleDoubleDot": {params: user("a..b"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleTooLong":   {params: user(strings.Repeat("a", 64)), paths: []string{"spec.parameters.users[0].name"}},
		"RolePostgres":  {params: user("postgres"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleStandby":   {params: user("standby"), paths: []string{"spec.parameters.users[0].name"}},
		"RolePooler":    {params: user("pooler"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleAdmin":     {params: user("admin"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleCronAdmin": {params: user("cron_admin"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleZalandos":  {params: user("zalandos"), paths: []string{"spec.parameters.users[0].name"}},
		"RoleFesUser":   {params: user("fes_user"), paths: []string{"spec.parameters.users[0].name"}},
		"RolePg":        {params: user("pg_monitor"), paths: []string{"spec.parameters.users[0].name"}},
		"RolePgLike":    {params: user("pgadmin")},
		"UserFlag":      {params: map[string]any{"users": []any{map[string]any{"name": "u", "flags": []any{"createdb", "login"}}}}},
		"UserSuperuser": {params: map[string]any{"users": []any{map[string]any{"name": "u", "flags": []any{"superuser"}}}}, paths: []string{"spec.parameters.users[0].flags[0]"}},
		"UserFlagTwice": {params: map[string]any{"users": []any{map[string]any{"name": "u", "flags": []any{"login", "login"}}}}, paths: []string{"spec.parameters.users[0].flags[1]"}},
		"UserTwice":     {params: map[string]any{"users": []any{map[string]any{"name": "u"}, map[string]any{"name": "u"}}}, paths: []string{"spec.parameters.users[1]"}},
		"OwnerTrailing": {params: owner("app", "app_"), paths: []string{"spec.parameters.databases[0].owner"}},
		"OwnerPostgres": {params: owner("app", "postgres"), paths: []string{"spec.parameters.databases[0].owner"}},
		"OwnerPg":       {params: owner("app", "pg_read_all_data"), paths: []string{"spec.parameters.databases[0].owner"}},
		"DatabaseOK":    {params: owner("wiki_db", "wiki-db")},
		"DatabaseDash":  {params: owner("my-db", "me"), paths: []string{"spec.parameters.databases[0].name"}},
		"DatabaseT0":    {params: owner("template0", "me"), paths: []string{"spec.parameters.databases[0].name"}},
		"DatabaseT1":    {params: owner("template1", "me"), paths: []string{"spec.parameters.databases[0].name"}},
		"DatabasePg":    {params: owner("postgres", "me"), paths: []string{"spec.parameters.databases[0].name"}},
		"DatabaseTwice": {params: map[string]any{"databases": []any{map[string]any{"name": "a", "owner": "o"}, map[string]any{"name": "a", "owner": "p"}}}, paths: []string{"spec.parameters.databases[1]"}},
		"Storage5G":     {params: base("storage", "5G")},
		"StorageZero":   {params: base("storage", "0"), paths: []string{"spec.parameters.storage"}},
		"StorageZeroGi": {params: base("storage", "0Gi"), paths: []string{"spec.parameters.storage"}},
		"StorageNeg":    {params: base("storage", "-5Gi"), paths: []string{"spec.parameters.storage"}},
		"StorageK":      {params: base("storage", "5k"), paths: []string{"spec.parameters.storage"}},
		"Version13":     {params: base("version", "13"), paths: []string{"spec.parameters.version"}},
		"Topology":      {params: base("topology", "cluster"), paths: []string{"spec.parameters.topology"}},
		"InstancesHA":   {params: base("topology", "ha", "instances", int64(3))},
		"InstancesOne":  {params: base("instances", int64(3)), paths: []string{"spec.parameters.instances"}},
		"InstancesMany": {params: base("topology", "ha", "instances", int64(8)), paths: []string{"spec.parameters.instances"}},
		"SyncSingle":    {params: base("synchronous", true), paths: []string{"spec.parameters.synchronous"}},
		"TeamIDUpper":   {params: base("teamId", "Team"), paths: []string{"spec.parameters.teamId"}},
		"TeamIDLong":    {params: base("teamId", strings.Repeat("a", 41)), paths: []string{"spec.parameters.teamId"}},
		"PoolerMode":    {params: base("pooler", map[string]any{"mode": "statement"}), paths: []string{"spec.parameters.pooler.mode"}},
		"ResourcesOK":   {params: base("resources", map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "1Gi"}, "limits": map[string]any{"memory": "2Gi"}})},
		"ResourcesNeg":  {params: base("resources", map[string]any{"requests": map[string]any{"cpu": "-1"}}), paths: []string{"spec.parameters.resources.requests.cpu"}},
		"ResourcesOver": {params: base("resources", map[string]any{"requests": map[string]any{"memory": "2Gi"}, "limits": map[string]any{"memory": "1Gi"}}), paths: []string{"spec.parameters.resources.requests.memory"}},
		"BackupOK":      {params: backup(map[string]any{"name": "minio", "accessKeyIdKey": "id", "secretAccessKeyKey": "secret.key"})},
		"BackupSlash":   {params: backup(map[string]any{"name": "a/b"}), paths: []string{"spec.parameters.backup.credentialsSecretRef.name"}},
		"BackupDotDot":  {params: backup(map[string]any{"name": "a..b"}), paths: []string{"spec.parameters.backup.credentialsSecretRef.name"}},
		"BackupUpper":   {params: backup(map[string]any{"name": "Minio"}), paths: []string{"spec.parameters.backup.credentialsSecretRef.name"}},
		"BackupKey":     {params: backup(map[string]any{"name": "minio", "accessKeyIdKey": "a/b"}), paths: []string{"spec.parameters.backup.credentialsSecretRef.accessKeyIdKey"}},
		"BackupKeyDots": {params: backup(map[string]any{"name": "minio", "secretAccessKeyKey": "..key"}), paths: []string{"spec.parameters.backup.credentialsSecretRef.secretAccessKeyKey"}},
		"BackupKeyDot":  {params: backup(map[string]any{"name": "minio", "secretAccessKeyKey": "."}), paths: []string{"spec.parameters.backup.credentialsSecretRef.secretAccessKeyKey"}},
		"RestoreZ": {params: map[string]any{"backup": map[string]any{"bucket": "b-1", "credentialsSecretRef": map[string]any{"name": "s"}},
			"restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00Z"}}, paths: []string{"spec.parameters.restore.timestamp"}},
		"RestoreFeb31": {params: map[string]any{"backup": map[string]any{"bucket": "b-1", "credentialsSecretRef": map[string]any{"name": "s"}},
			"restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-02-31T12:00:00+01:00"}}, paths: []string{"spec.parameters.restore.timestamp"}},
		"RestoreNoBackup": {params: map[string]any{"restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00+01:00"}}, paths: []string{"spec.parameters.restore.timestamp"}},
		"NetworkOK":       {params: network(map[string]any{"operatorNamespace": "pg-ops", "allowFromPods": map[string]any{"app.kubernetes.io/name": "wiki", "tier": ""}})},
		"NetworkNS":       {params: network(map[string]any{"operatorNamespace": "PG_ops"}), paths: []string{"spec.parameters.network.operatorNamespace"}},
		"NetworkNSLong":   {params: network(map[string]any{"operatorNamespace": strings.Repeat("a", 64)}), paths: []string{"spec.parameters.network.operatorNamespace"}},
		"NetworkPolicies": {params: network(map[string]any{"policies": "Off"}), paths: []string{"spec.parameters.network.policies"}},
		"NetworkKey":      {params: network(map[string]any{"allowFromPods": map[string]any{"bad key": "x"}}), paths: []string{"spec.parameters.network.allowFromPods[bad key]"}},
		"NetworkKeySlash": {params: network(map[string]any{"allowFromPods": map[string]any{"a/b/c": "x"}}), paths: []string{"spec.parameters.network.allowFromPods[a/b/c]"}},
		"NetworkKeyLong":  {params: network(map[string]any{"allowFromPods": map[string]any{strings.Repeat("a", 64): "x"}}), paths: []string{"spec.parameters.network.allowFromPods[" + strings.Repeat("a", 64) + "]"}},
		"NetworkValue":    {params: network(map[string]any{"allowFromPods": map[string]any{"app": "-wiki"}}), paths: []string{"spec.parameters.network.allowFromPods[app]"}},
		"NetworkValueLong": {params: network(map[string]any{"allowFromPods": map[string]any{"app": strings.Repeat("a", 64)}}),
			paths: []string{"spec.parameters.network.allowFromPods[app]"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xrdErrs := v.Validate(tc.params, nil)
			goErrs := goValidate(t, tc.params)
			if (len(xrdErrs) == 0) != (len(goErrs) == 0) {
				t.Fatalf("XRD and Validate disagree:\nXRD:      %v\nValidate: %v", xrdErrs.ToAggregate(), goErrs.ToAggregate())
			}
			if diff := cmp.Diff(tc.paths, paths(goErrs), cmpEmpty); diff != "" {
				t.Errorf("Validate's error fields: -want, +got:\n%s\nerrors: %v", diff, goErrs.ToAggregate())
			}
		})
	}
}

var cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

// TestDefaultsAgree: the XRD's defaults and Default give the same parameters.
func TestDefaultsAgree(t *testing.T) {
	v := load(t)
	for name, in := range map[string]map[string]any{
		"Empty":   {},
		"Backup":  backup(map[string]any{"name": "minio"}),
		"Network": network(map[string]any{}),
		"Pooler":  {"topology": "ha", "pooler": map[string]any{}},
	} {
		t.Run(name, func(t *testing.T) {
			b, _ := json.Marshal(v.Default(in))
			fromXRD := v1alpha1.PostgreSQLParameters{}
			if err := json.Unmarshal(b, &fromXRD); err != nil {
				t.Fatal(err)
			}
			b, _ = json.Marshal(in)
			fromGo := v1alpha1.PostgreSQLParameters{}
			if err := json.Unmarshal(b, &fromGo); err != nil {
				t.Fatal(err)
			}
			fromGo.Default()
			// Resources depend on the topology: only Go defaults them.
			fromGo.Resources = nil
			if diff := cmp.Diff(fromXRD, fromGo); diff != "" {
				t.Errorf("XRD defaults -, Default +:\n%s", diff)
			}
		})
	}
}

// TestRolePatternInXRD: the XRD's role patterns are RolePattern.
func TestRolePatternInXRD(t *testing.T) {
	b, err := readXRD()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, n any)
	found := 0
	walk = func(path string, n any) {
		switch m := n.(type) {
		case map[string]any:
			if (strings.HasSuffix(path, ".users.items.properties.name") || strings.HasSuffix(path, ".databases.items.properties.owner")) && m["pattern"] != nil {
				found++
				if m["pattern"] != v1alpha1.RolePattern {
					t.Errorf("%s: pattern %v, want RolePattern %s", path, m["pattern"], v1alpha1.RolePattern)
				}
			}
			for k, c := range m {
				walk(path+"."+k, c)
			}
		case []any:
			for _, c := range m {
				walk(path, c)
			}
		}
	}
	walk("", doc)
	if found != 2 {
		t.Errorf("found %d role patterns in the XRD, want 2 (users[].name, databases[].owner)", found)
	}
}
