//go:build integration

package provisioning

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
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
// files, runs through the built plugin binary over gRPC against the local stack, on known data
// with exact answers. Known data is written weeks back, where neither the simulator (the last
// week) nor the other suites (the last hour) write, and the dashboards and rules are evaluated
// at a "now" there; each test picks its own random day, so a rerun on a long-lived stack does not
// count its data twice.

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

// daysAgo is a whole hour on a random day in [from, to) days before now, so the windows ending
// there start on a bucket of every series (10 minutes for 24 h, 1 hour for 7 days).
func daysAgo(from, to int) time.Time {
	days := from + rand.Intn(to-from)
	return time.Now().UTC().Add(-time.Duration(days) * 24 * time.Hour).Truncate(time.Hour)
}

// queryData sends req to the binary for the provisioned data source uid, as Grafana does.
func (h *harness) queryData(ctx context.Context, uid string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	settings, ok := h.settings[uid]
	if !ok {
		return nil, fmt.Errorf("no provisioned data source %q", uid)
	}
	req.PluginContext = pluginhost.Context(settings)
	return h.plugin.QueryData(ctx, req)
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

// interpolate does what Grafana's frontend does with $user before a query reaches the backend.
func interpolate(raw json.RawMessage, vars map[string]string) json.RawMessage {
	text := string(raw)
	for name, value := range vars {
		text = strings.ReplaceAll(text, `"$`+name+`"`, fmt.Sprintf("%q", value))
	}
	return json.RawMessage(text)
}

func oneFrame(t *testing.T, frames data.Frames) *data.Frame {
	t.Helper()
	if len(frames) != 1 {
		t.Fatalf("%d frames, want 1", len(frames))
	}
	return frames[0]
}

func fieldNames(f *data.Frame) []string {
	out := []string{}
	for _, field := range f.Fields {
		out = append(out, field.Name)
	}
	return out
}

// rows is a table frame's rows, each as its printed values, for exact comparisons.
func rows(f *data.Frame) []string {
	out := []string{}
	for i := 0; i < f.Rows(); i++ {
		row := []string{}
		for _, field := range f.Fields {
			v, _ := field.ConcreteAt(i)
			row = append(row, fmt.Sprint(v))
		}
		out = append(out, strings.Join(row, " "))
	}
	return out
}

func num(t *testing.T, f *data.Frame, field string, row int) float64 {
	t.Helper()
	for _, x := range f.Fields {
		if x.Name == field {
			v, err := x.FloatAt(row)
			if err != nil {
				t.Fatalf("%s[%d]: %v", field, row, err)
			}
			return v
		}
	}
	t.Fatalf("no field %q in %v", field, fieldNames(f))
	return 0
}

// seriesTotals sums each series of a time series answer by its label, checking the dataplane
// shape (timeseries-multi, [time, value]) and that every series has the axis of the window:
// points buckets from start on.
func seriesTotals(t *testing.T, frames data.Frames, label string, start time.Time, points int) map[string]float64 {
	t.Helper()
	totals := map[string]float64{}
	for _, f := range frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) != 2 || f.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("series %q is not [time, value] timeseries-multi", f.Name)
		}
		if f.Rows() != points || !f.Fields[0].At(0).(time.Time).Equal(start) {
			t.Fatalf("series %q has %d points from %v, want %d from %v", f.Name, f.Rows(), f.Fields[0].At(0), points, start)
		}
		key, ok := f.Fields[1].Labels[label]
		if !ok {
			t.Fatalf("series %q has no %s label: %v", f.Name, label, f.Fields[1].Labels)
		}
		for i := 0; i < f.Rows(); i++ {
			v, _ := f.Fields[1].FloatAt(i)
			totals[key] += v
		}
	}
	return totals
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// panelData is the known usage of the dashboards, around now = T0.
type panelData struct {
	T0          time.Time
	Ada, Org    string
	U2, U3      string
	Capped, Hog string
	AdaName     string
	expectation map[string]func(t *testing.T, frames data.Frames)
}

