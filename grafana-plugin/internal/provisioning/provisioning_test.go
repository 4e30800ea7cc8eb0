package provisioning

// Our provisioning files checked against the rules Grafana applies to them. Each rule is taken
// from Grafana's code (grafana/grafana 12.x, the file named beside the test); the committed files
// must pass, and each check must refuse what Grafana refuses.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/internal/grafanaexpr"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/plugin"
	"github.com/usagelens/analytics/pkg/usage"
	"go.yaml.in/yaml/v3"
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

// pkg/services/provisioning/values/values.go (interpolateValue) and pkg/setting/expanders.go.
func TestExpandLikeGrafana(t *testing.T) {
	env := Env{"URL": "http://w", "EMPTY": ""}
	files := Files{"/run/key": "  secret\n", "/run/dollar": "a$URL"}
	for in, want := range map[string]string{
		"${URL}/api":           "http://w/api",
		"$URL/api":             "http://w/api",
		"$__env{URL}":          "http://w",
		"${UNSET}":             "", // unset is empty, not an error
		"x${EMPTY}y":           "xy",
		"$__file{/run/key}":    "secret", // trimmed
		"$__file{/run/dollar}": "ahttp://w",
		"cost $$5":             "cost $5",
		"$$URL":                "$URL",
		"$__vault{path}":       "{path}", // an Enterprise expander: in OSS, ExpandEnv eats `$__vault`
		"{{ template \"x\" }}": "{{ template \"x\" }}",
	} {
		got, err := Expand(in, env, files)
		if err != nil || got != want {
			t.Errorf("%q: got %q (%v), want %q", in, got, err, want)
		}
	}
	_, err := Expand("$__file{/run/missing}", env, files)
	if err == nil || !strings.HasPrefix(err.Error(), "failed to interpolate value '$__file{/run/missing}': got error while expanding expander file") {
		t.Errorf("a missing file fails the whole file: %v", err)
	}
}

func TestDatasourcesExpandLikeGrafana(t *testing.T) {
	env := Env{"USAGE_LENS_WORKER_URL": "http://w", "CF_ACCOUNT_ID": "acc", "AE_DATASET": "usage_analytics", "AE_SQL_API_BASE_URL": "http://ae"}
	files := Files{"/run/usage-lens/admin-api-key": "ul_admin_k\n", "/run/usage-lens/ae-token": "tok"}
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
	// As Grafana: an unset variable is an empty setting (the health check then says what is missing)…
	delete(env, "CF_ACCOUNT_ID")
	settings, err = Datasources(env, files)
	if err != nil || !strings.Contains(string(settings["usage-lens-sql"].JSONData), `"accountId":""`) {
		t.Fatalf("unset variable: %v %s", err, settings["usage-lens-sql"].JSONData)
	}
	// …but a missing secret file stops provisioning.
	delete(files, "/run/usage-lens/ae-token")
	if _, err := Datasources(env, files); err == nil {
		t.Fatal("a missing $__file{} is an error")
	}
}

// The rule groups as provisioned: the per-user rules every minute, sharing one read per tick; the
// free-tier rule hourly, since a day's writes move slowly (read path spec: reads per day).
var wantGroups = []struct {
	name, interval string
	uids           []string
}{
	{"usage-lens", "1m", []string{"usage-lens-user-rate", "usage-lens-user-errors", "usage-lens-user-over-limit"}},
	{"usage-lens-daily", "1h", []string{"usage-lens-free-tier"}},
}

func ourRuleFile(t *testing.T) RuleFile {
	t.Helper()
	f, err := ruleFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Groups) != len(wantGroups) {
		t.Fatalf("want %d rule groups, got %d", len(wantGroups), len(f.Groups))
	}
	for i, want := range wantGroups {
		g := f.Groups[i]
		var uids []string
		for _, r := range g.Rules {
			uids = append(uids, r.UID)
		}
		if g.Name != want.name || g.Interval != want.interval || strings.Join(uids, ",") != strings.Join(want.uids, ",") {
			t.Fatalf("group %d is %s every %s with %v, want %s every %s with %v", i, g.Name, g.Interval, uids, want.name, want.interval, want.uids)
		}
	}
	return f
}

// ourRules is every rule of every group, with its group.
func ourRules(t *testing.T) []struct {
	Group RuleGroup
	Rule  Rule
} {
	t.Helper()
	var out []struct {
		Group RuleGroup
		Rule  Rule
	}
	for _, g := range ourRuleFile(t).Groups {
		for _, r := range g.Rules {
			out = append(out, struct {
				Group RuleGroup
				Rule  Rule
			}{g, r})
		}
	}
	return out
}

