//go:build integration

package pluginhost

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/stacktest"
)

func launch(t *testing.T) *Plugin {
	t.Helper()
	p, err := Launch(DefaultBinary(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// The built binary, driven over gRPC as Grafana drives it, answers every query type in both
// modes from the running local stack.
func TestIntegrationBinaryAnswersEveryQueryTypeInBothModes(t *testing.T) {
	stack := stacktest.FromEnv(t)
	fixture := stacktest.Seed(t, stack, "usage_analytics")
	p := launch(t)
	for mode, settings := range map[string]backend.DataSourceInstanceSettings{
		"worker": stack.WorkerSettings(stack.AdminKey),
		"sql":    stack.SQLSettings(stack.AEToken, "usage_analytics"),
	} {
		cases := stacktest.Cases(fixture, mode)
		req := &backend.QueryDataRequest{PluginContext: Context(settings)}
		for _, c := range cases {
			req.Queries = append(req.Queries, c.Query)
		}
		res, err := p.QueryData(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: QueryData over gRPC: %v", mode, err)
		}
		for _, c := range cases {
			t.Run(mode+"/"+c.Name, func(t *testing.T) { c.Check(t, res.Responses[c.Query.RefID]) })
		}
	}
}

func TestIntegrationBinaryHealthAndResources(t *testing.T) {
	stack := stacktest.FromEnv(t)
	fixture := stacktest.Seed(t, stack, "usage_analytics")
	p := launch(t)
	worker := Context(stack.WorkerSettings(stack.AdminKey))
	health, err := p.CheckHealth(context.Background(), worker)
	if err != nil || health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "events from") {
		t.Fatalf("health: %v %+v", err, health)
	}
	wrongKey := stack.WorkerSettings("ul_admin_wrong")
	wrongKey.UID = "usage-worker-wrong-key"
	bad, err := p.CheckHealth(context.Background(), Context(wrongKey))
	if err != nil || bad.Status != backend.HealthStatusError || !strings.Contains(bad.Message, "401") {
		t.Fatalf("a wrong key must fail health in words: %v %+v", err, bad)
	}
	answers, err := p.CallResource(context.Background(), &backend.CallResourceRequest{PluginContext: worker, Path: "users", Method: http.MethodGet, URL: "users"})
	if err != nil || len(answers) != 1 || answers[0].Status != 200 {
		t.Fatalf("users resource: %v %+v", err, answers)
	}
	var users []struct{ Value, Text string }
	if err := json.Unmarshal(answers[0].Body, &users); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range users {
		found = found || (u.Value == fixture.Ivy && u.Text == "Integration Ivy")
	}
	if !found {
		t.Fatalf("Ivy (id and name) is not among the user values: %s", answers[0].Body)
	}
	if p.Exited() {
		t.Fatal("the plugin process died")
	}
}