const (
	adaName    = "Provisioned Ada"
	cappedName = "Provisioned Capped"
	hogName    = "Provisioned Hog"
)

// seedPanels writes the dashboards' known usage and says what every panel must show:
//   - Ada (an app user, so worker mode names her), org O: 6 sync (101), 3 auth (200), 1 auth (500)
//     alone in its 10-minute bucket, 1 ingest row sampled 1 in 4 (201); in the last 24 h. One more
//     auth 4 days back (User detail's 7 days only), one 8 days back (no window), one an hour ago
//     (so the user variable, over the last 30 days of real time, lists her);
//   - u2 (an id the app does not know), org O: 2 chat (101), 1 ingest (400) alone in its bucket;
//   - u3, in no org: 5 sync_auth (200), one more at the window's first second, and one at its end,
//     which the window leaves out;
//   - for the Limits dashboard (7 days), two and three days back, outside the overview's day:
//     Capped (an app user) over the limit 9 times on auth, 4 of them refused (429); u2 once over
//     on ingest (201). And Hog (an app user), in real time 2 days ago (the recommendations read the
//     last 7 days of real time), 150 sync calls in one minute: over the standard limit of 60.
func seedPanels(t *testing.T, h *harness) *panelData {
	t.Helper()
	p := &panelData{T0: daysAgo(30, 55), Ada: h.stack.SignUp(t, adaName), Org: stacktest.UniqueID("org"), U2: stacktest.UniqueID("u2"), U3: stacktest.UniqueID("u3"),
		Capped: h.stack.SignUp(t, cappedName), Hog: h.stack.SignUp(t, hogName)}
	ago := func(d time.Duration) time.Time { return p.T0.Add(-d) }
	pt := func(user, event, org string, status float64, at time.Time) stacktest.Point {
		return stacktest.Point{User: user, Event: event, Org: org, Status: status, At: at}
	}
	var points []stacktest.Point
	for i := 0; i < 6; i++ {
		points = append(points, pt(p.Ada, "sync", p.Org, 101, ago(2*time.Hour+time.Duration(i)*time.Minute)))
	}
	for i := 0; i < 3; i++ {
		points = append(points, pt(p.Ada, "auth", p.Org, 200, ago(3*time.Hour+time.Duration(5-i)*time.Minute)))
	}
	ingest := pt(p.Ada, "ingest", p.Org, 201, ago(4*time.Hour+5*time.Minute))
	ingest.Sample = 4
	points = append(points,
		ingest,
		pt(p.Ada, "auth", p.Org, 500, ago(5*time.Hour+5*time.Minute)),
		pt(p.Ada, "auth", p.Org, 200, ago(4*24*time.Hour)),
		pt(p.Ada, "auth", p.Org, 200, ago(8*24*time.Hour)),
		pt(p.Ada, "sync", p.Org, 101, time.Now().Add(-time.Hour)),
		pt(p.U2, "ingest", p.Org, 400, ago(6*time.Hour+5*time.Minute)),
		pt(p.U2, "chat", p.Org, 101, ago(7*time.Hour+5*time.Minute)),
		pt(p.U2, "chat", p.Org, 101, ago(8*time.Hour+5*time.Minute)),
		pt(p.U3, "sync_auth", "", 200, ago(24*time.Hour)),
		pt(p.U3, "sync_auth", "", 200, p.T0),
	)
	for i := 0; i < 5; i++ {
		points = append(points, pt(p.U3, "sync_auth", "", 200, ago(time.Duration(10+i)*time.Hour+5*time.Minute)))
	}
	over := func(user, event string, status float64, at time.Time) stacktest.Point {
		q := pt(user, event, "", status, at)
		q.OverLimit = true
		return q
	}
	for i := 0; i < 5; i++ {
		points = append(points, over(p.Capped, "auth", 200, ago(2*24*time.Hour+time.Duration(i)*time.Minute)))
	}
	for i := 0; i < 4; i++ {
		points = append(points, over(p.Capped, "auth", 429, ago(3*24*time.Hour+time.Duration(i)*time.Minute)))
	}
	points = append(points, over(p.U2, "ingest", 201, ago(2*24*time.Hour+30*time.Minute)))
	hogMinute := time.Now().UTC().Add(-2 * 24 * time.Hour).Truncate(time.Minute)
	for i := 0; i < 150; i++ {
		points = append(points, pt(p.Hog, "sync", "", 101, hogMinute.Add(time.Duration(i)*200*time.Millisecond)))
	}
	h.stack.Write(t, "usage_analytics", points)

	day, week := p.T0.Add(-24*time.Hour), p.T0.Add(-7*24*time.Hour)
	totals := func(events, users float64) func(*testing.T, data.Frames) {
		return func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "totals", rows(f), []string{fmt.Sprintf("%v %v", events, users)})
			same(t, "totals fields", fieldNames(f), []string{"Total events", "Active users"})
		}
	}
	// 23 writes in the day: per day 23, 0.023% of the free 100,000, 690 a month, within the paid
	// plan's 10M included; reads today: at least this one, and its share of the free 10,000.
	cost := func(t *testing.T, frames data.Frames) {
		f := oneFrame(t, frames)
		same(t, "cost fields", fieldNames(f), []string{"AE writes per day", "Free tier used", "Projected monthly writes", "Projected monthly cost", "AE reads today", "Free reads used"})
		if num(t, f, "AE writes per day", 0) != 23 || math.Abs(num(t, f, "Free tier used", 0)-0.023) > 1e-12 || num(t, f, "Projected monthly writes", 0) != 690 || num(t, f, "Projected monthly cost", 0) != 0 {
			t.Fatalf("cost %v", rows(f))
		}
		if reads := num(t, f, "AE reads today", 0); reads < 1 || math.Abs(num(t, f, "Free reads used", 0)-reads/100) > 1e-9 {
			t.Fatalf("reads today %v, %v%% of the free reads", reads, num(t, f, "Free reads used", 0))
		}
	}
	statuses := map[string]float64{"101": 6, "200": 4, "201": 4, "500": 1}
	p.expectation = map[string]func(*testing.T, data.Frames){
		"usage-lens-overview/Total events":                       totals(23, 3),
		"usage-lens-overview/Active users":                       totals(23, 3),
		"usage-lens-overview/AE writes per day (free tier 100k)": cost,
		"usage-lens-overview/Projected monthly AE cost":          cost,
		// Each user's share of the day's 23 writes; 23 a day is far inside the paid plan's
		// included writes, so nobody costs anything.
		"usage-lens-overview/Usage by user": func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "columns", fieldNames(f), []string{"User", "User ID", "Total", "Sync", "Sync auth", "Auth", "Chat", "Ingest", "Share of writes", "Monthly AE cost"})
			same(t, "rows", rows(f), []string{
				fmt.Sprintf("%s %s 14 6 0 4 0 4 %v 0", adaName, p.Ada, 14.0/23),
				fmt.Sprintf("%s %s 6 0 6 0 0 0 %v 0", p.U3, p.U3, 6.0/23),
				fmt.Sprintf("%s %s 3 0 0 0 2 1 %v 0", p.U2, p.U2, 3.0/23),
			})
		},
		"usage-lens-overview/Events over time by type": func(t *testing.T, frames data.Frames) {
			same(t, "events by type", seriesTotals(t, frames, "event", day, 144), map[string]float64{"sync": 6, "sync_auth": 6, "auth": 4, "chat": 2, "ingest": 5})
		},
		"usage-lens-overview/Top users over time": func(t *testing.T, frames data.Frames) {
			same(t, "events by user", seriesTotals(t, frames, "user", day, 144), map[string]float64{p.Ada: 14, p.U3: 6, p.U2: 3})
			ada := frames[0].Fields[1]
			same(t, "the busiest series", []string{ada.Labels["user"], ada.Labels["name"], ada.Config.DisplayNameFromDS}, []string{p.Ada, adaName, adaName})
		},
		"usage-lens-overview/Usage by org": func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "columns", fieldNames(f), []string{"Org", "Org ID", "Total", "Errors", "Active users"})
			same(t, "rows", rows(f), []string{fmt.Sprintf("%s %s 17 2 2", p.Org, p.Org), "(none)  6 0 1"})
		},
		// Users with errors only; each one's failing call is alone in its bucket: a rate of 1 there.
		"usage-lens-overview/Error rate by user (status ≥ 400)": func(t *testing.T, frames data.Frames) {
			same(t, "error rates by user", seriesTotals(t, frames, "user", day, 144), map[string]float64{p.Ada: 1, p.U2: 1})
		},
		"usage-lens-user-detail/Calls by $user": totals(15, 1),
		"usage-lens-user-detail/Statuses": func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "columns", fieldNames(f), []string{"Status", "Class", "Events"})
			same(t, "rows", rows(f), []string{"101 1xx 6", "200 2xx 4", "201 2xx 4", "500 5xx 1"})
		},
		"usage-lens-user-detail/Events over time": func(t *testing.T, frames data.Frames) {
			same(t, "Ada's events", seriesTotals(t, frames, "event", week, 168), map[string]float64{"sync": 6, "auth": 5, "ingest": 4})
		},
		"usage-lens-user-detail/Statuses over time": func(t *testing.T, frames data.Frames) {
			same(t, "Ada's statuses", seriesTotals(t, frames, "status", week, 168), statuses)
		},
		// Limits, 7 days before T0: Capped 9 over (4 refused), u2 1 over.
		"usage-lens-limits/Calls over the limit": func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "calls over the limit", rows(f), []string{"10"})
			same(t, "field", fieldNames(f), []string{"Calls over the limit"})
		},
		"usage-lens-limits/Calls over the limit by user": func(t *testing.T, frames data.Frames) {
			same(t, "over the limit by user", seriesTotals(t, frames, "user", week, 168), map[string]float64{p.Capped: 9, p.U2: 1})
			same(t, "Capped's name", frames[0].Name, cappedName)
		},
		"usage-lens-limits/Throttled calls by user": func(t *testing.T, frames data.Frames) {
			same(t, "throttled by user", seriesTotals(t, frames, "user", week, 168), map[string]float64{p.Capped: 4})
		},
		// The recommendations read the last 7 days of real time, which hold the simulator's week:
		// the table is held to the contract's rules (stacktest.checkLimits does the same
		// in-process), and Hog's minute of 150 sync calls is over the standard 60.
		"usage-lens-limits/Recommended and configured limits per event": func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "columns", fieldNames(f), []string{"Event", "Users", "Day p50", "Day p90", "Day p99", "Day max", "Minute p50", "Minute p90", "Minute p99", "Minute max",
				"Recommended per minute", "Recommended per day", "Configured per minute (standard)", "Configured per minute (high)"})
			for i := 0; i < f.Rows(); i++ {
				if f.Fields[0].At(i) == "Sync" {
					if top := num(t, f, "Minute max", i); top < 150 {
						t.Fatalf("the busiest sync minute had %v calls; Hog made 150 in one", top)
					}
					same(t, "sync's configured limits", []float64{num(t, f, "Configured per minute (standard)", i), num(t, f, "Configured per minute (high)", i)}, []float64{60, 600})
					return
				}
			}
			t.Fatalf("no sync row: %v", rows(f))
		},
		"usage-lens-limits/Users over the limit": func(t *testing.T, frames data.Frames) {
			f := oneFrame(t, frames)
			same(t, "columns", fieldNames(f), []string{"User", "User ID", "Tier", "Event", "Minutes over (configured)", "Calls over (configured)", "Days over (recommended)", "Minutes over (recommended)"})
			// One minute over the standard 60, by 90 calls (the worker counts the calls past the
			// limit: limits-worker recommend-sql.ts `sumIf(calls - threshold, calls > threshold)`).
			for _, row := range rows(f) {
				if strings.HasPrefix(row, hogName+" "+p.Hog+" standard Sync 1 90 ") {
					return
				}
			}
			t.Fatalf("Hog (standard tier) is not 90 calls over the configured sync limit in one minute: %v", rows(f))
		},
	}
	return p
}

