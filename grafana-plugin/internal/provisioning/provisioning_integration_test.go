//go:build integration

package provisioning

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/internal/grafanaexpr"
	"github.com/usagelens/analytics/internal/pluginhost"
	"github.com/usagelens/analytics/internal/stacktest"
)

// Proof without Grafana: every provisioned panel target and alert rule, read from the committed
// files, runs through the built plugin binary over gRPC against the local stack.

type harness struct {
	stack    stacktest.Stack
	plugin   *pluginhost.Plugin
	settings map[string]backend.DataSourceInstanceSettings
}

func setUp(t *testing.T) *harness {
	t.Helper()
	stack := stacktest.FromEnv(t)
	// What Grafana gets in compose: URLs from its environment, secrets from the files bootstrap writes.
	settings, err := Datasources(
		map[string]string{"USAGE_LENS_WORKER_URL": stack.WorkerURL, "CF_ACCOUNT_ID": stack.AccountID, "AE_DATASET": "usage_analytics", "AE_SQL_API_BASE_URL": stack.AEURL},
		map[string]string{"/run/usage-lens/admin-api-key": stack.AdminKey, "/run/usage-lens/ae-token": stack.AEToken},
	)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := pluginhost.Launch(pluginhost.DefaultBinary(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plugin.Close)
	return &harness{stack: stack, plugin: plugin, settings: settings}
}

// simulate fills the stack with a week of the simulator's traffic, through the real write path.
func simulate(t *testing.T, s stacktest.Stack) {
	t.Helper()
	cli, _ := filepath.Abs(filepath.Join("..", "..", "..", "local-analytics-engine", "src", "cli.ts"))
	out, err := exec.Command("node", cli, "simulate", "--url", s.AEURL, "--worker", s.WorkerURL, "--days", "7", "--users", "8", "--orgs", "3", "--seed", "7").CombinedOutput()
	if err != nil {
		t.Fatalf("simulator: %v\n%s", err, out)
	}
}

func (h *harness) query(t *testing.T, uid string, from, to time.Time, targets ...json.RawMessage) *backend.QueryDataResponse {
	t.Helper()
	return h.queryAs(t, nil, time.Minute, 1000, uid, from, to, targets...)
}

func (h *harness) queryAs(t *testing.T, headers map[string]string, interval time.Duration, maxDataPoints int64, uid string, from, to time.Time, targets ...json.RawMessage) *backend.QueryDataResponse {
	t.Helper()
	settings, ok := h.settings[uid]
	if !ok {
		t.Fatalf("no provisioned data source %q", uid)
	}
	req := &backend.QueryDataRequest{PluginContext: pluginhost.Context(settings), Headers: headers}
	for _, raw := range targets {
		var target struct {
			RefID     string `json:"refId"`
			QueryType string `json:"queryType"`
		}
		_ = json.Unmarshal(raw, &target)
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: target.RefID, QueryType: target.QueryType, JSON: raw,
			TimeRange: backend.TimeRange{From: from, To: to}, Interval: interval, MaxDataPoints: maxDataPoints,
		})
	}
	res, err := h.plugin.QueryData(context.Background(), req)
	if err != nil {
		t.Fatalf("QueryData over gRPC: %v", err)
	}
	return res
}

// describe summarises frames for the log: what each panel got.
func describe(frames data.Frames) string {
	if len(frames) == 0 {
		return "no frames"
	}
	f := frames[0]
	names := make([]string, len(f.Fields))
	for i, field := range f.Fields {
		names[i] = field.Name
	}
	if f.Meta != nil && f.Meta.Type == data.FrameTypeTimeSeriesMulti {
		return fmt.Sprintf("%d series of %d points [%s]", len(frames), f.Rows(), strings.Join(names, ", "))
	}
	return fmt.Sprintf("%d row(s) [%s]", f.Rows(), strings.Join(names, ", "))
}

