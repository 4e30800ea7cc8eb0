package converters

import (
	"flag"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
)

// go test ./pkg/converters -update rewrites the golden files after an intended change.
var update = flag.Bool("update", false, "rewrite golden files")

var (
	from = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	to   = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	hour = time.Hour
)

func name(s string) *string { return &s }

// fixture: Ada (named) and an unknown id across three hourly buckets, two orgs, some errors.
func fixture() *usage.Report {
	cell := func(h int, user, event, org string, status, total, errors float64) usage.Bucket {
		return usage.Bucket{Time: from.Add(time.Duration(h) * hour), Key: usage.Key{User: user, Event: event, Org: org, Status: status}, Total: total, Errors: errors}
	}
	return &usage.Report{
		Window:  usage.Window{From: from, To: to},
		Dataset: "usage_analytics",
		Totals:  usage.Totals{Events: 30, Errors: 4, ActiveUsers: 2, ByEvent: map[string]float64{"sync": 10, "sync_auth": 5, "auth": 7, "chat": 2, "ingest": 6}},
		Users: []usage.UserUsage{
			{ID: "u_ada", Name: name("Ada Lovelace"), Total: 20, Errors: 1, Events: map[string]float64{"sync": 8, "sync_auth": 4, "auth": 5, "chat": 1, "ingest": 2}},
			{ID: "u_anon", Total: 10, Errors: 3, Events: map[string]float64{"sync": 2, "sync_auth": 1, "auth": 2, "chat": 1, "ingest": 4}},
		},
		Buckets: []usage.Bucket{
			cell(0, "u_ada", "sync", "org_a", 101, 8, 0),
			cell(0, "u_ada", "sync_auth", "org_a", 200, 4, 0),
			cell(1, "u_ada", "auth", "org_a", 200, 4, 0),
			cell(1, "u_ada", "auth", "org_a", 401, 1, 1),
			cell(2, "u_ada", "chat", "org_a", 101, 1, 0),
			cell(2, "u_ada", "ingest", "org_a", 201, 2, 0),
			cell(0, "u_anon", "sync", "", 101, 2, 0),
			cell(1, "u_anon", "sync_auth", "", 200, 1, 0),
			cell(1, "u_anon", "auth", "", 200, 2, 0),
			cell(2, "u_anon", "chat", "", 101, 1, 0),
			cell(2, "u_anon", "ingest", "", 201, 1, 0),
			cell(2, "u_anon", "ingest", "", 400, 3, 3),
		},
	}
}

func golden(t *testing.T, name string, frames ...*data.Frame) {
	t.Helper()
	experimental.CheckGoldenJSONResponse(t, "testdata", name, &backend.DataResponse{Frames: frames}, *update)
}

func TestUsersFrame(t *testing.T) {
	frame := UsersFrame(fixture(), 0)
	golden(t, "users", frame)
	want := []string{"User", "User ID", "Total", "Sync", "Sync auth", "Auth", "Chat", "Ingest"}
	for i, f := range frame.Fields {
		if f.Name != want[i] {
			t.Fatalf("column %d is %q, want %q", i, f.Name, want[i])
		}
	}
	if got := frame.Fields[0].At(1); got != "u_anon" {
		t.Fatalf("a user without a name is shown by id, got %v", got)
	}
	if top := UsersFrame(fixture(), 1); top.Rows() != 1 || top.Fields[1].At(0) != "u_ada" {
		t.Fatalf("top 1 should keep the busiest user")
	}
}

func TestTotalsAndCost(t *testing.T) {
	golden(t, "totals", TotalsFrame(fixture()))
	cost := CostFrame(fixture())
	golden(t, "cost", cost)
	// 30 events in 3 hours is 240 a day.
	if perDay := cost.Fields[0].At(0).(float64); perDay != 240 {
		t.Fatalf("writes per day = %v", perDay)
	}
}

func TestStatusFrame(t *testing.T) {
	frame := StatusFrame(fixture())
	golden(t, "status", frame)
	if frame.Fields[0].At(0) != "101" || frame.Fields[2].At(0) != 12.0 {
		t.Fatalf("101 with 12 events should lead, got %v %v", frame.Fields[0].At(0), frame.Fields[2].At(0))
	}
}

func TestTimeSeriesByEventUserOrgStatus(t *testing.T) {
	for _, groupBy := range []string{"event", "user", "org", "status"} {
		frames := TimeSeries(fixture(), groupBy, "events", 0, from, to, hour)
		golden(t, "timeseries_"+groupBy, frames...)
		for _, f := range frames {
			if f.Rows() != 3 {
				t.Fatalf("%s: series %s has %d points, want 3 zero-filled buckets", groupBy, f.Name, f.Rows())
			}
			if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[1].Labels[groupBy] == "" {
				t.Fatalf("%s: series must be timeseries-multi and labelled by %s", groupBy, groupBy)
			}
		}
	}
}