// The committed rules.yaml passes every check Grafana applies when it provisions the file.
func TestRuleFileAsGrafanaProvisionsIt(t *testing.T) {
	for _, g := range ourRuleFile(t).Groups {
		if err := g.Check(); err != nil {
			t.Fatal(err)
		}
	}
}

// Each check refuses what Grafana refuses, with Grafana's words: rules_types.go (MapToModel),
// alert_query.go (PreSave), alert_rule.go (SetDashboardAndPanelFromAnnotations,
// ValidateAlertRule, ValidateRuleGroupInterval), eval.go (condition).
func TestRuleFileChecksRefuseWhatGrafanaRefuses(t *testing.T) {
	conditionStep := func(g *RuleGroup) *RuleQuery {
		for i := range g.Rules[0].Data {
			if g.Rules[0].Data[i].RefID == g.Rules[0].Condition {
				return &g.Rules[0].Data[i]
			}
		}
		t.Fatalf("%s: no condition step", g.Rules[0].Title)
		return nil
	}
	for _, c := range []struct {
		name   string
		break_ func(g *RuleGroup)
		want   func(g RuleGroup) string
	}{
		{"dashboard without panel", func(g *RuleGroup) { delete(g.Rules[0].Annotations, "__panelId__") }, says("invalid alert rule: both annotations __dashboardUid__ and __panelId__ must be specified")},
		{"panel without dashboard", func(g *RuleGroup) { delete(g.Rules[0].Annotations, "__dashboardUid__") }, says("invalid alert rule: both annotations __dashboardUid__ and __panelId__ must be specified")},
		{"panel id not an integer", func(g *RuleGroup) { g.Rules[0].Annotations["__panelId__"] = "top" }, says("invalid alert rule: annotation __panelId__ must be a valid integer Panel ID")},
		{"interval not a multiple of 10 s", func(g *RuleGroup) { g.Interval = "15s" }, says("invalid alert rule: interval (15s) should be non-zero and divided exactly by scheduler interval: 10")},
		{"interval of 65 s", func(g *RuleGroup) { g.Interval = "1m5s" }, says("invalid alert rule: interval (1m5s) should be non-zero and divided exactly by scheduler interval: 10")},
		{"interval not a duration", func(g *RuleGroup) { g.Interval = "1.5m" }, says(`unknown unit "." in duration "1.5m"`)},
		{"empty interval", func(g *RuleGroup) { g.Interval = "" }, says("empty duration string")},
		{"no folder", func(g *RuleGroup) { g.Folder = " " }, says("rule group has no folder set")},
		{"no name", func(g *RuleGroup) { g.Name = "" }, says("rule group has no name set")},
		{"no title", func(g *RuleGroup) { g.Rules[0].Title = "" }, says("rule has no title set")},
		{"no uid", func(g *RuleGroup) { g.Rules[0].UID = "" }, says("failed to parse: no UID set")},
		{"uid too long", func(g *RuleGroup) { g.Rules[0].UID = strings.Repeat("u", 41) }, says("UID is longer than 40 symbols")},
		{"uid with a dot", func(g *RuleGroup) { g.Rules[0].UID = "usage.lens" }, says("invalid format of UID. Only letters, numbers, '-' and '_' are allowed")},
		{"bad for", func(g *RuleGroup) { g.Rules[0].For = "1.5m" }, says("failed to parse 'for' field")},
		{"no data state", func(g *RuleGroup) { g.Rules[0].NoDataState = "Normal" }, says("unknown NoData state option Normal")},
		{"error state", func(g *RuleGroup) { g.Rules[0].ExecErrState = "NoData" }, says("unknown Error state option NoData")},
		{"no condition", func(g *RuleGroup) { g.Rules[0].Condition = "" }, says("failed to parse: no condition set")},
		{"unknown condition", func(g *RuleGroup) { g.Rules[0].Condition = "Z" }, func(g RuleGroup) string {
			var refIDs []string
			for _, q := range g.Rules[0].Data {
				refIDs = append(refIDs, q.RefID)
			}
			return fmt.Sprintf("Condition Z does not exist, must be one of %v", refIDs)
		}},
		{"zero-width window", func(g *RuleGroup) { g.Rules[0].Data[0].RelativeTimeRange = RelativeTimeRange{} }, says("Invalid alert rule query A: invalid relative time range [From: 0s, To: 0s]")},
		{"reversed window", func(g *RuleGroup) { g.Rules[0].Data[0].RelativeTimeRange = RelativeTimeRange{From: 0, To: 3600} }, says("invalid relative time range [From: 0s, To: 1h0m0s]")},
		{"threshold of an unknown type", func(g *RuleGroup) {
			conditionStep(g).Model["conditions"] = []any{map[string]any{"evaluator": map[string]any{"type": "above", "params": []any{1}}}}
		}, says("invalid condition: expected threshold function to be one of [gt, lt,")},
		{"threshold without its input", func(g *RuleGroup) { delete(conditionStep(g).Model, "expression") }, says("no variable specified to reference for refId")},
		{"reduce mode strict", func(g *RuleGroup) {
			g.Rules[0].Data = append(g.Rules[0].Data, RuleQuery{RefID: "R", DatasourceUID: ExprUID, Model: map[string]any{
				"type": "reduce", "expression": "A", "reducer": "last", "settings": map[string]any{"mode": "strict"},
			}})
		}, says("reducer mode 'strict' is not supported")},
	} {
		for i := range wantGroups {
			g := ourRuleFile(t).Groups[i]
			t.Run(g.Name+"/"+c.name, func(t *testing.T) {
				c.break_(&g)
				err := g.Check()
				if want := c.want(g); err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("got %v, want %q", err, want)
				}
			})
		}
	}
}

