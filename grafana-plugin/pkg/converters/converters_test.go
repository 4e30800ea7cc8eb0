package converters

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/usagelens/analytics/internal/workerfake"
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

var names = map[string]string{"u_ada": "Ada Lovelace", "u_anon": "u_anon", "org_a": "Acme"}

func users() []usage.UserUsage {
	return []usage.UserUsage{
		{ID: "u_ada", Name: name("Ada Lovelace"), Total: 20, Errors: 1, Events: map[string]float64{"sync": 8, "sync_auth": 4, "auth": 5, "chat": 1, "ingest": 2}},
		{ID: "u_anon", Total: 10, Errors: 3, Events: map[string]float64{"sync": 2, "sync_auth": 1, "auth": 2, "chat": 1, "ingest": 4}},
	}
}

// series: Ada and an unknown id split out across three hourly buckets, and everyone else under "".
func fixture(by string) *usage.Series {
	cell := func(h int, split, event string, status, total float64) usage.SeriesBucket {
		return usage.SeriesBucket{Time: from.Add(time.Duration(h) * hour), Event: event, Status: status, Split: split, Total: total}
	}
	buckets := []usage.SeriesBucket{
		cell(0, "u_ada", "sync", 101, 8),
		cell(0, "u_ada", "sync_auth", 200, 4),
		cell(1, "u_ada", "auth", 200, 4),
		cell(1, "u_ada", "auth", 401, 1),
		cell(2, "u_ada", "chat", 101, 1),
		cell(2, "u_ada", "ingest", 201, 2),
		cell(0, "u_anon", "sync", 101, 2),
		cell(1, "u_anon", "sync_auth", 200, 1),
		cell(1, "u_anon", "auth", 200, 2),
		cell(2, "u_anon", "chat", 101, 1),
		cell(2, "u_anon", "ingest", 201, 1),
		cell(2, "u_anon", "ingest", 400, 3),
		cell(1, "", "auth", 200, 6),
	}
	if by == usage.SplitOrg {
		for i := range buckets {
			if buckets[i].Split == "u_ada" {
				buckets[i].Split = "org_a"
			} else {
				buckets[i].Split = ""
			}
		}
	}
	return usage.NewSeries(usage.Filter{From: from, To: to}, usage.SeriesParams{Interval: hour, By: by}, buckets)
}

func golden(t *testing.T, name string, frames ...*data.Frame) {
	t.Helper()
	experimental.CheckGoldenJSONResponse(t, "testdata", name, &backend.DataResponse{Frames: frames}, *update)
}

func fieldNames(f *data.Frame) string {
	names := make([]string, len(f.Fields))
	for i, field := range f.Fields {
		names[i] = field.Name
	}
	return strings.Join(names, "|")
}

func TestUsersFrame(t *testing.T) {
	frame := UsersFrame(users(), 0, 120, 3*hour)
	golden(t, "users", frame)
	if got := fieldNames(frame); got != "User|User ID|Total|Sync|Sync auth|Auth|Chat|Ingest|Share of writes|Monthly AE cost" {
		t.Fatalf("columns %s", got)
	}
	// Ada's 20 of 120 writes in 3 hours: a sixth, and no cost (960 writes a day is far inside the
	// paid plan's included 10M a month).
	if frame.Fields[8].At(0) != 20.0/120 || frame.Fields[8].Config.Unit != "percentunit" || frame.Fields[9].At(0) != 0.0 || frame.Fields[9].Config.Unit != "currencyUSD" {
		t.Fatalf("Ada's share %v (%s), cost %v (%s)", frame.Fields[8].At(0), frame.Fields[8].Config.Unit, frame.Fields[9].At(0), frame.Fields[9].Config.Unit)
	}
	// The busy week of contract/fixtures/cost.json: 700,000 of 7,000,000 writes is a tenth of
	// the account's $5 a month.
	busy := UsersFrame([]usage.UserUsage{{ID: "u", Total: 700_000}}, 0, 7_000_000, 7*24*hour)
	if busy.Fields[8].At(0) != 0.1 || math.Abs(busy.Fields[9].At(0).(float64)-0.5) > 1e-12 {
		t.Fatalf("busy week: share %v, cost %v", busy.Fields[8].At(0), busy.Fields[9].At(0))
	}
	if frame.Fields[0].At(0) != "Ada Lovelace" || frame.Fields[0].At(1) != "u_anon" {
		t.Fatalf("users show by name, else by id: %v, %v", frame.Fields[0].At(0), frame.Fields[0].At(1))
	}
	if top := UsersFrame(users(), 1, 30, hour); top.Rows() != 1 || top.Fields[1].At(0) != "u_ada" {
		t.Fatalf("top 1 keeps the first (busiest) user")
	}
}