func TestIntegrationEveryProvisionedPanelAndRule(t *testing.T) {
	h := setUp(t)
	simulate(t, h.stack)
	known := seedPanels(t, h)
	dashboards, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
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
			for _, o := range options {
				if o.Text == adaName {
					vars[v.Name] = o.Value
				}
			}
			if vars[v.Name] != known.Ada || len(options) < 2 {
				t.Fatalf("%s: $%s lists %d users (the simulated ones and Ada, by name), Ada as %q", d.Title, v.Name, len(options), vars[v.Name])
			}
		}
		from, err := Relative(d.Time.From, known.T0)
		if err != nil {
			t.Fatal(err)
		}
		to, _ := Relative(d.Time.To, known.T0)
		for _, p := range d.Panels {
			key := d.UID + "/" + p.Title
			check, ok := known.expectation[key]
			if !ok {
				t.Fatalf("panel %s has no expected answer here: add one", key)
			}
			checked[key] = true
			t.Run(d.Title+"/"+p.Title, func(t *testing.T) {
				targets := make([]json.RawMessage, len(p.Targets))
				for i, target := range p.Targets {
					targets[i] = interpolate(target, vars)
				}
				res, err := h.queryData(context.Background(), p.Datasource.UID, panelRequestAt(targets, from, to))
				if err != nil {
					t.Fatalf("QueryData over gRPC: %v", err)
				}
				if len(targets) != 1 {
					t.Fatalf("%d targets: the expectations here are per panel of one target", len(targets))
				}
				var q struct{ RefID string }
				_ = json.Unmarshal(targets[0], &q)
				r := res.Responses[q.RefID]
				if r.Error != nil {
					t.Fatalf("target %s: %v", q.RefID, r.Error)
				}
				// What the panel shows: a table one frame, by its frameIndex (Panel.Shown).
				check(t, p.Shown(r.Frames))
				t.Logf("%s: %s", p.Title, describe(p.Shown(r.Frames)))
			})
		}
	}
	for key := range known.expectation {
		if !checked[key] {
			t.Errorf("no provisioned panel %s", key)
		}
	}

	// Everyday traffic (the simulator's week) fires nothing, and no rule fails to evaluate. The
	// tick is two hours back: the last hour holds the other suites' fixtures (stacktest.Seed, whose
	// users went over their limits on purpose), not everyday traffic.
	groups, err := RuleGroups()
	if err != nil {
		t.Fatal(err)
	}
	tick := time.Now().Add(-2 * time.Hour).Truncate(10 * time.Second)
	for _, g := range groups {
		for _, rule := range g.Rules {
			t.Run("rule/"+rule.Title, func(t *testing.T) {
				e, err := rule.EvaluateAt(context.Background(), g.Folder, tick, h.queryData)
				if err != nil {
					t.Fatal(err)
				}
				for _, i := range e.Instances {
					if i.State == grafanaexpr.Error {
						t.Fatalf("%s: %s", rule.Title, i.Error)
					}
				}
				if len(e.Firing()) != 0 {
					t.Fatalf("simulated everyday traffic should not fire %q: %v", rule.Title, e.Firing())
				}
				t.Logf("%s: %d instance(s), none firing", rule.Title, len(e.Instances))
			})
		}
	}
}