func says(message string) func(RuleGroup) string { return func(RuleGroup) string { return message } }

// alert_query.go: a relative time range is YAML ints of seconds, nothing else.
func TestRelativeTimeRangeIsYAMLInts(t *testing.T) {
	var q RuleQuery
	if err := yaml.Unmarshal([]byte("relativeTimeRange: {from: 3600, to: 0}"), &q); err != nil || q.RelativeTimeRange.From != 3600 {
		t.Fatalf("%v %+v", err, q)
	}
	for _, bad := range []string{"{from: 1h, to: 0}", "{from: 3600.5, to: 0}", `{from: "3600", to: 0}`} {
		if err := yaml.Unmarshal([]byte("relativeTimeRange: "+bad), &q); err == nil || !strings.Contains(err.Error(), "invalid duration") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(Dir(), "alerting", "rules.yaml"))
	if _, err := ParseRuleFile(raw); err != nil {
		t.Fatalf("our file: %v", err)
	}
}

// Every rule's panel link names a dashboard and a panel that exist (Grafana does not check this
// at provisioning; a dangling link only breaks the alert's "view panel").
func TestRulesPointAtPanelsThatExist(t *testing.T) {
	dashboards, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	panels := map[string]map[int64]Panel{}
	for _, d := range dashboards {
		panels[d.UID] = map[int64]Panel{}
		for _, p := range d.Panels {
			if _, dup := panels[d.UID][p.ID]; dup || p.ID <= 0 {
				t.Fatalf("%s: panel id %d is missing or repeated", d.Title, p.ID)
			}
			panels[d.UID][p.ID] = p
		}
	}
	for _, gr := range ourRules(t) {
		r := gr.Rule
		uid, id, ok := r.PanelLink()
		if !ok {
			t.Fatalf("%s has no panel link", r.Title)
		}
		p, found := panels[uid][id]
		if !found {
			t.Fatalf("%s points at %s panel %d, which does not exist", r.Title, uid, id)
		}
		t.Logf("%s → %s", r.Title, p.Title)
	}
}

// Folder resolution: the rule provisioner finds or creates its folder by title
// (pkg/services/provisioning/alerting/rules_provisioner.go getOrCreateFolderByTitle, random uid
// for a new one; the title is a "/" path); the dashboard provisioner by folderUid when set, else
// by title (pkg/services/provisioning/dashboards/file_reader.go getOrCreateFolder). One folder
// whatever runs first therefore needs the same title in both and no folderUid on the provider.
func TestDashboardsAndRulesShareOneFolderInAnyOrder(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(Dir(), "dashboards", "provider.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var provider struct {
		Providers []map[string]any `yaml:"providers"`
	}
	if err := yaml.Unmarshal(raw, &provider); err != nil || len(provider.Providers) != 1 {
		t.Fatalf("%v %+v", err, provider)
	}
	p := provider.Providers[0]
	for _, key := range []string{"folderUid", "folderUID"} {
		if _, ok := p[key]; ok {
			t.Fatalf("the dashboard provider sets %s: it would miss a folder the rules created by title", key)
		}
	}
	for _, g := range ourRuleFile(t).Groups {
		if p["folder"] != g.Folder {
			t.Fatalf("dashboards go to %q, rules to %q", p["folder"], g.Folder)
		}
		if strings.Contains(g.Folder, "/") {
			t.Fatalf("%q would be a nested folder path", g.Folder)
		}
	}
}

// Dashboard uids: pkg/services/dashboards/service/dashboard_service.go BuildSaveDashboardCommand
// with pkg/util/shortid_generator.go (at most 40 characters of [a-zA-Z0-9-_]); a missing uid
// would be generated anew on every fresh database, breaking links, so we require one.
func TestDashboardUIDsAsGrafanaSavesThem(t *testing.T) {
	dashboards, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dashboards {
		if strings.TrimSpace(d.Title) == "" || d.UID == "" {
			t.Fatalf("dashboard %q needs a title and a uid", d.UID)
		}
		if err := ValidateUID(d.UID); err != nil {
			t.Fatalf("%s: %v", d.UID, err)
		}
	}
	if ValidateUID(strings.Repeat("a", 41)) == nil || ValidateUID("a b") == nil || ValidateUID("usage-lens_1") != nil {
		t.Fatal("ValidateUID does not follow Grafana")
	}
}