func TestOrgsFrame(t *testing.T) {
	orgs := []usage.OrgUsage{{ID: "org_a", Name: name("Acme"), Total: 20, Errors: 1, Users: 3}, {ID: "", Total: 10, Users: 2}, {ID: "org_b", Total: 1, Users: 1}}
	frame := OrgsFrame(orgs, 0)
	golden(t, "orgs", frame)
	if got := fieldNames(frame); got != "Org|Org ID|Total|Errors|Active users" {
		t.Fatalf("columns %s", got)
	}
	if frame.Fields[0].At(0) != "Acme" || frame.Fields[0].At(1) != NoOrg || frame.Fields[0].At(2) != "org_b" {
		t.Fatalf("orgs by name, users in none as %s, else id: %v %v %v", NoOrg, frame.Fields[0].At(0), frame.Fields[0].At(1), frame.Fields[0].At(2))
	}
	if OrgsFrame(orgs, 2).Rows() != 2 {
		t.Fatal("top 2")
	}
}

func TestTotalsAndCost(t *testing.T) {
	totals := &usage.Totals{Events: 30, Errors: 4, ActiveUsers: 2, ReadsToday: 2500}
	frame := TotalsFrame(totals, "")
	golden(t, "totals", frame)
	if fieldNames(frame) != "Total events|Active users" || frame.Fields[1].At(0) != 2.0 || frame.Meta != nil {
		t.Fatalf("totals without a metric: two numbers, %s", fieldNames(frame))
	}
	for metric, want := range map[string]float64{"events": 30, "errors": 4, "error_rate": 4.0 / 30} {
		one := TotalsFrame(totals, metric)
		if len(one.Fields) != 1 || one.Fields[0].At(0) != want || one.Meta.Type != data.FrameTypeNumericMulti {
			t.Errorf("totals of %s: %s = %v, want one numeric-multi number %v", metric, fieldNames(one), one.Fields[0].At(0), want)
		}
	}
	if rate := TotalsFrame(&usage.Totals{}, "error_rate"); rate.Fields[0].At(0) != 0.0 {
		t.Fatalf("an error rate without events is 0, not NaN (which alerting reads as firing): %v", rate.Fields[0].At(0))
	}

	cost := CostFrame(totals, 3*hour)
	golden(t, "cost", cost)
	// 30 events in 3 hours is 240 a day; 2,500 reads of 10,000 is a quarter of the free reads.
	if cost.Fields[0].At(0) != 240.0 || cost.Fields[4].Name != "AE reads today" || cost.Fields[4].At(0) != 2500.0 || cost.Fields[5].At(0) != 25.0 {
		t.Fatalf("cost %s: %v %v %v", fieldNames(cost), cost.Fields[0].At(0), cost.Fields[4].At(0), cost.Fields[5].At(0))
	}
	// 12M writes a month: 2M over the paid plan's 10M at $0.25 per million.
	if busy := CostFrame(&usage.Totals{Events: 400_000}, 24*hour); busy.Fields[3].At(0) != 0.5 {
		t.Fatalf("projected cost %v", busy.Fields[3].At(0))
	}
}

