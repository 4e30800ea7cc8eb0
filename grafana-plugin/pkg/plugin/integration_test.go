//go:build integration

package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/stacktest"
	"github.com/usagelens/analytics/pkg/contract"
)

// These run the data source in-process against the real worker and local AE over HTTP.

func instance(t *testing.T, settings backend.DataSourceInstanceSettings) *Datasource {
	t.Helper()
	inst, err := NewDatasource(context.Background(), settings)
	if err != nil {
		t.Fatal(err)
	}
	return inst.(*Datasource)
}

func TestIntegrationEveryQueryTypeInBothModes(t *testing.T) {
	stack := stacktest.FromEnv(t)
	fixture := stacktest.Seed(t, stack, "usage_analytics")
	modes := map[string]backend.DataSourceInstanceSettings{
		"worker": stack.WorkerSettings(stack.AdminKey),
		"sql":    stack.SQLSettings(stack.AEToken, "usage_analytics"),
	}
	for mode, settings := range modes {
		ds := instance(t, settings)
		for _, c := range stacktest.Cases(fixture, mode) {
			t.Run(mode+"/"+c.Name, func(t *testing.T) {
				res, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{c.Query}})
				if err != nil {
					t.Fatal(err)
				}
				c.Check(t, res.Responses[c.Query.RefID])
			})
		}
	}
}

// The reads a refresh costs, counted by the local AE itself (SQL API requests and Analytics SQL
// binding queries): the Usage overview 4, User detail 2, Limits 5 (worker mode), alert rules of
// one tick sharing one read, in both modes.
func TestIntegrationReadsPerRefresh(t *testing.T) {
	stack := stacktest.FromEnv(t)
	fixture := stacktest.Seed(t, stack, "usage_analytics")
	// sql mode reads the staging dataset, which no other test writes, so the overview's unfiltered
	// reads stay small. The local AE writes only to its configured datasets (LOCAL_AE_DATASETS, by
	// default the two of the contract), as AE has no dataset before a binding creates it.
	dataset := contract.Datasets["staging"]
	stack.Write(t, dataset, []stacktest.Point{{User: "u_1", Event: "sync", Status: 101, At: time.Now().Add(-time.Minute)}})
	// The worker's recommendations read the last 7 whole days: a call there makes them two reads
	// (with none, the worker skips the users-over read).
	stack.Write(t, "usage_analytics", []stacktest.Point{{User: stacktest.UniqueID("recent"), Event: "auth", Status: 200, At: time.Now().Add(-48 * time.Hour)}})
	detail := make([]json.RawMessage, len(userDetail))
	for i, panel := range userDetail {
		detail[i] = json.RawMessage(strings.ReplaceAll(string(panel), "u_00042", fixture.Ivy))
	}
	for mode, settings := range map[string]backend.DataSourceInstanceSettings{
		"worker": stack.WorkerSettings(stack.AdminKey),
		"sql":    stack.SQLSettings(stack.AEToken, dataset),
	} {
		t.Run(mode, func(t *testing.T) { readsPerRefresh(t, stack, mode, settings, detail) })
	}
}

func readsPerRefresh(t *testing.T, stack stacktest.Stack, mode string, settings backend.DataSourceInstanceSettings, detail []json.RawMessage) {
	{
		dashboards := []struct {
			name   string
			span   time.Duration
			panels []json.RawMessage
			reads  int
		}{
			{"Usage overview", 24 * time.Hour, overview, 4},
			{"User detail", 7 * 24 * time.Hour, detail, 2},
		}
		if mode == "worker" {
			// Limits: totals, the users over the limit, one series read, and the worker's two
			// reads for the recommendations (worker mode only: the limits live in the app).
			dashboards = append(dashboards, struct {
				name   string
				span   time.Duration
				panels []json.RawMessage
				reads  int
			}{"Limits", 7 * 24 * time.Hour, dashboardTargets(t, "usage-lens-limits"), 5})
		}
		for _, dashboard := range dashboards {
			ds := instance(t, settings)
			before := stack.Reads(t)
			// refresh fails on any panel's error.
			refresh(t, ds, dashboard.span, dashboard.panels, time.Now())
			if got := stack.Reads(t) - before; got != dashboard.reads {
				t.Errorf("%s mode: a refresh of %s (%d panels) made %d reads, want %d", mode, dashboard.name, len(dashboard.panels), got, dashboard.reads)
			}
		}

		// The three per-user rules of one tick: one read, never the dashboard's.
		ds := instance(t, settings)
		tick := time.Now()
		refresh(t, ds, time.Hour, []json.RawMessage{json.RawMessage(`{"queryType":"perUser","metric":"events","minEvents":20,"minOverLimit":1}`)}, tick)
		before := stack.Reads(t)
		for _, metric := range []string{"events", "error_rate", "errors", "over_limit"} {
			res, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
				Headers: map[string]string{"FromAlert": "true", "X-Cache-Skip": "true", "X-Grafana-Org-Id": "1"},
				Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(`{"queryType":"perUser","metric":"` + metric + `","minEvents":20,"minOverLimit":1}`), TimeRange: backend.TimeRange{From: tick.Add(-time.Hour), To: tick}}},
			})
			if err != nil || res.Responses["A"].Error != nil {
				t.Fatalf("%s mode, rule of %s: %v %v", mode, metric, err, res.Responses["A"].Error)
			}
		}
		if got := stack.Reads(t) - before; got != 1 {
			t.Errorf("%s mode: the per-user rules of one tick made %d reads, want 1 (their own, not the dashboard's)", mode, got)
		}
	}
}

