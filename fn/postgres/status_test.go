package postgres

import (
	"testing"

	acidv1 "github.com/zalando/postgres-operator/pkg/apis/acid.zalan.do/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/homeplane/homeplane/apis/database/v1alpha1"
)

func TestDatabaseConditionPerPhase(t *testing.T) {
	p := &params{PostgreSQLParameters: v1alpha1.PostgreSQLParameters{Version: "17", Databases: []v1alpha1.Database{{Name: "d", Owner: "o"}}}, Cluster: "c"}
	cases := map[string]struct {
		phase  string
		status metav1.ConditionStatus
		reason string
	}{
		"NotObserved":  {"", metav1.ConditionUnknown, "Pending"},
		"Creating":     {"Creating", metav1.ConditionFalse, "Creating"},
		"Updating":     {"Updating", metav1.ConditionFalse, "Updating"},
		"CreateFailed": {"CreateFailed", metav1.ConditionFalse, "Failed"},
		"SyncFailed":   {"SyncFailed", metav1.ConditionFalse, "Failed"},
		"UpdateFailed": {"UpdateFailed", metav1.ConditionFalse, "Failed"},
		"Invalid":      {"Invalid", metav1.ConditionFalse, "Failed"},
		"Unknown":      {"Sleeping", metav1.ConditionUnknown, "Pending"},
		"Running":      {"Running", metav1.ConditionTrue, "Available"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var pg *acidv1.Postgresql
			if tc.phase != "" {
				pg = &acidv1.Postgresql{Status: acidv1.PostgresStatus{PostgresClusterStatus: tc.phase}}
			}
			c := databaseCondition(p, pg, nil)
			if c.Type != "Database" || c.Status != tc.status || c.Reason != tc.reason || c.Message == "" {
				t.Errorf("databaseCondition(%q): want %s/%s with a message, got %+v", tc.phase, tc.status, tc.reason, c)
			}
		})
	}
}