func TestTimeSeriesTotalAndErrorRate(t *testing.T) {
	total := TimeSeries(fixture(), "total", "events", 0, from, to, hour)
	golden(t, "timeseries_total", total...)
	if len(total) != 1 || len(total[0].Fields[1].Labels) != 0 || total[0].Fields[1].At(0) != 14.0 {
		t.Fatalf("one unlabelled series of everything, 14 events in the first hour")
	}
	rate := TimeSeries(fixture(), "user", "error_rate", 0, from, to, hour)
	golden(t, "timeseries_user_error_rate", rate...)
	// u_anon: 3 errors of 5 events in the third hour.
	if rate[0].Fields[1].Labels["user"] != "u_anon" || rate[0].Fields[1].At(2) != 0.6 || rate[0].Fields[1].At(0) != 0.0 {
		t.Fatalf("error rate per bucket is errors/events, 0 without events: %v", rate[0].Fields[1].At(2))
	}
}

func TestTimeSeriesUserLabelsAndErrors(t *testing.T) {
	frames := TimeSeries(fixture(), "user", "errors", 0, from, to, hour)
	golden(t, "timeseries_user_errors", frames...)
	if frames[0].Fields[1].Labels["user"] != "u_anon" || frames[0].Fields[1].Config.DisplayNameFromDS != "u_anon" {
		t.Fatalf("the user with most errors comes first")
	}
	if frames[1].Fields[1].Config.DisplayNameFromDS != "Ada Lovelace" {
		t.Fatalf("series are named after the user")
	}
	if top := TimeSeries(fixture(), "user", "events", 1, from, to, hour); len(top) != 1 || top[0].Fields[1].Labels["user"] != "u_ada" {
		t.Fatalf("top 1 keeps the busiest user")
	}
}

func TestFromAE(t *testing.T) {
	result := &upstream.Result{
		Meta: []upstream.Column{
			{Name: "t", Type: "DateTime('UTC')"},
			{Name: "user", Type: "String"},
			{Name: "events", Type: "UInt64"},
			{Name: "p50", Type: "Nullable(Float64)"},
			{Name: "top", Type: "Array(String)"},
		},
		Data: []map[string]any{
			{"t": "2026-11-28 09:00:00", "user": "u1", "events": "12", "p50": 200.0, "top": []any{"a", "b"}},
			{"t": "2026-11-28 10:00:00", "user": "u1", "events": "3", "p50": nil, "top": []any{}},
		},
	}
	frame, err := FromAE(result, "table")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sql_table", frame)
	if v := frame.Fields[2].At(0).(*float64); *v != 12 {
		t.Fatalf("quoted UInt64 should parse to 12, got %v", *v)
	}
	if frame.Fields[3].At(1).(*float64) != nil {
		t.Fatalf("NULL stays NULL")
	}

	long := &upstream.Result{
		Meta: []upstream.Column{{Name: "t", Type: "DateTime"}, {Name: "event", Type: "String"}, {Name: "n", Type: "UInt64"}},
		Data: []map[string]any{
			{"t": "2026-11-28 09:00:00", "event": "auth", "n": "1"},
			{"t": "2026-11-28 09:00:00", "event": "sync", "n": "2"},
			{"t": "2026-11-28 10:00:00", "event": "auth", "n": "3"},
		},
	}
	wide, err := FromAE(long, "time_series")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sql_time_series", wide)
	if len(wide.Fields) != 3 || wide.Fields[1].Labels["event"] == "" {
		t.Fatalf("long results widen to one labelled field per event, got %d fields", len(wide.Fields))
	}
	if _, err := FromAE(&upstream.Result{Meta: []upstream.Column{{Name: "n", Type: "UInt64"}}, Data: []map[string]any{{"n": "1"}}}, "time_series"); err == nil {
		t.Fatal("a result without time cannot be a time series")
	}
}

func BenchmarkTimeSeriesByUser(b *testing.B) {
	r := &usage.Report{}
	for u := 0; u < 500; u++ {
		id := "user_" + string(rune('a'+u%26)) + string(rune('a'+u/26))
		r.Users = append(r.Users, usage.UserUsage{ID: id})
		for h := 0; h < 168; h++ {
			r.Buckets = append(r.Buckets, usage.Bucket{Time: from.Add(time.Duration(h) * hour), Key: usage.Key{User: id, Event: "sync", Status: 101}, Total: 3})
		}
	}
	end := from.Add(168 * hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		TimeSeries(r, "user", "events", 0, from, end, hour)
	}
}