// Contact points: contact_point_types.go expands every setting; an empty required setting is
// refused by the integration's own config (grafana/alerting receivers/<type>), which stops
// Grafana's start-up. The committed file starts with compose's default environment, where no
// on-call variable is set.
func TestContactPointsStartWithComposeDefaults(t *testing.T) {
	files, err := LoadAlerting()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range files.ContactPoints {
		if err := c.Check(Env{}, nil); err != nil {
			t.Fatal(err)
		}
		names[c.Name] = true
	}
	for _, p := range files.Policies {
		if !names[p.Receiver] {
			t.Fatalf("the policy routes to %q, which is not provisioned", p.Receiver)
		}
	}
	// Why the generator leaves out an integration whose variable is unset:
	slack := ContactPoint{Name: "x", Receivers: []Receiver{{UID: "s", Type: "slack", Settings: map[string]any{"url": "${USAGE_LENS_SLACK_WEBHOOK_URL}"}}}}
	if err := slack.Check(Env{}, nil); err == nil || err.Error() != "x: recipient must be specified when using the Slack chat API" {
		t.Fatalf("slack with an unset url: %v", err)
	}
	if err := slack.Check(Env{"USAGE_LENS_SLACK_WEBHOOK_URL": "https://hooks.slack.test/x"}, nil); err != nil {
		t.Fatal(err)
	}
	for typ, key := range map[string]string{"pagerduty": "integrationKey", "email": "addresses", "webhook": "url"} {
		c := ContactPoint{Name: "x", Receivers: []Receiver{{UID: "u", Type: typ, Settings: map[string]any{key: "${UNSET}"}}}}
		if err := c.Check(Env{}, nil); err == nil {
			t.Errorf("%s with an empty %s must be refused", typ, key)
		}
	}
	if err := (ContactPoint{Name: "x", Receivers: []Receiver{{UID: "", Type: "webhook", Settings: map[string]any{"url": "u"}}}}).Check(nil, nil); err == nil || err.Error() != "x: no uid is set" {
		t.Fatalf("no uid: %v", err)
	}
}

// The notification data Grafana gives templates: grafana/alerting templates/template_data.go
// (ExtendedData, ExtendedAlert, ExtendedAlerts.Firing/Resolved; labels and annotations are maps).
type extendedAlert struct {
	Status       string
	Labels       map[string]string
	Annotations  map[string]string
	DashboardURL string
	PanelURL     string
	SilenceURL   string
	GeneratorURL string
	Values       map[string]float64
}
type extendedAlerts []extendedAlert