func TestPerUserFrames(t *testing.T) {
	frames := PerUserFrames(users(), "error_rate", nil)
	golden(t, "per_user", frames...)
	if len(frames) != 2 {
		t.Fatalf("one frame per user, got %d", len(frames))
	}
	for i, want := range []struct {
		user, name string
		value      float64
	}{{"u_ada", "Ada Lovelace", 1.0 / 20}, {"u_anon", "u_anon", 0.3}} {
		f := frames[i]
		if f.Meta.Type != data.FrameTypeNumericMulti || len(f.Fields) != 1 || f.Rows() != 1 {
			t.Fatalf("%s: want one numeric-multi number", f.Name)
		}
		labels := f.Fields[0].Labels
		if labels["user"] != want.user || labels["name"] != want.name || len(labels) != 2 || f.Fields[0].At(0) != want.value {
			t.Errorf("frame %d: labels %v value %v, want {user=%s, name=%s} %v", i, labels, f.Fields[0].At(0), want.user, want.name, want.value)
		}
	}
	if events := PerUserFrames(users(), "events", nil); events[0].Fields[0].At(0) != 20.0 {
		t.Fatal("events per user")
	}
	empty := PerUserFrames(nil, "events", nil)
	if len(empty) != 1 || len(empty[0].Fields) != 0 || empty[0].Meta.Type != data.FrameTypeNumericMulti {
		t.Fatal("no user is one typed frame without fields: no data")
	}
}

// Calls over the limit come with each user from the users read; throttled calls (429s) do not,
// and are given by id.
func TestPerUserFramesOfTheOverLimitMetrics(t *testing.T) {
	u := users()
	u[0].OverLimit, u[1].OverLimit = 4, 0
	over := PerUserFrames(u, "over_limit", nil)
	if over[0].Fields[0].At(0) != 4.0 || over[1].Fields[0].At(0) != 0.0 || over[0].Fields[0].Name != "over_limit" {
		t.Fatalf("over the limit per user: %v %v", over[0].Fields[0].At(0), over[1].Fields[0].At(0))
	}
	throttled := PerUserFrames(u, "throttled", map[string]float64{"u_ada": 3})
	if throttled[0].Fields[0].At(0) != 3.0 || throttled[1].Fields[0].At(0) != 0.0 {
		t.Fatalf("throttled per user: %v %v", throttled[0].Fields[0].At(0), throttled[1].Fields[0].At(0))
	}
}

// overLimitFixture: Ada over her limit in the first two hours (observed: 200s marked over; then
// refused: 429s, also over), the unknown id once over without being refused, everyone else
// refused once.
func overLimitFixture() *usage.Series {
	cell := func(h int, split, event string, status, total, over float64) usage.SeriesBucket {
		return usage.SeriesBucket{Time: from.Add(time.Duration(h) * hour), Event: event, Status: status, Split: split, Total: total, OverLimit: over}
	}
	return usage.NewSeries(usage.Filter{From: from, To: to}, usage.SeriesParams{Interval: hour, By: usage.SplitUser}, []usage.SeriesBucket{
		cell(0, "u_ada", "auth", 200, 10, 4),
		cell(1, "u_ada", "auth", 429, 6, 6),
		cell(1, "u_ada", "sync", 101, 2, 0),
		cell(2, "u_anon", "ingest", 201, 5, 1),
		cell(2, "u_quiet", "sync", 101, 9, 0),
		cell(2, "", "chat", 429, 1, 1),
	})
}

