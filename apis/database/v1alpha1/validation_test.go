package v1alpha1_test

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
	"github.com/homeplane/homeplane/internal/xrdtest"
)

// validate decodes params as the function does, defaults and validates them.
func validate(b []byte) (field.ErrorList, error) {
	x := &v1alpha1.XPostgreSQL{}
	if err := json.Unmarshal(b, &x.Spec.Parameters); err != nil {
		return nil, err
	}
	x.Default()
	return x.Validate(), nil
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
	v.Agree(t, map[string]xrdtest.Case{
		"Empty":         {Params: map[string]any{}},
		"Minimal":       {Params: base()},
		"RoleDash":      {Params: user("wiki-app")},
		"RoleDot":       {Params: user("other-tenant.app"), Paths: []string{"spec.parameters.users[0].name"}},
		"ParamName":     {Params: map[string]any{"parameters": map[string]any{"work_mem": "64MB", "pg_stat_statements.max": "1000"}}},
		"ParamInjected": {Params: map[string]any{"parameters": map[string]any{"x.y = 'a'\narchive_command": "curl evil"}}, Paths: []string{"spec.parameters.parameters[x.y = 'a'\narchive_command]"}},
		"ParamSpace":    {Params: map[string]any{"parameters": map[string]any{" archive_command": "x"}}, Paths: []string{"spec.parameters.parameters[ archive_command]"}},
		"ParamTwoDots":  {Params: map[string]any{"parameters": map[string]any{"a.b.c": "x"}}, Paths: []string{"spec.parameters.parameters[a.b.c]"}},
		"CreateRole16":  {Params: map[string]any{"version": "16", "users": []any{map[string]any{"name": "app", "flags": []any{"login", "createrole"}}}}},
		"CreateRole14":  {Params: map[string]any{"version": "14", "users": []any{map[string]any{"name": "app", "flags": []any{"login", "createrole"}}}}, Paths: []string{"spec.parameters.users[0].flags[1]"}},
		"RoleDigit":     {Params: user("1app")},
		"RoleLeading_":  {Params: user("_ro"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleTrailing_": {Params: user("app_"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleUpper":     {Params: user("App"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleDoubleDot": {Params: user("a..b"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleTooLong":   {Params: user(strings.Repeat("a", 64)), Paths: []string{"spec.parameters.users[0].name"}},
		"RolePostgres":  {Params: user("postgres"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleStandby":   {Params: user("standby"), Paths: []string{"spec.parameters.users[0].name"}},
		"RolePooler":    {Params: user("pooler"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleAdmin":     {Params: user("admin"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleCronAdmin": {Params: user("cron_admin"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleZalandos":  {Params: user("zalandos"), Paths: []string{"spec.parameters.users[0].name"}},
		"RoleFesUser":   {Params: user("fes_user"), Paths: []string{"spec.parameters.users[0].name"}},
		"RolePg":        {Params: user("pg_monitor"), Paths: []string{"spec.parameters.users[0].name"}},
		"RolePgLike":    {Params: user("pgadmin")},
		"UserFlag":      {Params: map[string]any{"users": []any{map[string]any{"name": "u", "flags": []any{"createdb", "login"}}}}},
		"UserSuperuser": {Params: map[string]any{"users": []any{map[string]any{"name": "u", "flags": []any{"superuser"}}}}, Paths: []string{"spec.parameters.users[0].flags[0]"}},
		"UserFlagTwice": {Params: map[string]any{"users": []any{map[string]any{"name": "u", "flags": []any{"login", "login"}}}}, Paths: []string{"spec.parameters.users[0].flags[1]"}},
		"UserTwice":     {Params: map[string]any{"users": []any{map[string]any{"name": "u"}, map[string]any{"name": "u"}}}, Paths: []string{"spec.parameters.users[1]"}},
		"OwnerTrailing": {Params: owner("app", "app_"), Paths: []string{"spec.parameters.databases[0].owner"}},
		"OwnerPostgres": {Params: owner("app", "postgres"), Paths: []string{"spec.parameters.databases[0].owner"}},
		"OwnerPg":       {Params: owner("app", "pg_read_all_data"), Paths: []string{"spec.parameters.databases[0].owner"}},
		"DatabaseOK":    {Params: owner("wiki_db", "wiki-db")},
		"DatabaseDash":  {Params: owner("my-db", "me"), Paths: []string{"spec.parameters.databases[0].name"}},
		"DatabaseT0":    {Params: owner("template0", "me"), Paths: []string{"spec.parameters.databases[0].name"}},
		"DatabaseT1":    {Params: owner("template1", "me"), Paths: []string{"spec.parameters.databases[0].name"}},
		"DatabasePg":    {Params: owner("postgres", "me"), Paths: []string{"spec.parameters.databases[0].name"}},
		"DatabaseTwice": {Params: map[string]any{"databases": []any{map[string]any{"name": "a", "owner": "o"}, map[string]any{"name": "a", "owner": "p"}}}, Paths: []string{"spec.parameters.databases[1]"}},
		"Storage5G":     {Params: base("storage", "5G")},
		"StorageZero":   {Params: base("storage", "0"), Paths: []string{"spec.parameters.storage"}},
		"StorageZeroGi": {Params: base("storage", "0Gi"), Paths: []string{"spec.parameters.storage"}},
		"StorageNeg":    {Params: base("storage", "-5Gi"), Paths: []string{"spec.parameters.storage"}},
		"StorageK":      {Params: base("storage", "5k"), Paths: []string{"spec.parameters.storage"}},
		"Version13":     {Params: base("version", "13"), Paths: []string{"spec.parameters.version"}},
		"Topology":      {Params: base("topology", "cluster"), Paths: []string{"spec.parameters.topology"}},
		"InstancesHA":   {Params: base("topology", "ha", "instances", int64(3))},
		"InstancesOne":  {Params: base("instances", int64(3)), Paths: []string{"spec.parameters.instances"}},
		"InstancesMany": {Params: base("topology", "ha", "instances", int64(8)), Paths: []string{"spec.parameters.instances"}},
		"SyncSingle":    {Params: base("synchronous", true), Paths: []string{"spec.parameters.synchronous"}},
		"TeamIDUpper":   {Params: base("teamId", "Team"), Paths: []string{"spec.parameters.teamId"}},
		"TeamIDLong":    {Params: base("teamId", strings.Repeat("a", 41)), Paths: []string{"spec.parameters.teamId"}},
		"PoolerMode":    {Params: base("pooler", map[string]any{"mode": "statement"}), Paths: []string{"spec.parameters.pooler.mode"}},
		"ResourcesOK":   {Params: base("resources", map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "1Gi"}, "limits": map[string]any{"memory": "2Gi"}})},
		"ResourcesNeg":  {Params: base("resources", map[string]any{"requests": map[string]any{"cpu": "-1"}}), Paths: []string{"spec.parameters.resources.requests.cpu"}},
		"ResourcesOver": {Params: base("resources", map[string]any{"requests": map[string]any{"memory": "2Gi"}, "limits": map[string]any{"memory": "1Gi"}}), Paths: []string{"spec.parameters.resources.requests.memory"}},
		"BackupOK":      {Params: backup(map[string]any{"name": "minio", "accessKeyIdKey": "id", "secretAccessKeyKey": "secret.key"})},
		"BackupSlash":   {Params: backup(map[string]any{"name": "a/b"}), Paths: []string{"spec.parameters.backup.credentialsSecretRef.name"}},
		"BackupDotDot":  {Params: backup(map[string]any{"name": "a..b"}), Paths: []string{"spec.parameters.backup.credentialsSecretRef.name"}},
		"BackupUpper":   {Params: backup(map[string]any{"name": "Minio"}), Paths: []string{"spec.parameters.backup.credentialsSecretRef.name"}},
		"BackupKey":     {Params: backup(map[string]any{"name": "minio", "accessKeyIdKey": "a/b"}), Paths: []string{"spec.parameters.backup.credentialsSecretRef.accessKeyIdKey"}},
		"BackupKeyDots": {Params: backup(map[string]any{"name": "minio", "secretAccessKeyKey": "..key"}), Paths: []string{"spec.parameters.backup.credentialsSecretRef.secretAccessKeyKey"}},
		"BackupKeyDot":  {Params: backup(map[string]any{"name": "minio", "secretAccessKeyKey": "."}), Paths: []string{"spec.parameters.backup.credentialsSecretRef.secretAccessKeyKey"}},
		"RestoreZ": {Params: map[string]any{"backup": map[string]any{"bucket": "b-1", "credentialsSecretRef": map[string]any{"name": "s"}},
			"restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00Z"}}, Paths: []string{"spec.parameters.restore.timestamp"}},
		"RestoreFeb31": {Params: map[string]any{"backup": map[string]any{"bucket": "b-1", "credentialsSecretRef": map[string]any{"name": "s"}},
			"restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-02-31T12:00:00+01:00"}}, Paths: []string{"spec.parameters.restore.timestamp"}},
		"RestoreNoBackup": {Params: map[string]any{"restore": map[string]any{"fromClaim": "wiki", "timestamp": "2026-11-20T12:00:00+01:00"}}},
		"RestoreOtherNS":  {Params: map[string]any{"restore": map[string]any{"fromClaim": "tenant-a/db"}}, Paths: []string{"spec.parameters.restore.fromClaim"}},
		"RestoreDotted":   {Params: map[string]any{"restore": map[string]any{"fromClaim": "db.tenant-a"}}, Paths: []string{"spec.parameters.restore.fromClaim"}},
		"NetworkOK":       {Params: network(map[string]any{"operatorNamespace": "pg-ops", "allowFromPods": map[string]any{"app.kubernetes.io/name": "wiki", "tier": ""}})},
		"NetworkNS":       {Params: network(map[string]any{"operatorNamespace": "PG_ops"}), Paths: []string{"spec.parameters.network.operatorNamespace"}},
		"NetworkNSLong":   {Params: network(map[string]any{"operatorNamespace": strings.Repeat("a", 64)}), Paths: []string{"spec.parameters.network.operatorNamespace"}},
		"NetworkPolicies": {Params: network(map[string]any{"policies": "Off"}), Paths: []string{"spec.parameters.network.policies"}},
		"NetworkKey":      {Params: network(map[string]any{"allowFromPods": map[string]any{"bad key": "x"}}), Paths: []string{"spec.parameters.network.allowFromPods[bad key]"}},
		"NetworkKeySlash": {Params: network(map[string]any{"allowFromPods": map[string]any{"a/b/c": "x"}}), Paths: []string{"spec.parameters.network.allowFromPods[a/b/c]"}},
		"NetworkKeyLong":  {Params: network(map[string]any{"allowFromPods": map[string]any{strings.Repeat("a", 64): "x"}}), Paths: []string{"spec.parameters.network.allowFromPods[" + strings.Repeat("a", 64) + "]"}},
		"NetworkValue":    {Params: network(map[string]any{"allowFromPods": map[string]any{"app": "-wiki"}}), Paths: []string{"spec.parameters.network.allowFromPods[app]"}},
		"NetworkValueLong": {Params: network(map[string]any{"allowFromPods": map[string]any{"app": strings.Repeat("a", 64)}}),
			Paths: []string{"spec.parameters.network.allowFromPods[app]"}},
	}, validate)
}

// TestDefaultsAgree: the XRD's defaults and Default give the same
// parameters; resources depend on the topology, so only Default sets them.
func TestDefaultsAgree(t *testing.T) {
	load(t).DefaultsAgree(t, map[string]map[string]any{
		"Empty":   {},
		"Backup":  backup(map[string]any{"name": "minio"}),
		"Network": network(map[string]any{}),
		"Pooler":  {"topology": "ha", "pooler": map[string]any{}},
	}, func(b []byte, def bool) ([]byte, error) {
		p := v1alpha1.PostgreSQLParameters{}
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		if def {
			p.Default()
			p.Resources = nil
		}
		return json.Marshal(p)
	})
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
