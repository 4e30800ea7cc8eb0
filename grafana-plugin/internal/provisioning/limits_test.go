package provisioning

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/internal/pluginhost"
	"github.com/usagelens/analytics/internal/workerfake"
)

func TestTablePanelsShowTheirFrameAsGrafanaDoes(t *testing.T) {
	frames := data.Frames{data.NewFrame("first"), data.NewFrame("second")}
	table := func(i int) Panel { p := Panel{Type: "table"}; p.Options.FrameIndex = i; return p }
	for _, c := range []struct {
		panel Panel
		want  string
	}{{table(0), "first"}, {table(1), "second"}, {table(2), "first"}, {table(-1), "first"}} {
		if got := c.panel.Shown(frames); len(got) != 1 || got[0].Name != c.want {
			t.Errorf("frameIndex %d shows %v, want %s", c.panel.Options.FrameIndex, got, c.want)
		}
	}
	if got := (Panel{Type: "timeseries"}).Shown(frames); len(got) != 2 {
		t.Errorf("a graph shows every frame: %d", len(got))
	}
}

// The provisioned Limits dashboard's two tables, through the built binary over gRPC, against the
// labelled fake of the worker's /api/admin/limits (until the worker's route lands; the
// integration test asks the real one): one request for both, each table showing its own frame,
// exact rows. The dashboard's other panels read usage, which the integration test proves.
func TestLimitsTablesThroughTheBinary(t *testing.T) {
	fake := &workerfake.Limits{}
	settings, err := Datasources(map[string]string{"USAGE_LENS_WORKER_URL": workerfake.Start(t, fake)}, map[string]string{"/run/usage-lens/admin-api-key": workerfake.Key, "/run/usage-lens/ae-token": "t"})
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := pluginhost.Launch(pluginhost.DefaultBinary(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plugin.Close)
	dashboards, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	var limits Dashboard
	for _, d := range dashboards {
		if d.UID == "usage-lens-limits" {
			limits = d
		}
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	from, _ := Relative(limits.Time.From, now)
	want := map[string][]string{
		"Recommended and configured limits per event": {
			"Event Users Day p50 Day p90 Day p99 Day max Minute p50 Minute p90 Minute p99 Minute max Recommended per minute Recommended per day Configured per minute (standard) Configured per minute (high)",
			"Sync 40 12 60 140 300 1 4 9 31 18 280 60 600",
			"Ingest 5 30 200 950 990 3 20 70 75 140 1900 60 600",
		},
		"Users over the limit": {
			"User User ID Tier Event Minutes over (configured) Calls over (configured) Days over (recommended) Minutes over (recommended)",
			"Ada Lovelace usr_ada high Sync 0 0 1 3",
			"svc_9 svc_9 standard Ingest 4 39 0 0",
		},
	}
	checked := 0
	for _, p := range limits.Panels {
		var q struct{ QueryType string }
		_ = json.Unmarshal(p.Targets[0], &q)
		if q.QueryType != "limits" {
			continue
		}
		checked++
		req := panelRequestAt(p.Targets, from, now)
		req.PluginContext = pluginhost.Context(settings[p.Datasource.UID])
		res, err := plugin.QueryData(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Responses["A"]
		if r.Error != nil {
			t.Fatalf("%s: %v", p.Title, r.Error)
		}
		shown := p.Shown(r.Frames)
		var rows []string
		f := shown[0]
		var names []string
		for _, field := range f.Fields {
			names = append(names, field.Name)
		}
		rows = append(rows, strings.Join(names, " "))
		for i := 0; i < f.Rows(); i++ {
			var cells []string
			for _, field := range f.Fields {
				cells = append(cells, fmt.Sprint(field.At(i)))
			}
			rows = append(rows, strings.Join(cells, " "))
		}
		if fmt.Sprint(rows) != fmt.Sprint(want[p.Title]) {
			t.Fatalf("%s shows\n%s\nwant\n%s", p.Title, strings.Join(rows, "\n"), strings.Join(want[p.Title], "\n"))
		}
	}
	if checked != 2 {
		t.Fatalf("%d limits panels, want the two tables", checked)
	}
	// Each panel is its own request here, a minute apart at most: the plugin asked the worker once.
	if got := fake.Requests(); fmt.Sprint(got) != "[period=7d]" {
		t.Fatalf("requests %v", got)
	}
}

// panelRequestAt is what a dashboard panel sends: its targets over [from, to), without alerting's
// headers.
func panelRequestAt(targets []json.RawMessage, from, to time.Time) *backend.QueryDataRequest {
	req := &backend.QueryDataRequest{}
	for _, raw := range targets {
		var target struct{ RefID, QueryType string }
		_ = json.Unmarshal(raw, &target)
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: target.RefID, QueryType: target.QueryType, JSON: raw,
			TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Minute, MaxDataPoints: 1000,
		})
	}
	return req
}