func (as extendedAlerts) Firing() []extendedAlert   { return as.with("firing") }
func (as extendedAlerts) Resolved() []extendedAlert { return as.with("resolved") }
func (as extendedAlerts) with(status string) []extendedAlert {
	var out []extendedAlert
	for _, a := range as {
		if a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

type extendedData struct {
	Receiver          string
	Status            string
	Alerts            extendedAlerts
	GroupLabels       map[string]string
	CommonLabels      map[string]string
	CommonAnnotations map[string]string
	ExternalURL       string
}

func TestNotificationTemplateTellsOnCallWhoWhatAndWhere(t *testing.T) {
	files, err := LoadAlerting()
	if err != nil || len(files.Templates) != 1 {
		t.Fatalf("%v %+v", err, files.Templates)
	}
	tmpl, err := files.Templates[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	group := extendedData{
		Status:       "firing",
		ExternalURL:  "http://grafana.test/",
		CommonLabels: map[string]string{"alertname": "User calls per hour above 500"},
		Alerts: extendedAlerts{
			{Status: "firing", Labels: map[string]string{"alertname": "User calls per hour above 500", "user": "usr_a&b", "name": "Ada Lovelace"},
				Annotations: map[string]string{"value": "612 calls", "threshold": "500 calls", "window": "last hour"}},
			{Status: "resolved", Labels: map[string]string{"alertname": "User calls per hour above 500", "user": "usr_c"},
				Annotations: map[string]string{"value": "12 calls", "threshold": "500 calls", "window": "last hour"}},
			{Status: "firing", Labels: map[string]string{"alertname": "AE writes above 80% of the free tier"},
				Annotations: map[string]string{"value": "91000 writes", "threshold": "80000 writes", "window": "last 24 hours"}, PanelURL: "http://grafana.test/d/usage-lens-overview?viewPanel=3"},
		},
	}
	render := func(name string) string {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, name, group); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if title := render("usage-lens.title"); title != "[firing:2] User calls per hour above 500" {
		t.Fatalf("title %q", title)
	}
	message := render("usage-lens.message")
	for _, want := range []string{
		"FIRING User calls per hour above 500\nUser: Ada Lovelace (usr_a&b)\nValue: 612 calls in the last hour (threshold 500 calls)\nUser dashboard: http://grafana.test/d/usage-lens-user-detail?var-user=usr_a%26b\n",
		"RESOLVED User calls per hour above 500\nUser: usr_c\n",
		"Value: 91000 writes in the last 24 hours (threshold 80000 writes)\nDashboard: http://grafana.test/d/usage-lens-overview?viewPanel=3\n",
	} {
		if !strings.Contains(message, want) {
			t.Fatalf("message lacks %q:\n%s", want, message)
		}
	}
	// Every rule gives the template what it reads.
	for _, gr := range ourRules(t) {
		r := gr.Rule
		for _, key := range []string{"value", "threshold", "window"} {
			if r.Annotations[key] == "" {
				t.Errorf("%s has no %s annotation", r.Title, key)
			}
		}
	}
}

// fakeUsage makes the plugin's reads from a fixed set of users over any window, recording each
// read, so the plugin's own code (cache, frames) answers the rules as it will in Grafana.
type fakeUsage struct {
	mu    sync.Mutex
	users []usage.UserUsage
	reads []string
}

func (f *fakeUsage) record(kind string, flt usage.Filter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, fmt.Sprintf("%s %s–%s", kind, flt.From.Format(time.RFC3339), flt.To.Format(time.RFC3339)))
}

func (f *fakeUsage) recordPage(flt usage.Filter, page usage.UsersPage) {
	f.record(fmt.Sprintf("users (events ≥ %d or over ≥ %d)", page.MinEvents, page.MinOverLimit), flt)
}

func (f *fakeUsage) Totals(_ context.Context, flt usage.Filter) (*usage.Totals, error) {
	f.record("totals", flt)
	t := &usage.Totals{}
	for _, u := range f.users {
		t.Events, t.Errors, t.ActiveUsers = t.Events+u.Total, t.Errors+u.Errors, t.ActiveUsers+1
	}
	return t, nil
}

// Users is what the users read's SQL returns (pkg/usage/sql.go): HAVING events >= minEvents OR
// over >= minOverLimit (each bound only when set), busiest first, ties by id, LIMIT.
func (f *fakeUsage) Users(_ context.Context, flt usage.Filter, page usage.UsersPage) ([]usage.UserUsage, error) {
	f.recordPage(flt, page)
	if page.Sort != usage.SortTotal || page.Order != "desc" || page.Offset != 0 {
		return nil, fmt.Errorf("the rules read the busiest users, not %+v", page)
	}
	var out []usage.UserUsage
	for _, u := range f.users {
		if !page.Bounded() || page.MinEvents > 0 && u.Total >= float64(page.MinEvents) || page.MinOverLimit > 0 && u.OverLimit >= float64(page.MinOverLimit) {
			out = append(out, u)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].ID < out[j].ID
	})
	return out[:min(len(out), page.Limit)], nil
}

func (f *fakeUsage) Orgs(context.Context, usage.Filter, int) ([]usage.OrgUsage, error) {
	return nil, errors.New("no rule reads organisations")
}

func (f *fakeUsage) Series(context.Context, usage.Filter, usage.SeriesParams) (*usage.Series, error) {
	return nil, errors.New("no rule reads time series")
}

func (f *fakeUsage) madeReads() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reads)
}

func user(id, name string, total, errs float64) usage.UserUsage {
	u := usage.UserUsage{ID: id, Total: total, Errors: errs}
	if name != "" {
		u.Name = &name
	}
	return u
}

// overUser is a user with calls over their rate limit.
func overUser(id, name string, total, errs, over float64) usage.UserUsage {
	u := user(id, name, total, errs)
	u.OverLimit = over
	return u
}

// rulesRead is the one read of the per-minute group's rules at a tick: users with at least 20
// calls or one call over their limit, in the hour before it.
func rulesRead(from, to string) string {
	return fmt.Sprintf("users (events ≥ 20 or over ≥ 1) %s–%s", from, to)
}

// pluginFor is the data source the rules name (worker mode), in process, over fake reads and a
// clock standing at tick.
func pluginFor(reads usage.Reader, tick time.Time) QueryData {
	ds := plugin.New(&models.Settings{Mode: models.ModeWorker, WorkerURL: "http://worker.test", APIKey: "ul_admin_test"}, reads, nil, func() time.Time { return tick })
	return func(ctx context.Context, uid string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
		if uid != "usage-lens" {
			return nil, fmt.Errorf("rule query on data source %q, want usage-lens", uid)
		}
		return ds.QueryData(ctx, req)
	}
}