func TestIntegrationHealth(t *testing.T) {
	stack := stacktest.FromEnv(t)
	stacktest.Seed(t, stack, "usage_analytics")
	ingestKey := stack.CreateKey(t, "ingest")
	unreachable := stack.WorkerSettings(stack.AdminKey)
	unreachable.JSONData = []byte(`{"mode":"worker","workerUrl":"http://127.0.0.1:9","timeoutSeconds":5}`)
	cases := []struct {
		name     string
		settings backend.DataSourceInstanceSettings
		ok       bool
		want     string
	}{
		{"worker mode", stack.WorkerSettings(stack.AdminKey), true, "Connected to the worker (dataset usage_analytics)"},
		{"sql mode", stack.SQLSettings(stack.AEToken, "usage_analytics"), true, "Connected to Analytics Engine (dataset usage_analytics)"},
		{"a wrong API key", stack.WorkerSettings("ul_admin_not-a-real-key"), false, "rejected the API key (401)"},
		{"an ingest key", stack.WorkerSettings(ingestKey), false, "not an admin key (403)"},
		{"an unreachable worker", unreachable, false, "Cannot reach the worker"},
		{"a wrong AE token", stack.SQLSettings("wrong-token", "usage_analytics"), false, "may not be enabled"},
		{"an unknown dataset", stack.SQLSettings(stack.AEToken, "no_such_dataset"), false, "Dataset no_such_dataset was not found"},
		{"missing settings", backend.DataSourceInstanceSettings{Type: stacktest.PluginID, JSONData: []byte(`{"mode":"sql"}`)}, false, "account ID is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := instance(t, c.settings).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if (res.Status == backend.HealthStatusOk) != c.ok || !strings.Contains(res.Message, c.want) {
				t.Fatalf("got %v %q, want ok=%v and %q", res.Status, res.Message, c.ok, c.want)
			}
		})
	}
}

func TestIntegrationVariableResources(t *testing.T) {
	stack := stacktest.FromEnv(t)
	fixture := stacktest.Seed(t, stack, "usage_analytics")
	for mode, settings := range map[string]backend.DataSourceInstanceSettings{
		"worker": stack.WorkerSettings(stack.AdminKey),
		"sql":    stack.SQLSettings(stack.AEToken, "usage_analytics"),
	} {
		t.Run(mode, func(t *testing.T) { variableResources(t, fixture, mode, settings) })
	}
}

func variableResources(t *testing.T, fixture stacktest.Fixture, mode string, settings backend.DataSourceInstanceSettings) {
	{
		ds := instance(t, settings)
		call := func(path string) (int, string) {
			var out captured
			if err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Path: path, Method: http.MethodGet}, &out); err != nil {
				t.Fatal(err)
			}
			return out.responses[0].Status, string(out.responses[0].Body)
		}
		options := func(path string) map[string]string {
			status, body := call(path)
			var list []Option
			if err := json.Unmarshal([]byte(body), &list); status != 200 || err != nil {
				t.Fatalf("%s %s: %d %s", mode, path, status, body)
			}
			byValue := map[string]string{}
			for _, o := range list {
				byValue[o.Value] = o.Text
			}
			return byValue
		}
		ivyName := "Integration Ivy"
		if mode == "sql" {
			ivyName = fixture.Ivy
		}
		users := options("users")
		if users[fixture.Ivy] != ivyName || users[fixture.Tricky] != fixture.Tricky {
			t.Fatalf("%s mode: the users variable has Ivy as %q (want %q) and the quoted id as %q", mode, users[fixture.Ivy], ivyName, users[fixture.Tricky])
		}
		if orgs := options("orgs"); orgs[fixture.Org] != fixture.Org || hasKey(orgs, "") {
			t.Fatalf("%s mode: the orgs variable lists the fixture's org, not users in none: %v", mode, orgs)
		}
		if status, body := call("events"); status != 200 || !strings.Contains(body, `{"value":"sync_auth","text":"Sync auth"}`) {
			t.Fatalf("%s events: %d %s", mode, status, body)
		}
		if status, _ := call("nope"); status != 404 {
			t.Fatalf("%s unknown resource: %d", mode, status)
		}
	}
}

func hasKey(m map[string]string, key string) bool {
	_, ok := m[key]
	return ok
}