func TestTimeSeriesOfCallsOverTheLimitAndThrottled(t *testing.T) {
	over := TimeSeries(overLimitFixture(), "user", "over_limit", 0, names)
	golden(t, "timeseries_user_over_limit", over...)
	got := map[string][]any{}
	for _, f := range over {
		got[f.Fields[1].Labels["user"]] = []any{f.Fields[1].At(0), f.Fields[1].At(1), f.Fields[1].At(2)}
	}
	// Ada 4 then 6 over, the unknown id 1; the user never over is not among the over-limit series.
	if fmt.Sprint(got) != fmt.Sprint(map[string][]any{"u_ada": {4.0, 6.0, 0.0}, "u_anon": {0.0, 0.0, 1.0}}) || over[0].Fields[1].Labels["user"] != "u_ada" {
		t.Fatalf("over the limit by user: %v", got)
	}
	throttled := TimeSeries(overLimitFixture(), "user", "throttled", 0, names)
	if len(throttled) != 1 || throttled[0].Fields[1].Labels["user"] != "u_ada" || sum(throttled[0]) != 6 || throttled[0].Fields[1].At(1) != 6.0 {
		t.Fatalf("throttled by user: only Ada's six 429s, %d series", len(throttled))
	}
	byEvent := TimeSeries(overLimitFixture(), "event", "throttled", 0, names)
	perEvent := map[string]float64{}
	for _, f := range byEvent {
		perEvent[f.Fields[1].Labels["event"]] = sum(f)
	}
	if fmt.Sprint(perEvent) != fmt.Sprint(map[string]float64{"auth": 6, "chat": 1, "ingest": 0, "sync": 0}) {
		t.Fatalf("throttled by event, everyone's: %v", perEvent)
	}
	c := SeriesCounts(overLimitFixture())
	if c != (Counts{Events: 33, Errors: 7, OverLimit: 12, Throttled: 7}) {
		t.Fatalf("the series' counts: %+v", c)
	}
	if f := MetricFrame(c, "throttled"); f.Fields[0].Name != "Throttled calls" || f.Fields[0].At(0) != 7.0 || f.Meta.Type != data.FrameTypeNumericMulti {
		t.Fatalf("throttled total: %s %v", f.Fields[0].Name, f.Fields[0].At(0))
	}
	if f := TotalsFrame(&usage.Totals{Events: 33, OverLimit: 12}, "over_limit"); f.Fields[0].Name != "Calls over the limit" || f.Fields[0].At(0) != 12.0 {
		t.Fatalf("over-limit total: %s %v", f.Fields[0].Name, f.Fields[0].At(0))
	}
}

func TestStatusFrame(t *testing.T) {
	frame := StatusFrame(fixture(usage.SplitUser))
	golden(t, "status", frame)
	if frame.Fields[0].At(0) != "200" || frame.Fields[2].At(0) != 17.0 || frame.Fields[1].At(0) != "2xx" {
		t.Fatalf("200 with 17 events leads, got %v %v", frame.Fields[0].At(0), frame.Fields[2].At(0))
	}
}

func sum(f *data.Frame) float64 {
	total := 0.0
	for i := 0; i < f.Rows(); i++ {
		total += f.Fields[1].At(i).(float64)
	}
	return total
}

func TestTimeSeriesByEventUserOrgStatus(t *testing.T) {
	for groupBy, want := range map[string]map[string]float64{
		"event":  {"sync": 10, "sync_auth": 5, "auth": 13, "chat": 2, "ingest": 6},
		"user":   {"u_ada": 20, "u_anon": 10},
		"org":    {"org_a": 20, NoOrg: 16},
		"status": {"101": 12, "200": 17, "201": 3, "400": 3, "401": 1},
	} {
		by := usage.SplitUser
		if groupBy == "org" {
			by = usage.SplitOrg
		}
		frames := TimeSeries(fixture(by), groupBy, "events", 0, names)
		golden(t, "timeseries_"+groupBy, frames...)
		got := map[string]float64{}
		for _, f := range frames {
			if f.Rows() != 3 || f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Meta.TypeVersion != dataplaneVersion {
				t.Fatalf("%s: series %s has %d points, want 3 zero-filled buckets of a timeseries-multi frame", groupBy, f.Name, f.Rows())
			}
			got[f.Fields[1].Labels[groupBy]] = sum(f)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", groupBy, got, want)
		}
	}
}