func evaluateAt(t *testing.T, uid string, tick time.Time, queryData QueryData) Evaluation {
	t.Helper()
	for _, gr := range ourRules(t) {
		if gr.Rule.UID == uid {
			e, err := gr.Rule.EvaluateAt(context.Background(), gr.Group.Folder, tick, queryData)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range e.Instances {
				if i.State == grafanaexpr.Error {
					t.Fatalf("%s: %s", uid, i.Error)
				}
			}
			return e
		}
	}
	t.Fatalf("no rule %s", uid)
	return Evaluation{}
}

func ruleByUID(t *testing.T, uid string) Rule {
	t.Helper()
	for _, gr := range ourRules(t) {
		if gr.Rule.UID == uid {
			return gr.Rule
		}
	}
	t.Fatalf("no rule %s", uid)
	return Rule{}
}

// valueOf is a step's number for an instance: Grafana gives a notification the numbers of every
// step whose labels equal, contain or are contained in the instance's (eval.go
// queryDataResponseToExecutionResults, the captures behind $values).
func valueOf(t *testing.T, e Evaluation, refID string, instance data.Labels) float64 {
	t.Helper()
	for _, n := range e.Steps[refID].Numbers {
		if (n.Labels.Equals(instance) || n.Labels.Contains(instance) || instance.Contains(n.Labels)) && n.Value != nil {
			return *n.Value
		}
	}
	t.Fatalf("step %s has no number for %v", refID, instance)
	return 0
}

var valuesRef = regexp.MustCompile(`\$values\.([A-Za-z0-9_]+)`)

// Every number a rule's annotations name ($values.X) exists for every instance that fires.
func checkAnnotationValues(t *testing.T, r Rule, e Evaluation) {
	t.Helper()
	for _, instance := range e.Firing() {
		for _, text := range r.Annotations {
			for _, m := range valuesRef.FindAllStringSubmatch(text, -1) {
				_ = valueOf(t, e, m[1], instance)
			}
		}
	}
}

// The per-user rules, evaluated by Grafana's rules over the plugin's own answers: one instance per
// user with at least 20 calls or a call over their limit (the others are not read: HAVING),
// labelled {user, name}, firing only over the threshold; the numbers the notifications print
// exist for each; the three rules of a tick make one read.
func TestPerUserRulesEvaluatePerUserOverThePluginsAnswers(t *testing.T) {
	tick := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	reads := &fakeUsage{users: []usage.UserUsage{
		user("hot", "Hot Ada", 501, 0),
		user("busy", "", 499, 0),
		user("flaky", "Flaky Fred", 30, 10),
		// 3 of 5 calls failing, but 5 calls are too few to judge; one of them over the limit, so
		// the read has them (for the over-limit rule), and the error rule must still not fire.
		overUser("few", "", 5, 3, 1),
		// Over the limit twelve times, refused (429) four of them.
		overUser("capped", "Capped Cy", 40, 4, 12),
		// Neither 20 calls nor over the limit: never read.
		user("quiet", "", 3, 3),
	}}
	queryData := pluginFor(reads, tick)

	rate := evaluateAt(t, "usage-lens-user-rate", tick, queryData)
	if got := fmt.Sprint(rate.Firing()); got != fmt.Sprint([]data.Labels{{"user": "hot", "name": "Hot Ada"}}) {
		t.Fatalf("calls per hour fire for %s, want only hot (busy stays at 499)", got)
	}
	instances := func(e Evaluation) string {
		var out []string
		for _, i := range e.Instances {
			out = append(out, fmt.Sprintf("%s=%s", i.Labels["user"], i.State))
		}
		slices.Sort(out)
		return fmt.Sprint(out)
	}
	if got := instances(rate); got != "[busy=Normal capped=Normal few=Normal flaky=Normal hot=Alerting]" {
		t.Fatalf("one instance per user with 20 calls or more, or over the limit: %v", got)
	}
	if v := valueOf(t, rate, "A", data.Labels{"user": "busy", "name": "busy"}); v != 499 {
		t.Fatalf("busy made %v calls, want 499 (named by id without a name)", v)
	}
	checkAnnotationValues(t, ruleByUID(t, "usage-lens-user-rate"), rate)

	errorsRule := evaluateAt(t, "usage-lens-user-errors", tick, queryData)
	flaky := data.Labels{"user": "flaky", "name": "Flaky Fred"}
	if got := fmt.Sprint(errorsRule.Firing()); got != fmt.Sprint([]data.Labels{flaky}) {
		t.Fatalf("error ratio fires for %s, want only flaky (few fails 60%% of 5 calls: under the minimum)", got)
	}
	if a, b, c := valueOf(t, errorsRule, "A", flaky), valueOf(t, errorsRule, "B", flaky), valueOf(t, errorsRule, "C", flaky); a != 10.0/30 || b != 10 || c != 30 {
		t.Fatalf("flaky: ratio %v, %v of %v calls failed; want 1/3, 10 of 30", a, b, c)
	}
	if ratio := valueOf(t, errorsRule, "A", data.Labels{"user": "few", "name": "few"}); ratio != 0.6 {
		t.Fatalf("few's ratio %v, over the threshold but under the minimum of calls", ratio)
	}
	checkAnnotationValues(t, ruleByUID(t, "usage-lens-user-errors"), errorsRule)

	over := evaluateAt(t, "usage-lens-user-over-limit", tick, queryData)
	capped := data.Labels{"user": "capped", "name": "Capped Cy"}
	if got := fmt.Sprint(over.Firing()); got != fmt.Sprint([]data.Labels{capped, {"user": "few", "name": "few"}}) {
		t.Fatalf("over the limit fires for %s, want capped and few", got)
	}
	if got := instances(over); got != "[busy=Normal capped=Alerting few=Alerting flaky=Normal hot=Normal]" {
		t.Fatalf("instances %s", got)
	}
	if v := valueOf(t, over, "A", capped); v != 12 {
		t.Fatalf("capped went over %v times, want 12", v)
	}
	checkAnnotationValues(t, ruleByUID(t, "usage-lens-user-over-limit"), over)

	// The three rules of the tick, six data queries: one read of the hour before the tick.
	want := []string{rulesRead("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")}
	if got := reads.madeReads(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the per-user rules of one tick made reads %v, want %v", got, want)
	}
}

