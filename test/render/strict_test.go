package render

import "testing"

func TestStrictCore(t *testing.T) {
	cases := map[string]struct {
		obj     map[string]any
		wantErr bool
	}{
		"ValidConfigMap": {obj: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}, "data": map[string]any{"k": "v"}}},
		"UnknownField":   {obj: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{}}, wantErr: true},
		"WrongType":      {obj: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{"replicas": "two"}}, wantErr: true},
		"NotCore":        {obj: map[string]any{"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{"x": 1}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := strictCore(tc.obj)
			if (err != nil) != tc.wantErr {
				t.Errorf("strictCore(...): got error %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
