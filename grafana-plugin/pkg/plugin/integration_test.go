//go:build integration

package plugin

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/stacktest"
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

func TestIntegrationOneDashboardRefreshIsOneUpstreamRequest(t *testing.T) {
	stack := stacktest.FromEnv(t)
	fixture := stacktest.Seed(t, stack, "usage_analytics")
	for _, mode := range []string{"worker", "sql"} {
		settings := stack.WorkerSettings(stack.AdminKey)
		if mode == "sql" {
			settings = stack.SQLSettings(stack.AEToken, "usage_analytics")
		}
		ds := instance(t, settings)
		cases := stacktest.Cases(fixture, mode)
		before := stack.SQLQueries(t)
		var wg sync.WaitGroup
		panels := 0
		for i, c := range cases {
			if c.Query.QueryType == "sql" {
				continue
			}
			panels++
			wg.Add(1)
			go func(i int, q backend.DataQuery) {
				defer wg.Done()
				// Each panel resolves "now" a little later, as a browser's panels do.
				q.TimeRange.From = q.TimeRange.From.Add(time.Duration(i) * 7 * time.Millisecond)
				q.TimeRange.To = q.TimeRange.To.Add(time.Duration(i) * 7 * time.Millisecond)
				res, _ := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
				if err := res.Responses[q.RefID].Error; err != nil {
					t.Errorf("%s: %v", q.RefID, err)
				}
			}(i, c.Query)
		}
		wg.Wait()
		// "event filter" asks for other events, so it is a second distinct request.
		if got := stack.SQLQueries(t) - before; got != 2 {
			t.Fatalf("%s mode: %d panels made %d SQL API requests, want 2 (one per distinct filter set)", mode, panels, got)
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
		{"worker mode", stack.WorkerSettings(stack.AdminKey), true, "events from"},
		{"sql mode", stack.SQLSettings(stack.AEToken, "usage_analytics"), true, "dataset usage_analytics"},
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
		ds := instance(t, settings)
		call := func(path string) (int, string) {
			var out captured
			if err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Path: path, Method: http.MethodGet}, &out); err != nil {
				t.Fatal(err)
			}
			return out.responses[0].Status, string(out.responses[0].Body)
		}
		if status, body := call("users"); status != 200 || !strings.Contains(body, fixture.Ivy) {
			t.Fatalf("%s users: %d %s", mode, status, body)
		} else if mode == "worker" && !strings.Contains(body, `"text":"Integration Ivy"`) {
			t.Fatalf("worker mode names users: %s", body)
		}
		if status, body := call("events"); status != 200 || !strings.Contains(body, `{"value":"sync_auth","text":"Sync auth"}`) {
			t.Fatalf("%s events: %d %s", mode, status, body)
		}
		if status, _ := call("orgs"); status != 200 {
			t.Fatalf("%s orgs: %d", mode, status)
		}
		if status, _ := call("nope"); status != 404 {
			t.Fatalf("%s unknown resource: %d", mode, status)
		}
	}
}