func TestTimeSeriesNamesUsersAndOrgs(t *testing.T) {
	byUser := TimeSeries(fixture(usage.SplitUser), "user", "events", 0, names)
	if len(byUser) != 2 {
		t.Fatalf("the users split out, not everyone else: %d series", len(byUser))
	}
	ada := byUser[0].Fields[1]
	if ada.Labels["user"] != "u_ada" || ada.Labels["name"] != "Ada Lovelace" || ada.Config.DisplayNameFromDS != "Ada Lovelace" || byUser[0].Name != "Ada Lovelace" {
		t.Fatalf("by-user series are named by name and labelled {user, name}: %v %q", ada.Labels, ada.Config.DisplayNameFromDS)
	}
	if anon := byUser[1].Fields[1]; anon.Labels["name"] != "u_anon" || anon.Config.DisplayNameFromDS != "u_anon" {
		t.Fatalf("a user without a name is named by id: %v", anon.Labels)
	}
	orgs := TimeSeries(fixture(usage.SplitOrg), "org", "events", 0, map[string]string{"org_a": "Acme", "": OtherOrgs})
	if orgs[0].Fields[1].Labels["org"] != "org_a" || orgs[0].Name != "Acme" || orgs[1].Fields[1].Labels["org"] != OtherOrgs {
		t.Fatalf("orgs by name; the rest is %s when orgs were left out: %v %q %v", OtherOrgs, orgs[0].Fields[1].Labels, orgs[0].Name, orgs[1].Fields[1].Labels)
	}
}

func TestTimeSeriesTotalAndErrorRate(t *testing.T) {
	total := TimeSeries(fixture(usage.SplitUser), "total", "events", 0, names)
	golden(t, "timeseries_total", total...)
	if len(total) != 1 || len(total[0].Fields[1].Labels) != 0 || total[0].Fields[1].At(0) != 14.0 || sum(total[0]) != 36 {
		t.Fatalf("one unlabelled series of everything, 14 events in the first hour, 36 in all")
	}
	if empty := TimeSeries(usage.NewSeries(usage.Filter{From: from, To: to}, usage.SeriesParams{Interval: hour}, nil), "total", "events", 0, nil); len(empty) != 1 || sum(empty[0]) != 0 || empty[0].Rows() != 3 {
		t.Fatal("no events is a zero total series, not no series")
	}
	rate := TimeSeries(fixture(usage.SplitUser), "user", "error_rate", 0, names)
	golden(t, "timeseries_user_error_rate", rate...)
	// u_anon: 3 errors of 5 events in the third hour, 3 of 10 overall.
	if rate[0].Fields[1].Labels["user"] != "u_anon" || rate[0].Fields[1].At(2) != 0.6 || rate[0].Fields[1].At(0) != 0.0 || rate[0].Fields[1].Config.Unit != "percentunit" {
		t.Fatalf("error rate per bucket is errors/events, 0 without events: %v", rate[0].Fields[1].At(2))
	}
	errors := TimeSeries(fixture(usage.SplitUser), "user", "errors", 1, names)
	if len(errors) != 1 || errors[0].Fields[1].Labels["user"] != "u_anon" || sum(errors[0]) != 3 {
		t.Fatalf("top 1 by errors is u_anon")
	}
	if top := TimeSeries(fixture(usage.SplitUser), "user", "events", 1, names); len(top) != 1 || top[0].Fields[1].Labels["user"] != "u_ada" {
		t.Fatalf("top 1 by events is Ada")
	}
}

