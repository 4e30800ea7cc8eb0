package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/grafanaexpr"
	"github.com/usagelens/analytics/internal/provisioning"
	"github.com/usagelens/analytics/internal/workerfake"
	upstreampkg "github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
)

// The provisioned every-minute group (provisioning/alerting/rules.yaml: calls per hour, error
// ratio, throttled or over the limit), evaluated as Grafana's scheduler evaluates a group's rules
// at one tick (internal/provisioning: the tick, alerting's headers, each data query on its own
// request), costs ONE read per tick through this data source's alert cache, and the next tick
// one more: the three rules ask the same users read (events >= 20 or over >= 1).
func TestProvisionedPerUserRulesShareOneReadPerTick(t *testing.T) {
	groups, err := provisioning.RuleGroups()
	if err != nil {
		t.Fatal(err)
	}
	var group provisioning.RuleGroup
	for _, g := range groups {
		if g.Interval == "1m" {
			group = g
		}
	}
	if len(group.Rules) != 3 {
		t.Fatalf("the every-minute group has %d rules, want 3", len(group.Rules))
	}
	upstream := overLimitPopulation(2000)
	clk := &clock{now: now}
	d := New(settingsForTests(), upstream, nil, clk.Now)
	queryData := func(ctx context.Context, uid string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
		if uid != "usage-lens" {
			return nil, fmt.Errorf("a rule asks data source %q", uid)
		}
		return d.QueryData(ctx, req)
	}
	firing := map[string]int{}
	for tick := 0; tick < 2; tick++ {
		at := now.Add(time.Duration(tick) * time.Minute)
		clk.Add(at.Sub(clk.Now()))
		for _, r := range group.Rules {
			e, err := r.EvaluateAt(context.Background(), group.Folder, at, queryData)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range e.Instances {
				if i.State == grafanaexpr.Error {
					t.Fatalf("%s: %s", r.Title, i.Error)
				}
			}
			firing[r.UID] += len(e.Firing())
		}
		if upstream.count() != tick+1 {
			t.Fatalf("tick %d: the group's rules made %d reads in all: %v", tick, upstream.count(), upstream.reads)
		}
	}
	if fmt.Sprint(upstream.reads) != "[users total desc limit 10000 minEvents 20 minOverLimit 1 users total desc limit 10000 minEvents 20 minOverLimit 1]" {
		t.Fatalf("reads %v", upstream.reads)
	}
	// Every 25th user went over the limit in the last hour: 80 of 2,000, at both ticks.
	if firing["usage-lens-user-over-limit"] != 2*80 {
		t.Fatalf("firing %v", firing)
	}
}

// limitsReads is memoryReads with the worker's recommendations from the labelled fake of its route,
// counted as the worker's reads of them: it makes two AE reads per answer (limits spec: at most two).
type limitsReads struct {
	*memoryReads
	worker usage.LimitsReader
}

func (l limitsReads) Limits(ctx context.Context, p usage.LimitsParams) (*usage.Limits, error) {
	l.log("limits (2 AE reads)")
	return l.worker.Limits(ctx, p)
}

// dashboardTargets are the provisioned dashboard's panel targets, one per panel, as Grafana sends
// them (each panel its own request).
func dashboardTargets(t *testing.T, uid string) []json.RawMessage {
	t.Helper()
	dashboards, err := provisioning.Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dashboards {
		if d.UID != uid {
			continue
		}
		var targets []json.RawMessage
		for _, p := range d.Panels {
			if len(p.Targets) != 1 {
				t.Fatalf("%s: %d targets", p.Title, len(p.Targets))
			}
			targets = append(targets, p.Targets[0])
		}
		return targets
	}
	t.Fatalf("no dashboard %s", uid)
	return nil
}

// The provisioned Limits dashboard costs 4 requests a refresh — totals, the users over the limit,
// one series read for both graphs, and the recommendations (the worker's 2 AE reads) — so 5 AE
// reads, whatever the number of users; the next refresh within the TTL reads nothing.
func TestLimitsDashboardRefreshCostsFiveReads(t *testing.T) {
	for _, users := range []int{100, 5000} {
		upstream := overLimitPopulation(users)
		fake := &workerfake.Limits{}
		worker := &upstreampkg.Worker{BaseURL: workerfake.Start(t, fake), APIKey: workerfake.Key, HTTP: http.DefaultClient}
		clk := &clock{now: now}
		d := New(settingsForTests(), limitsReads{upstream, worker}, nil, clk.Now)
		panels := dashboardTargets(t, "usage-lens-limits")
		answers := refresh(t, d, 7*24*time.Hour, panels, now)
		reads := slices.Sorted(slices.Values(upstream.reads))
		if want := "[limits (2 AE reads) series totals users total desc limit 100 minEvents 0 minOverLimit 1]"; fmt.Sprint(reads) != want {
			t.Fatalf("%d users: a refresh of %d panels made %v, want %s", users, len(panels), reads, want)
		}
		if len(fake.Requests()) != 1 {
			t.Fatalf("both tables share one request: %v", fake.Requests())
		}
		for i, a := range answers {
			if len(a.Frames) == 0 {
				t.Fatalf("panel %d answered no frame", i)
			}
		}
		clk.Add(time.Minute)
		refresh(t, d, 7*24*time.Hour, panels, now.Add(time.Minute))
		if upstream.count() != 4 {
			t.Fatalf("a refresh a minute later read again: %v", upstream.reads)
		}
	}
}