// checkShape asserts a panel target's answer has the shape its query type promises.
func checkShape(t *testing.T, queryType, groupBy string, frames data.Frames) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("no frames")
	}
	fields := func(f *data.Frame) []string {
		out := []string{}
		for _, field := range f.Fields {
			out = append(out, field.Name)
		}
		return out
	}
	switch queryType {
	case "users":
		if got := strings.Join(fields(frames[0]), "|"); got != "User|User ID|Total|Sync|Sync auth|Auth|Chat|Ingest" || frames[0].Rows() == 0 {
			t.Fatalf("per-user table: %s with %d rows", got, frames[0].Rows())
		}
	case "totals":
		if v, _ := frames[0].Fields[0].FloatAt(0); v <= 0 || frames[0].Rows() != 1 {
			t.Fatalf("totals: %v events", v)
		}
	case "cost":
		if len(frames[0].Fields) != 4 || frames[0].Rows() != 1 {
			t.Fatalf("cost: %v", fields(frames[0]))
		}
	case "status":
		if strings.Join(fields(frames[0]), "|") != "Status|Class|Events" || frames[0].Rows() == 0 {
			t.Fatalf("status: %v", fields(frames[0]))
		}
	case "timeseries":
		var total float64
		for _, f := range frames {
			if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) != 2 || f.Fields[0].Type() != data.FieldTypeTime {
				t.Fatalf("series %q is not [time, value] timeseries-multi", f.Name)
			}
			if _, ok := f.Fields[1].Labels[groupBy]; !ok && groupBy != "total" {
				t.Fatalf("series %q has no %s label", f.Name, groupBy)
			}
			// Worker mode knows names: per-user series carry them, for legends and notifications.
			if _, ok := f.Fields[1].Labels["name"]; groupBy == "user" && !ok {
				t.Fatalf("series %q has no name label: %v", f.Name, f.Fields[1].Labels)
			}
			for i := 0; i < f.Rows(); i++ {
				v, _ := f.Fields[1].FloatAt(i)
				total += v
			}
		}
		if total <= 0 {
			t.Fatalf("time series add up to %v", total)
		}
	default:
		t.Fatalf("unexpected query type %q", queryType)
	}
}

// interpolate does what Grafana's frontend does with $user before a query reaches the backend.
func interpolate(raw json.RawMessage, vars map[string]string) json.RawMessage {
	text := string(raw)
	for name, value := range vars {
		text = strings.ReplaceAll(text, `"$`+name+`"`, fmt.Sprintf("%q", value))
	}
	return json.RawMessage(text)
}

func TestIntegrationEveryProvisionedPanelAndRule(t *testing.T) {
	h := setUp(t)
	simulate(t, h.stack)
	dashboards, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	panels := 0
	for _, d := range dashboards {
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			// The variable's values come from the plugin's variable support (CallResource).
			var q struct {
				Kind string `json:"kind"`
			}
			_ = json.Unmarshal(v.Query, &q)
			answers, err := h.plugin.CallResource(context.Background(), &backend.CallResourceRequest{
				PluginContext: pluginhost.Context(h.settings[v.Datasource.UID]), Path: q.Kind, URL: q.Kind, Method: http.MethodGet,
			})
			if err != nil || len(answers) != 1 || answers[0].Status != 200 {
				t.Fatalf("%s: variable %s: %v %v", d.Title, v.Name, err, answers)
			}
			var options []struct{ Value, Text string }
			_ = json.Unmarshal(answers[0].Body, &options)
			// The first simulated user (the admin has no traffic of their own).
			for _, o := range options {
				if o.Text != "Admin" {
					vars[v.Name] = o.Value
					t.Logf("%s: $%s = %s (%s) of %d values", d.Title, v.Name, o.Text, o.Value, len(options))
					break
				}
			}
		}
		from, err := Relative(d.Time.From, now)
		if err != nil {
			t.Fatal(err)
		}
		to, _ := Relative(d.Time.To, now)
		for _, p := range d.Panels {
			panels++
			t.Run(d.Title+"/"+p.Title, func(t *testing.T) {
				targets := make([]json.RawMessage, len(p.Targets))
				for i, target := range p.Targets {
					targets[i] = interpolate(target, vars)
				}
				res := h.query(t, p.Datasource.UID, from, to, targets...)
				for _, target := range targets {
					var q struct {
						RefID, QueryType, GroupBy string
					}
					_ = json.Unmarshal(target, &q)
					r := res.Responses[q.RefID]
					if r.Error != nil {
						t.Fatalf("target %s: %v", q.RefID, r.Error)
					}
					checkShape(t, q.QueryType, q.GroupBy, r.Frames)
					t.Logf("%s → %s %s: %s", p.Title, q.QueryType, q.GroupBy, describe(r.Frames))
				}
			})
		}
	}
	if panels < 12 {
		t.Fatalf("only %d panels found", panels)
	}

	rules, err := Rules()
	if err != nil || len(rules) != 3 {
		t.Fatalf("rules: %v (%d)", err, len(rules))
	}
	for _, rule := range rules {
		t.Run("rule/"+rule.Title, func(t *testing.T) {
			e, err := rule.Evaluate(h.ruleQuery(t, now))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d instance(s) evaluated, firing %v", rule.Title, len(e.Instances), e.Firing())
			if len(e.Firing()) != 0 {
				t.Fatalf("simulated everyday traffic should not fire %q: %v", rule.Title, e.Firing())
			}
			for _, i := range e.Instances {
				if i.State == grafanaexpr.Error {
					t.Fatalf("%s: %s", rule.Title, i.Error)
				}
			}
		})
	}
}