func ruleNamed(t *testing.T, uid string) (RuleGroup, Rule) {
	t.Helper()
	groups, err := RuleGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.UID == uid {
				return g, r
			}
		}
	}
	t.Fatalf("no rule %s", uid)
	return RuleGroup{}, Rule{}
}

// numberFor is a step's number for an alert instance (labels equal or one containing the other,
// as eval.go queryDataResponseToExecutionResults matches the numbers notifications get).
func numberFor(t *testing.T, e Evaluation, refID string, instance data.Labels) float64 {
	t.Helper()
	for _, n := range e.Steps[refID].Numbers {
		if (n.Labels.Equals(instance) || n.Labels.Contains(instance) || instance.Contains(n.Labels)) && n.Value != nil {
			return *n.Value
		}
	}
	t.Fatalf("step %s has no number for %v", refID, instance)
	return 0
}

// The per-user rules choose exactly the users over their thresholds, with exact values, in both
// modes, and the two rules of one tick cost one AE read (counted by the local AE itself); the
// free-tier rule costs one read per hourly tick and sees new writes at its next tick, never a
// dashboard's answer of the same window.
func TestIntegrationAlertRulesSelectOnlyTheUsersOverTheThreshold(t *testing.T) {
	h := setUp(t)
	tick := daysAgo(60, 85)
	minutesAgo := func(m int) time.Time { return tick.Add(-time.Duration(m) * time.Minute) }
	hot, busy, flaky, unlucky, earlier := stacktest.UniqueID("hot"), stacktest.UniqueID("busy"), stacktest.UniqueID("flaky"), stacktest.UniqueID("unlucky"), stacktest.UniqueID("earlier")
	capped, late := stacktest.UniqueID("capped"), stacktest.UniqueID("late")
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
	// capped: 6 calls, all over the limit, 4 of them refused (429): too few calls for the other
	// rules (a 67% error ratio under the minimum of 20), but over the limit. late: over the limit
	// only before the hour.
	for i := 0; i < 6; i++ {
		status := 200.0
		if i < 4 {
			status = 429
		}
		points = append(points, stacktest.Point{User: capped, Event: "auth", Status: status, At: minutesAgo(3), OverLimit: true})
	}
	points = append(points,
		stacktest.Point{User: late, Event: "auth", Status: 429, At: minutesAgo(61), OverLimit: true},
		// 600 calls just before the hour: outside the per-user window, inside the day's.
		stacktest.Point{User: earlier, Event: "sync", Status: 101, At: minutesAgo(61), Sample: 600},
		// At the tick itself: outside every window ending there.
		stacktest.Point{User: hot, Event: "sync", Status: 101, At: tick},
	)
	h.stack.Write(t, "usage_analytics", points)
	const dayBefore = 501 + 499 + 30 + 5 + 6 + 1 + 600

	// The rules name the worker-mode data source; the same rules pointed at the SQL one prove sql
	// mode too (which knows no names: the name label is the id).
	modes := []struct{ uid, hotName string }{{"usage-lens", hot}, {"usage-lens-sql", hot}}
	ctx := context.Background()
	dashboardWindow := backend.TimeRange{From: tick.Add(-23 * time.Hour), To: tick.Add(time.Hour)}
	for _, mode := range modes {
		queryData := func(ctx context.Context, _ string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
			return h.queryData(ctx, mode.uid, req)
		}
		rateGroup, rate := ruleNamed(t, "usage-lens-user-rate")
		errGroup, errRule := ruleNamed(t, "usage-lens-user-errors")
		overGroup, overRule := ruleNamed(t, "usage-lens-user-over-limit")
		before := h.stack.Reads(t)
		rateEval, err := rate.EvaluateAt(ctx, rateGroup.Folder, tick, queryData)
		if err != nil {
			t.Fatal(err)
		}
		errEval, err := errRule.EvaluateAt(ctx, errGroup.Folder, tick, queryData)
		if err != nil {
			t.Fatal(err)
		}
		overEval, err := overRule.EvaluateAt(ctx, overGroup.Folder, tick, queryData)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.stack.Reads(t) - before; got != 1 {
			t.Errorf("%s: the three per-user rules of one tick (5 data queries) made %d AE reads, want 1", mode.uid, got)
		}

		hotLabels := data.Labels{"user": hot, "name": mode.hotName}
		same(t, mode.uid+": calls per hour fire for", rateEval.Firing(), []data.Labels{hotLabels})
		var instances []string
		for _, i := range rateEval.Instances {
			instances = append(instances, fmt.Sprintf("%s=%s", i.Labels["user"], i.State))
		}
		slices.Sort(instances)
		// Users with 20 calls, and capped, read for a call over the limit.
		wantInstances := []string{busy + "=Normal", flaky + "=Normal", hot + "=Alerting", capped + "=Normal"}
		slices.Sort(wantInstances)
		same(t, mode.uid+": one instance per user with 20 calls or more", instances, wantInstances)
		if v := numberFor(t, rateEval, "A", hotLabels); v != 501 {
			t.Fatalf("%s: hot made %v calls in the hour, want 501 (not the one at the tick)", mode.uid, v)
		}

		flakyLabels := data.Labels{"user": flaky, "name": flaky}
		same(t, mode.uid+": error ratio fires for (not capped: 6 calls are under the minimum)", errEval.Firing(), []data.Labels{flakyLabels})
		cappedLabels := data.Labels{"user": capped, "name": capped}
		if v := numberFor(t, errEval, "A", cappedLabels); v != 4.0/6 {
			t.Fatalf("%s: capped's error ratio %v, want 4/6", mode.uid, v)
		}
		same(t, mode.uid+": over the limit fires for", overEval.Firing(), []data.Labels{cappedLabels})
		if v := numberFor(t, overEval, "A", cappedLabels); v != 6 {
			t.Fatalf("%s: capped went over %v times in the hour, want 6", mode.uid, v)
		}
		if a, b, c := numberFor(t, errEval, "A", flakyLabels), numberFor(t, errEval, "B", flakyLabels), numberFor(t, errEval, "C", flakyLabels); a != 10.0/30 || b != 10 || c != 30 {
			t.Fatalf("%s: flaky's ratio %v, %v of %v calls failed; want 1/3, 10 of 30", mode.uid, a, b, c)
		}

		freeGroup, freeTier := ruleNamed(t, "usage-lens-free-tier")
		before = h.stack.Reads(t)
		e, err := freeTier.EvaluateAt(ctx, freeGroup.Folder, tick, queryData)
		if err != nil || len(e.Firing()) != 0 || numberFor(t, e, "A", nil) != dayBefore {
			t.Fatalf("%s: free tier at the tick: %v firing, %v writes (want %d), %v", mode.uid, e.Firing(), e.Steps["A"].Numbers, dayBefore, err)
		}
		if got := h.stack.Reads(t) - before; got != 1 {
			t.Errorf("%s: the free-tier rule made %d AE reads, want 1", mode.uid, got)
		}
		// A dashboard reads the next tick's window now, before the writes below.
		res, err := h.queryData(ctx, mode.uid, &backend.QueryDataRequest{Queries: []backend.DataQuery{{
			RefID: "A", JSON: json.RawMessage(`{"queryType":"totals","metric":"events"}`), TimeRange: dashboardWindow, Interval: time.Minute, MaxDataPoints: 1000,
		}}})
		if err != nil || res.Responses["A"].Error != nil {
			t.Fatalf("%s: dashboard query: %v %v", mode.uid, err, res.Responses["A"].Error)
		}
		if v, _ := res.Responses["A"].Frames[0].Fields[0].FloatAt(0); v != dayBefore+1 {
			t.Fatalf("%s: the dashboard read %v writes, want %d", mode.uid, v, dayBefore+1)
		}
	}

	// One sampled row standing for 90,000 writes, half an hour after the tick, puts the day over
	// 80% of the free tier; the hourly group's next tick sees it in both modes, although a
	// dashboard read that very window before the write.
	h.stack.Write(t, "usage_analytics", []stacktest.Point{{User: stacktest.UniqueID("bulk"), Event: "ingest", Status: 201, At: tick.Add(30 * time.Minute), Sample: 90_000}})
	next := tick.Add(time.Hour)
	for _, mode := range modes {
		queryData := func(ctx context.Context, _ string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
			return h.queryData(ctx, mode.uid, req)
		}
		group, freeTier := ruleNamed(t, "usage-lens-free-tier")
		e, err := freeTier.EvaluateAt(ctx, group.Folder, next, queryData)
		if err != nil || len(e.Firing()) != 1 || numberFor(t, e, "A", nil) != dayBefore+1+90_000 {
			t.Fatalf("%s: free tier at the next tick: %v firing, %v (want %d writes), %v (an alert answered from the dashboard's read misses the new writes)",
				mode.uid, e.Firing(), e.Steps["A"].Numbers, dayBefore+1+90_000, err)
		}
	}
}
