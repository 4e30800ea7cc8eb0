package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/provisioning"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/plugin"
	"github.com/usagelens/analytics/pkg/usage"
	"go.yaml.in/yaml/v3"
)

// ReadsPerDay is what the default provisioning costs in AE read queries a day (issue 15 item 4):
// every alert rule evaluated at its group's interval, and the Usage overview open on its refresh.
type ReadsPerDay struct {
	Total           int            `json:"total"`
	Rules           int            `json:"rules"`
	Dashboard       int            `json:"dashboard"`
	PerRuleGroup    map[string]int `json:"perRuleGroup"`
	Evaluations     int            `json:"ruleEvaluations"`
	Refreshes       int            `json:"dashboardRefreshes"`
	Target          int            `json:"target"`
	FreeReadsPerDay int            `json:"freeReadsPerDay"`
}

// overviewUID is the dashboard an admin keeps open (provisioning/src/dashboards/usage-overview.ts).
const overviewUID = "usage-lens-overview"

// ruleGroups reads the rule file's groups with their intervals, which provisioning.Rules leaves out.
func ruleGroups(file string) ([]ruleGroup, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var parsed struct {
		Groups []struct {
			Name     string              `yaml:"name"`
			Interval string              `yaml:"interval"`
			Rules    []provisioning.Rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &parsed); err != nil {
		return nil, err
	}
	var groups []ruleGroup
	for _, g := range parsed.Groups {
		interval, err := time.ParseDuration(g.Interval)
		if err != nil || interval <= 0 {
			return nil, fmt.Errorf("group %s: interval %q: %v", g.Name, g.Interval, err)
		}
		groups = append(groups, ruleGroup{name: g.Name, interval: interval, rules: g.Rules})
	}
	return groups, nil
}

type ruleGroup struct {
	name     string
	interval time.Duration
	rules    []provisioning.Rule
}

// refreshEvery is a dashboard's auto-refresh, which provisioning.Dashboard leaves out.
func refreshEvery(dashboardsDir, uid string) (time.Duration, error) {
	paths, _ := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return 0, err
		}
		var d struct {
			UID     string `json:"uid"`
			Refresh string `json:"refresh"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return 0, err
		}
		if d.UID == uid {
			return time.ParseDuration(d.Refresh)
		}
	}
	return 0, fmt.Errorf("no dashboard %s in %s", uid, dashboardsDir)
}

// computeReadsPerDay runs 24 hours of the rules and the overview through the plugin's query path
// and read cache (pkg/plugin, in process), with a virtual clock: a minute passes in no time. The
// upstream is a stand-in that counts reads (what is counted is the cache's and the query
// mapping's doing, not the upstream's); it answers the ranked users read with the same 100 users
// each time, so series split the same way from one refresh to the next, as real traffic does.
func computeReadsPerDay(dashboards []provisioning.Dashboard, dashboardsDir, rulesFile string) (*ReadsPerDay, error) {
	groups, err := ruleGroups(rulesFile)
	if err != nil {
		return nil, err
	}
	var overview *provisioning.Dashboard
	for i := range dashboards {
		if dashboards[i].UID == overviewUID {
			overview = &dashboards[i]
		}
	}
	if overview == nil {
		return nil, fmt.Errorf("no dashboard %s", overviewUID)
	}
	every, err := refreshEvery(dashboardsDir, overviewUID)
	if err != nil {
		return nil, err
	}
	var clockMu sync.Mutex
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	upstream := &standIn{}
	settings := &models.Settings{Mode: models.ModeWorker, WorkerURL: "http://stand-in.invalid", APIKey: "stand-in", TimeoutSeconds: 65}
	ds := plugin.New(settings, upstream, nil, clock)

	result := &ReadsPerDay{PerRuleGroup: map[string]int{}, Target: 3000, FreeReadsPerDay: int(contract.Pricing.FreeReadsPerDay)}
	start := now
	for t := start; t.Before(start.Add(24 * time.Hour)); t = t.Add(10 * time.Second) {
		clockMu.Lock()
		now = t
		clockMu.Unlock()
		elapsed := t.Sub(start)
		for _, g := range groups {
			if elapsed%g.interval != 0 {
				continue
			}
			before := upstream.count()
			// Grafana evaluates a group's rules at the tick's time: every rule's window ends there.
			for _, r := range g.rules {
				if err := evaluate(ds, r, t); err != nil {
					return nil, err
				}
				result.Evaluations++
			}
			result.PerRuleGroup[g.name] += upstream.count() - before
		}
		if elapsed%every == 0 {
			before := upstream.count()
			if err := refreshOverview(ds, overview, t); err != nil {
				return nil, err
			}
			result.Refreshes++
			result.Dashboard += upstream.count() - before
		}
	}
	for _, n := range result.PerRuleGroup {
		result.Rules += n
	}
	result.Total = result.Rules + result.Dashboard
	return result, nil
}

// evaluate sends a rule's data queries as Grafana's alerting does: one request, FromAlert and
// X-Cache-Skip set (pkg/services/ngalert/eval/eval.go, /tmp/notes/grafana.md §7).
func evaluate(ds *plugin.Datasource, r provisioning.Rule, tick time.Time) error {
	req := &backend.QueryDataRequest{Headers: map[string]string{backend.FromAlertHeaderName: "true", "X-Cache-Skip": "true"}}
	for _, q := range r.Data {
		if q.DatasourceUID == provisioning.ExprUID {
			continue
		}
		model, err := json.Marshal(q.Model)
		if err != nil {
			return err
		}
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: q.RefID, JSON: model, Interval: time.Second, MaxDataPoints: 43200,
			TimeRange: backend.TimeRange{From: tick.Add(-time.Duration(q.RelativeTimeRange.From) * time.Second), To: tick.Add(-time.Duration(q.RelativeTimeRange.To) * time.Second)},
		})
	}
	return answered(ds, req, r.Title)
}

// refreshOverview runs the overview's panels, each its own request resolving "now" a little apart.
func refreshOverview(ds *plugin.Datasource, d *provisioning.Dashboard, at time.Time) error {
	span, err := provisioning.Relative(d.Time.From, at)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(d.Panels))
	for i, p := range d.Panels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			skew := time.Duration(i) * 3 * time.Millisecond
			req := &backend.QueryDataRequest{}
			for j, t := range p.Targets {
				req.Queries = append(req.Queries, backend.DataQuery{RefID: fmt.Sprint("A", j), JSON: t, TimeRange: backend.TimeRange{From: span.Add(skew), To: at.Add(skew)}, Interval: time.Minute, MaxDataPoints: 1000})
			}
			errs[i] = answered(ds, req, p.Title)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func answered(ds *plugin.Datasource, req *backend.QueryDataRequest, what string) error {
	res, err := ds.QueryData(context.Background(), req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for ref, r := range res.Responses {
		if r.Error != nil {
			return fmt.Errorf("%s %s: %w", what, ref, r.Error)
		}
	}
	return nil
}

// standIn counts reads and answers each with a small fixed result.
type standIn struct {
	mu    sync.Mutex
	reads int
}

func (s *standIn) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func (s *standIn) read() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
}

func (s *standIn) Totals(context.Context, usage.Filter) (*usage.Totals, error) {
	s.read()
	return &usage.Totals{Events: 50_000, Errors: 500, ActiveUsers: 100}, nil
}

func (s *standIn) Orgs(context.Context, usage.Filter, int) ([]usage.OrgUsage, error) {
	s.read()
	return []usage.OrgUsage{{ID: "org_a", Total: 30_000, Users: 60}, {ID: "", Total: 20_000, Users: 40}}, nil
}

func (s *standIn) Users(_ context.Context, _ usage.Filter, page usage.UsersPage) ([]usage.UserUsage, error) {
	s.read()
	users := make([]usage.UserUsage, 0, 100)
	for i := 0; i < min(page.Limit, 100); i++ {
		users = append(users, usage.UserUsage{ID: fmt.Sprintf("u_%03d", i), Total: float64(1000 - i), Errors: float64(i % 7), Events: map[string]float64{}})
	}
	return users, nil
}

func (s *standIn) Series(_ context.Context, f usage.Filter, p usage.SeriesParams) (*usage.Series, error) {
	s.read()
	return usage.NewSeries(f, p, nil), nil
}