// Alert reads are their own: a dashboard's answer of the same hour is not reused, and the next
// tick reads again (its window moved), once for the three rules.
func TestPerUserRulesReadOncePerTickAndNeverADashboardAnswer(t *testing.T) {
	tick := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	reads := &fakeUsage{users: []usage.UserUsage{user("hot", "", 600, 0)}}
	clock := tick
	ds := plugin.New(&models.Settings{Mode: models.ModeWorker, WorkerURL: "http://worker.test", APIKey: "ul_admin_test"}, reads, nil, func() time.Time { return clock })
	queryData := func(ctx context.Context, _ string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
		return ds.QueryData(ctx, req)
	}
	// A panel asking the rules' query over the same hour, as Grafana's frontend sends it.
	panel := &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: json.RawMessage(`{"queryType":"perUser","metric":"events","minEvents":20,"minOverLimit":1}`),
		TimeRange: backend.TimeRange{From: tick.Add(-time.Hour), To: tick}, Interval: time.Minute, MaxDataPoints: 1000,
	}}}
	if res, err := ds.QueryData(context.Background(), panel); err != nil || res.Responses["A"].Error != nil {
		t.Fatalf("panel: %v %v", err, res.Responses["A"].Error)
	}
	for _, at := range []time.Time{tick, tick.Add(time.Minute)} {
		clock = at
		for _, uid := range []string{"usage-lens-user-rate", "usage-lens-user-errors", "usage-lens-user-over-limit"} {
			evaluateAt(t, uid, at, queryData)
		}
	}
	want := []string{
		rulesRead("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"), // the panel's
		rulesRead("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"), // the rules' at 10:00
		rulesRead("2026-03-02T09:01:00Z", "2026-03-02T10:01:00Z"), // the rules' at 10:01
	}
	if got := reads.madeReads(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("reads %v, want %v", got, want)
	}
}

// Sharing one read needs the per-user queries of the every-minute group to be the same read: the
// same data source, window, minimums (events and calls over the limit), limit and filters (the
// cache's key; the metric is not in it).
// They must also share a tick, which rules of one group do: Grafana spreads evaluations by group
// unless jitterAlertRulesWithinGroups is on (pkg/services/ngalert/schedule/jitter.go
// JitterStrategyFrom: JitterByGroup by default), and gives every rule due at a tick that tick as
// its evaluation time (schedule.go processTick, scheduledAt: tick); ourRuleFile pins the group.
func TestPerUserRulesAskTheSameRead(t *testing.T) {
	var first *RuleQuery
	count := 0
	for _, r := range ourRuleFile(t).Groups[0].Rules {
		for _, q := range r.Data {
			if isExpression(q.DatasourceUID) {
				continue
			}
			if q.Model["queryType"] != "perUser" {
				t.Fatalf("%s %s: a %v query in the every-minute group would be a read of its own", r.Title, q.RefID, q.Model["queryType"])
			}
			for _, key := range []string{"users", "orgs", "events", "topN"} {
				if _, ok := q.Model[key]; ok {
					t.Fatalf("%s %s sets %s: a read of its own", r.Title, q.RefID, key)
				}
			}
			count++
			if first == nil {
				first = &q
				continue
			}
			if q.DatasourceUID != first.DatasourceUID || q.RelativeTimeRange != first.RelativeTimeRange ||
				fmt.Sprint(q.Model["minEvents"], q.Model["minOverLimit"]) != fmt.Sprint(first.Model["minEvents"], first.Model["minOverLimit"]) {
				t.Fatalf("%s %s reads %s %+v minEvents %v minOverLimit %v, the first per-user query %s %+v minEvents %v minOverLimit %v",
					r.Title, q.RefID, q.DatasourceUID, q.RelativeTimeRange, q.Model["minEvents"], q.Model["minOverLimit"],
					first.DatasourceUID, first.RelativeTimeRange, first.Model["minEvents"], first.Model["minOverLimit"])
			}
		}
	}
	if count != 5 || first.Model["minOverLimit"] != 1 {
		t.Fatalf("want the 5 per-user queries (A; A, B, C; A), bounded by one call over the limit too, got %d (%v)", count, first.Model["minOverLimit"])
	}
}

