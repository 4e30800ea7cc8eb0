package provisioning

// Our provisioning files checked against the rules Grafana applies to them. Each rule is taken
// from Grafana's code (grafana/grafana 12.x, the file named beside the test); the committed files
// must pass, and each check must refuse what Grafana refuses.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/internal/grafanaexpr"
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

func ourRuleFile(t *testing.T) RuleFile {
	t.Helper()
	f, err := ruleFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Groups) != 1 || len(f.Groups[0].Rules) != 3 {
		t.Fatalf("want one group of three rules, got %+v", f)
	}
	return f
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
	for _, c := range []struct {
		name   string
		break_ func(g *RuleGroup)
		want   string
	}{
		{"dashboard without panel", func(g *RuleGroup) { delete(g.Rules[0].Annotations, "__panelId__") }, "invalid alert rule: both annotations __dashboardUid__ and __panelId__ must be specified"},
		{"panel without dashboard", func(g *RuleGroup) { delete(g.Rules[0].Annotations, "__dashboardUid__") }, "invalid alert rule: both annotations __dashboardUid__ and __panelId__ must be specified"},
		{"panel id not an integer", func(g *RuleGroup) { g.Rules[0].Annotations["__panelId__"] = "top" }, "invalid alert rule: annotation __panelId__ must be a valid integer Panel ID"},
		{"interval not a multiple of 10 s", func(g *RuleGroup) { g.Interval = "15s" }, "invalid alert rule: interval (15s) should be non-zero and divided exactly by scheduler interval: 10"},
		{"interval not a duration", func(g *RuleGroup) { g.Interval = "1.5m" }, `unknown unit "." in duration "1.5m"`},
		{"empty interval", func(g *RuleGroup) { g.Interval = "" }, "empty duration string"},
		{"no folder", func(g *RuleGroup) { g.Folder = " " }, "rule group has no folder set"},
		{"no name", func(g *RuleGroup) { g.Name = "" }, "rule group has no name set"},
		{"no title", func(g *RuleGroup) { g.Rules[0].Title = "" }, "rule has no title set"},
		{"no uid", func(g *RuleGroup) { g.Rules[0].UID = "" }, "failed to parse: no UID set"},
		{"uid too long", func(g *RuleGroup) { g.Rules[0].UID = strings.Repeat("u", 41) }, "UID is longer than 40 symbols"},
		{"uid with a dot", func(g *RuleGroup) { g.Rules[0].UID = "usage.lens" }, "invalid format of UID. Only letters, numbers, '-' and '_' are allowed"},
		{"bad for", func(g *RuleGroup) { g.Rules[0].For = "1.5m" }, "failed to parse 'for' field"},
		{"no data state", func(g *RuleGroup) { g.Rules[0].NoDataState = "Normal" }, "unknown NoData state option Normal"},
		{"error state", func(g *RuleGroup) { g.Rules[0].ExecErrState = "NoData" }, "unknown Error state option NoData"},
		{"no condition", func(g *RuleGroup) { g.Rules[0].Condition = "" }, "failed to parse: no condition set"},
		{"unknown condition", func(g *RuleGroup) { g.Rules[0].Condition = "Z" }, "Condition Z does not exist, must be one of [A B C]"},
		{"zero-width window", func(g *RuleGroup) { g.Rules[0].Data[0].RelativeTimeRange = RelativeTimeRange{} }, "Invalid alert rule query A: invalid relative time range [From: 0s, To: 0s]"},
		{"reversed window", func(g *RuleGroup) { g.Rules[0].Data[0].RelativeTimeRange = RelativeTimeRange{From: 0, To: 3600} }, "invalid relative time range [From: 0s, To: 1h0m0s]"},
		{"reduce mode strict", func(g *RuleGroup) { g.Rules[0].Data[1].Model["settings"] = map[string]any{"mode": "strict"} }, "reducer mode 'strict' is not supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := ourRuleFile(t).Groups[0]
			c.break_(&g)
			err := g.Check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

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
	for _, r := range ourRuleFile(t).Groups[0].Rules {
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
	for _, r := range ourRuleFile(t).Groups[0].Rules {
		for _, key := range []string{"value", "threshold", "window"} {
			if r.Annotations[key] == "" {
				t.Errorf("%s has no %s annotation", r.Title, key)
			}
		}
	}
}

// frames answers the rules' queries as the plugin's time series do: one timeseries-multi frame per
// user, labelled user (id) and name.
func frames(perUser map[string][]float64) data.Frames {
	var out data.Frames
	for user, values := range perUser {
		times := make([]time.Time, len(values))
		for i := range values {
			times[i] = time.Unix(int64(1_800_000_000+60*i), 0)
		}
		f := data.NewFrame(user, data.NewField("time", nil, times), data.NewField("events", data.Labels{"user": user, "name": "Name of " + user}, values))
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		out = append(out, f)
	}
	return out
}

func rule(t *testing.T, uid string) Rule {
	for _, r := range ourRuleFile(t).Groups[0].Rules {
		if r.UID == uid {
			return r
		}
	}
	t.Fatalf("no rule %s", uid)
	return Rule{}
}

// The committed rules, evaluated over answers shaped like the plugin's: one instance per user,
// carrying the name label, firing only over the threshold.
func TestRulesEvaluateOverPluginShapedFrames(t *testing.T) {
	events := map[string][]float64{"hot": {300, 201}, "busy": {250, 249}, "flaky": {10, 20}, "few": {3, 2}}
	errs := map[string][]float64{"hot": {0, 0}, "busy": {0, 0}, "flaky": {5, 5}, "few": {3, 0}}
	query := func(q RuleQuery) (data.Frames, error) {
		if q.Model["metric"] == "errors" {
			return frames(errs), nil
		}
		return frames(events), nil
	}
	e, err := rule(t, "usage-lens-user-rate").Evaluate(query)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Firing(); len(got) != 1 || got[0]["user"] != "hot" || got[0]["name"] != "Name of hot" {
		t.Fatalf("calls per hour: %v", got)
	}
	if len(e.Instances) != 4 {
		t.Fatalf("one instance per user: %+v", e.Instances)
	}
	e, err = rule(t, "usage-lens-user-errors").Evaluate(query)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Firing(); len(got) != 1 || got[0]["user"] != "flaky" {
		t.Fatalf("error ratio: %v (few has 3 of 5 failing, but 5 calls are too few)", got)
	}
	// No series at all: the total rule has nothing to say, and its noDataState says OK.
	e, err = rule(t, "usage-lens-free-tier").Evaluate(func(RuleQuery) (data.Frames, error) { return nil, nil })
	if err != nil || len(e.Instances) != 1 || e.Instances[0].State != grafanaexpr.NoData || rule(t, "usage-lens-free-tier").NoDataState != "OK" {
		t.Fatalf("no data: %+v %v", e.Instances, err)
	}
}