// ruleQuery runs a rule's data query as Grafana's alerting does: the window relative to the
// evaluation time, intervalMs 1000 and maxDataPoints 43200 when the model has none
// (pkg/services/ngalert/models/alert_query.go), and the headers of buildDatasourceHeaders
// (pkg/services/ngalert/eval/eval.go): FromAlert and X-Cache-Skip, so no dashboard cache answers.
func (h *harness) ruleQuery(t *testing.T, now time.Time) func(RuleQuery) (data.Frames, error) {
	return func(q RuleQuery) (data.Frames, error) {
		model, _ := json.Marshal(q.Model)
		from := now.Add(-time.Duration(q.RelativeTimeRange.From) * time.Second)
		to := now.Add(-time.Duration(q.RelativeTimeRange.To) * time.Second)
		headers := map[string]string{"FromAlert": "true", "X-Cache-Skip": "true", "X-Grafana-Org-Id": "1"}
		r := h.queryAs(t, headers, time.Second, 43200, q.DatasourceUID, from, to, model).Responses[q.RefID]
		return r.Frames, r.Error
	}
}

func ruleNamed(t *testing.T, uid string) Rule {
	rules, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.UID == uid {
			return r
		}
	}
	t.Fatalf("no rule %s", uid)
	return Rule{}
}

func users(e Evaluation) []string {
	firing := e.Firing()
	out := []string{}
	for _, l := range firing {
		out = append(out, l["user"])
	}
	sort.Strings(out)
	return out
}

// One simulated user goes over each per-user threshold; the rule selects that user and no other.
func TestIntegrationAlertRulesSelectOnlyTheUserOverTheThreshold(t *testing.T) {
	h := setUp(t)
	simulate(t, h.stack)
	now := time.Now()
	minutesAgo := func(m int) time.Time { return now.Add(-time.Duration(m) * time.Minute) }
	hot, busy, flaky, unlucky := stacktest.UniqueID("hot"), stacktest.UniqueID("busy"), stacktest.UniqueID("flaky"), stacktest.UniqueID("unlucky")
	var points []stacktest.Point
	for i := 0; i < 501; i++ {
		points = append(points, stacktest.Point{User: hot, Event: "sync", Status: 101, At: minutesAgo(1 + i%50)})
	}
	for i := 0; i < 499; i++ {
		points = append(points, stacktest.Point{User: busy, Event: "auth", Status: 200, At: minutesAgo(1 + i%50)})
	}
	// flaky: 10 of 30 calls fail (33%); unlucky: 3 of 5 fail, but 5 calls are too few to alert on.
	for i := 0; i < 30; i++ {
		status := 201.0
		if i < 10 {
			status = 400
		}
		points = append(points, stacktest.Point{User: flaky, Event: "ingest", Status: status, At: minutesAgo(2 + i)})
	}
	for i := 0; i < 5; i++ {
		status := 200.0
		if i < 3 {
			status = 401
		}
		points = append(points, stacktest.Point{User: unlucky, Event: "auth", Status: status, At: minutesAgo(2 + i)})
	}
	h.stack.Write(t, "usage_analytics", points)
	query := h.ruleQuery(t, time.Now().Add(time.Second))

	e, err := ruleNamed(t, "usage-lens-user-rate").Evaluate(query)
	if err != nil {
		t.Fatal(err)
	}
	if got := users(e); fmt.Sprint(got) != fmt.Sprint([]string{hot}) {
		t.Fatalf("calls per hour: firing for %v, want only %s (busy stayed at 499)", got, hot)
	}

	e, err = ruleNamed(t, "usage-lens-user-errors").Evaluate(query)
	if err != nil {
		t.Fatal(err)
	}
	if got := users(e); fmt.Sprint(got) != fmt.Sprint([]string{flaky}) {
		t.Fatalf("error ratio: firing for %v, want only %s", got, flaky)
	}
	for _, n := range e.Steps["E"].Numbers {
		if n.Labels["user"] == flaky && (n.Value == nil || *n.Value < 0.33 || *n.Value > 0.34) {
			t.Fatalf("flaky's ratio is %v, want 10/30", n.Value)
		}
	}

	freeTier := ruleNamed(t, "usage-lens-free-tier")
	if e, err = freeTier.Evaluate(query); err != nil || len(e.Firing()) != 0 {
		t.Fatalf("free tier before: %v %v", e.Firing(), err)
	}
	// One sampled row standing for 90,000 writes puts the day over 80% of the free tier. The next
	// evaluation, at once, must see it: alert queries skip the plugin's dashboard cache.
	h.stack.Write(t, "usage_analytics", []stacktest.Point{{User: stacktest.UniqueID("bulk"), Event: "ingest", Status: 201, At: minutesAgo(3), Sample: 90_000}})
	e, err = freeTier.Evaluate(query)
	if err != nil || len(e.Firing()) != 1 {
		t.Fatalf("free tier after: %v %v (an alert query answered from the dashboard cache misses new writes)", e.Firing(), err)
	}
	t.Logf("free tier: %v writes in 24 h fire the rule", *e.Steps["B"].Numbers[0].Value)
}