// The free-tier rule over the plugin's totals: one unlabelled instance, above 80,000 writes in the
// 24 h before the tick (gt: exactly 80,000 does not fire), one totals read.
func TestFreeTierRuleOverThePluginsTotals(t *testing.T) {
	tick := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		events float64
		state  grafanaexpr.State
	}{{80_000, grafanaexpr.Normal}, {80_001, grafanaexpr.Alerting}, {0, grafanaexpr.Normal}} {
		reads := &fakeUsage{users: []usage.UserUsage{user("a", "", c.events, 0)}}
		e := evaluateAt(t, "usage-lens-free-tier", tick, pluginFor(reads, tick))
		if len(e.Instances) != 1 || e.Instances[0].State != c.state || len(e.Instances[0].Labels) != 0 {
			t.Fatalf("%v writes: %+v, want one unlabelled %s instance", c.events, e.Instances, c.state)
		}
		if v := valueOf(t, e, "A", nil); v != c.events {
			t.Fatalf("value %v, want %v", v, c.events)
		}
		checkAnnotationValues(t, ruleByUID(t, "usage-lens-free-tier"), e)
		if got := fmt.Sprint(reads.madeReads()); got != "[totals 2026-03-01T10:00:00Z–2026-03-02T10:00:00Z]" {
			t.Fatalf("reads %s", got)
		}
	}
}

// A quiet hour: nobody reaches 20 calls, the read returns no user, the rule has no data, and its
// noDataState says OK, so nobody is paged for silence.
func TestPerUserRulesOnAQuietHour(t *testing.T) {
	tick := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	queryData := pluginFor(&fakeUsage{users: []usage.UserUsage{user("a", "", 19, 19)}}, tick)
	for _, uid := range []string{"usage-lens-user-rate", "usage-lens-user-errors", "usage-lens-user-over-limit"} {
		e := evaluateAt(t, uid, tick, queryData)
		if len(e.Instances) != 1 || e.Instances[0].State != grafanaexpr.NoData || ruleByUID(t, uid).NoDataState != "OK" {
			t.Fatalf("%s: %+v (noDataState %s), want NoData mapped to OK", uid, e.Instances, ruleByUID(t, uid).NoDataState)
		}
	}
}

// alerting's request for a rule's data query (pkg/services/ngalert/eval/eval.go
// buildDatasourceHeaders, pkg/expr/nodes.go DSNode.Execute, models/alert_query.go PreSave).
func TestAlertRequestIsWhatGrafanaSends(t *testing.T) {
	r := ruleByUID(t, "usage-lens-user-errors")
	tick := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	req := r.AlertRequest("Usage Lens", r.Data[1], tick)
	want := map[string]string{"FromAlert": "true", "X-Cache-Skip": "true", "X-Grafana-Org-Id": "1",
		"http_X-Rule-Uid": "usage-lens-user-errors", "http_X-Rule-Name": "User+error+ratio+above+20%25", "http_X-Rule-Folder": "Usage+Lens"}
	if fmt.Sprint(req.Headers) != fmt.Sprint(want) {
		t.Fatalf("headers %v, want %v", req.Headers, want)
	}
	q := req.Queries[0]
	var model map[string]any
	_ = json.Unmarshal(q.JSON, &model)
	if q.RefID != "B" || q.QueryType != "" || model["queryType"] != "perUser" || model["intervalMs"] != 1000.0 || model["maxDataPoints"] != 43200.0 ||
		q.Interval != time.Second || q.MaxDataPoints != 43200 || !q.TimeRange.From.Equal(tick.Add(-time.Hour)) || !q.TimeRange.To.Equal(tick) {
		t.Fatalf("query %+v, model %v", q, model)
	}
}
