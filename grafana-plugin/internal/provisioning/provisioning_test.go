package provisioning

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRelative(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for expr, want := range map[string]time.Duration{"now": 0, "now-24h": 24 * time.Hour, "now-7d": 7 * 24 * time.Hour, "now-30m": 30 * time.Minute} {
		got, err := Relative(expr, now)
		if err != nil || now.Sub(got) != want {
			t.Errorf("%s: %v %v", expr, got, err)
		}
	}
	if _, err := Relative("yesterday", now); err == nil {
		t.Error("unsupported expressions are refused")
	}
}

func TestDatasourcesExpandLikeGrafana(t *testing.T) {
	env := map[string]string{"USAGE_LENS_WORKER_URL": "http://w", "CF_ACCOUNT_ID": "acc", "AE_DATASET": "usage_analytics", "AE_SQL_API_BASE_URL": "http://ae"}
	files := map[string]string{"/run/usage-lens/admin-api-key": "ul_admin_k\n", "/run/usage-lens/ae-token": "tok"}
	settings, err := Datasources(env, files)
	if err != nil {
		t.Fatal(err)
	}
	worker := settings["usage-lens"]
	var jsonData map[string]any
	_ = json.Unmarshal(worker.JSONData, &jsonData)
	if jsonData["workerUrl"] != "http://w" || worker.DecryptedSecureJSONData["apiKey"] != "ul_admin_k" {
		t.Fatalf("worker data source: %s %v", worker.JSONData, worker.DecryptedSecureJSONData)
	}
	if settings["usage-lens-sql"].DecryptedSecureJSONData["aeToken"] != "tok" {
		t.Fatal("sql data source token")
	}
	delete(env, "CF_ACCOUNT_ID")
	if _, err := Datasources(env, files); err == nil {
		t.Fatal("a missing variable is an error, as it would leave Grafana misconfigured")
	}
}

func TestRulesAndDashboardsLoad(t *testing.T) {
	rules, err := Rules()
	if err != nil || len(rules) != 3 {
		t.Fatalf("%v %d", err, len(rules))
	}
	for _, r := range rules {
		if r.Condition == "" || len(r.Data) < 3 {
			t.Fatalf("rule %s is incomplete", r.Title)
		}
	}
	dashboards, err := Dashboards()
	if err != nil || len(dashboards) != 2 {
		t.Fatalf("%v %d", err, len(dashboards))
	}
}