// Issue 9 item 8: a range ending partway into the first second of a bucket (zoomed graphs end on
// milliseconds) reads that second (usage.Filter.End rounds up); the axis must end there too, or the
// last bucket's events vanish from every graph while the Total panel counts them.
func TestTimeSeriesAxisEndsWhereTheReadEnds(t *testing.T) {
	end := from.Add(2 * hour).Add(999 * time.Millisecond)
	events := []usage.SeriesBucket{
		{Time: from, Event: "sync", Status: 101, Total: 4},
		{Time: from.Add(2 * hour), Event: "auth", Status: 200, Total: 3},
	}
	s := usage.NewSeries(usage.Filter{From: from, To: end}, usage.SeriesParams{Interval: hour}, events)
	times := axis(s)
	if len(times) != 3 || !times[2].Equal(from.Add(2*hour)) {
		t.Fatalf("axis %v, want three buckets ending with %v", times, from.Add(2*hour))
	}
	totals := &usage.Totals{Events: 7}
	for _, groupBy := range []string{"total", "event"} {
		graphed := 0.0
		for _, f := range TimeSeries(s, groupBy, "events", 0, nil) {
			graphed += sum(f)
		}
		if graphed != TotalsFrame(totals, "").Fields[0].At(0) {
			t.Errorf("by %s the graphs show %v events, the Total panel %v", groupBy, graphed, totals.Events)
		}
	}
	// A range ending on the bucket start itself reads nothing of that bucket: no point for it.
	if exact := axis(usage.NewSeries(usage.Filter{From: from, To: from.Add(2 * hour)}, usage.SeriesParams{Interval: hour}, nil)); len(exact) != 2 {
		t.Fatalf("a range ending exactly on a bucket start has %d buckets, want 2", len(exact))
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
	// A week of hourly buckets for 50 split-out users, every event and two statuses each.
	var buckets []usage.SeriesBucket
	for u := 0; u < 50; u++ {
		id := fmt.Sprintf("user_%02d", u)
		for h := 0; h < 168; h++ {
			for _, e := range []string{"sync", "sync_auth", "auth", "chat", "ingest"} {
				buckets = append(buckets,
					usage.SeriesBucket{Time: from.Add(time.Duration(h) * hour), Event: e, Status: 200, Split: id, Total: 3},
					usage.SeriesBucket{Time: from.Add(time.Duration(h) * hour), Event: e, Status: 500, Split: id, Total: 1})
			}
		}
	}
	s := usage.NewSeries(usage.Filter{From: from, To: from.Add(168 * hour)}, usage.SeriesParams{Interval: hour, By: usage.SplitUser}, buckets)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		TimeSeries(s, "user", "error_rate", 10, nil)
	}
}

func TestLimitsFrames(t *testing.T) {
	var l usage.Limits
	if err := json.Unmarshal([]byte(workerfake.LimitsAnswer), &l); err != nil {
		t.Fatal(err)
	}
	frames := LimitsFrames(&l)
	golden(t, "limits", frames...)
	if len(frames) != 2 {
		t.Fatalf("two tables, got %d", len(frames))
	}
	perEvent, over := frames[0], frames[1]
	if got := fieldNames(perEvent); got != "Event|Users|Day p50|Day p90|Day p99|Day max|Minute p50|Minute p90|Minute p99|Minute max|Recommended per minute|Recommended per day|Configured per minute (standard)|Configured per minute (high)" {
		t.Fatalf("limits columns %s", got)
	}
	if got := fieldNames(over); got != "User|User ID|Tier|Event|Minutes over (configured)|Calls over (configured)|Days over (recommended)|Minutes over (recommended)" {
		t.Fatalf("users over columns %s", got)
	}
	row := func(f *data.Frame, i int) string {
		var cells []string
		for _, field := range f.Fields {
			cells = append(cells, fmt.Sprint(field.At(i)))
		}
		return strings.Join(cells, " ")
	}
	if got := row(perEvent, 0); got != "Sync 40 12 60 140 300 1 4 9 31 18 280 60 600" {
		t.Fatalf("sync: %s", got)
	}
	if got := row(over, 1); got != "svc_9 svc_9 standard Ingest 4 39 0 0" {
		t.Fatalf("an unknown id over the configured limit: %s", got)
	}
	if got := row(over, 0); got != "Ada Lovelace usr_ada high Sync 0 0 1 3" {
		t.Fatalf("Ada over the recommended: %s", got)
	}
	if n := perEvent.Meta.Notices; len(n) != 1 || !strings.Contains(n[0].Text, "headroom 2×") {
		t.Fatalf("notice %v", n)
	}
	empty := LimitsFrames(&usage.Limits{})
	if len(empty) != 2 || empty[0].Rows() != 0 || empty[1].Rows() != 0 || len(empty[1].Fields) != 8 {
		t.Fatal("no events and nobody over: two empty tables with their columns")
	}
}
