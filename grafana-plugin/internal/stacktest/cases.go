package stacktest

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Case is one query of every query type against the fixture, with what its answer must be. The
// in-process integration tests and the gRPC test of the built binary run the same cases.
type Case struct {
	Name  string
	Query backend.DataQuery
	Check func(t testing.TB, r backend.DataResponse)
}

func number(t testing.TB, f *data.Frame, field, row int) float64 {
	t.Helper()
	v, ok := f.Fields[field].ConcreteAt(row)
	if !ok {
		t.Fatalf("%s.%s[%d] is null", f.Name, f.Fields[field].Name, row)
	}
	switch n := v.(type) {
	case float64:
		return n
	default:
		t.Fatalf("%s.%s[%d] is %T, want a number", f.Name, f.Fields[field].Name, row, v)
		return 0
	}
}

func oneFrame(t testing.TB, r backend.DataResponse) *data.Frame {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query failed: %v", r.Error)
	}
	if len(r.Frames) != 1 {
		t.Fatalf("got %d frames, want 1", len(r.Frames))
	}
	return r.Frames[0]
}

// seriesTotals sums each series of a time series answer, by its label value.
func seriesTotals(t testing.TB, r backend.DataResponse, label string) map[string]float64 {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query failed: %v", r.Error)
	}
	totals := map[string]float64{}
	for _, f := range r.Frames {
		if len(f.Fields) != 2 || f.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("series %q is not [time, value]", f.Name)
		}
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Fatalf("series %q is not timeseries-multi", f.Name)
		}
		key, ok := f.Fields[1].Labels[label]
		if !ok {
			t.Fatalf("series %q has no %s label: %v", f.Name, label, f.Fields[1].Labels)
		}
		for i := 0; i < f.Rows(); i++ {
			totals[key] += number(t, f, 1, i)
		}
	}
	return totals
}

func equalTotals(t testing.TB, got, want map[string]float64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("series totals %v, want %v", got, want)
	}
}

// perUser reads a perUser answer: the value of each user, by the user label, and the name labels.
func perUser(t testing.TB, r backend.DataResponse) (map[string]float64, map[string]string) {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query failed: %v", r.Error)
	}
	values, names := map[string]float64{}, map[string]string{}
	for _, f := range r.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeNumericMulti {
			t.Fatalf("frame %q is not numeric-multi", f.Name)
		}
		if len(f.Fields) == 0 {
			continue
		}
		if len(f.Fields) != 1 || f.Rows() != 1 {
			t.Fatalf("frame %q is not one number", f.Name)
		}
		user := f.Fields[0].Labels["user"]
		values[user] = number(t, f, 0, 0)
		names[user] = f.Fields[0].Labels["name"]
	}
	return values, names
}

// Cases are every query type for the fixture, with the exact answer; mode is "worker" or "sql".
func Cases(f Fixture, mode string) []Case {
	ivyName := "Integration Ivy"
	if mode == "sql" {
		// AE cannot see the app's user table: sql mode shows ids.
		ivyName = f.Ivy
	}
	// The edge window ends 999 ms into the second its last bucket starts with (issue 9 item 8).
	edgeFrom, edgeTo := f.EdgeAt.Add(-59*time.Minute), f.EdgeAt.Add(999*time.Millisecond)
	cases := []Case{
		{"per-user table", f.Query("users", map[string]any{"queryType": "users"}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			want := []string{"User", "User ID", "Total", "Sync", "Sync auth", "Auth", "Chat", "Ingest"}
			for i, name := range want {
				if fr.Fields[i].Name != name {
					t.Fatalf("column %d is %q, want %q", i, fr.Fields[i].Name, name)
				}
			}
			if fr.Rows() != 2 || fr.Fields[0].At(0) != ivyName || fr.Fields[1].At(0) != f.Ivy || fr.Fields[0].At(1) != f.Other {
				t.Fatalf("want Ivy first as %q, then Other by id; got %v rows, %v, %v", ivyName, fr.Rows(), fr.Fields[0].At(0), fr.Fields[0].At(1))
			}
			got := []float64{number(t, fr, 2, 0), number(t, fr, 3, 0), number(t, fr, 5, 0), number(t, fr, 7, 0), number(t, fr, 2, 1), number(t, fr, 6, 1)}
			if fmt.Sprint(got) != fmt.Sprint([]float64{FixtureIvy, 4, 3, 3, 5, 5}) {
				t.Fatalf("counts %v", got)
			}
		}},
		{"top 1 user", f.Query("top", map[string]any{"queryType": "users", "topN": 1}), func(t testing.TB, r backend.DataResponse) {
			if fr := oneFrame(t, r); fr.Rows() != 1 || fr.Fields[1].At(0) != f.Ivy {
				t.Fatalf("top 1 should be Ivy")
			}
		}},
		{"totals", f.Query("totals", map[string]any{"queryType": "totals"}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			if len(fr.Fields) != 2 || number(t, fr, 0, 0) != FixtureEvents || number(t, fr, 1, 0) != 2 {
				t.Fatalf("totals %v events, %v users", number(t, fr, 0, 0), number(t, fr, 1, 0))
			}
		}},
		{"totals of one metric", f.Query("totalsMetric", map[string]any{"queryType": "totals", "metric": "error_rate"}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			if len(fr.Fields) != 1 || fr.Meta == nil || fr.Meta.Type != data.FrameTypeNumericMulti || number(t, fr, 0, 0) != float64(FixtureErrors)/FixtureEvents {
				t.Fatalf("one numeric-multi number, the error rate 1/15: %d fields, %v", len(fr.Fields), number(t, fr, 0, 0))
			}
		}},
		{"cost", f.Query("cost", map[string]any{"queryType": "cost"}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			// 15 writes in one hour is 360 a day.
			if perDay := number(t, fr, 0, 0); perDay != FixtureEvents*24 {
				t.Fatalf("writes per day %v", perDay)
			}
			// At least this read was made today (the worker's count, or this data source's).
			if reads, share := number(t, fr, 4, 0), number(t, fr, 5, 0); fr.Fields[4].Name != "AE reads today" || reads < 1 || math.Abs(share-reads/100) > 1e-9 {
				t.Fatalf("reads today %v (%v%% of the free reads)", number(t, fr, 4, 0), number(t, fr, 5, 0))
			}
		}},
		{"status breakdown", f.Query("status", map[string]any{"queryType": "status"}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			got := map[string]float64{}
			for i := 0; i < fr.Rows(); i++ {
				got[fr.Fields[0].At(i).(string)] = number(t, fr, 2, i)
			}
			equalTotals(t, got, map[string]float64{"101": 9, "200": 2, "201": 3, "401": 1})
		}},
		{"orgs table", f.Query("orgs", map[string]any{"queryType": "orgs"}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			got := []any{fr.Fields[1].At(0), number(t, fr, 2, 0), number(t, fr, 3, 0), number(t, fr, 4, 0), fr.Fields[0].At(1), number(t, fr, 2, 1), number(t, fr, 4, 1)}
			if fmt.Sprint(got) != fmt.Sprint([]any{f.Org, 10, 1, 1, "(none)", 5, 1}) {
				t.Fatalf("orgs %v", got)
			}
		}},
		{"time series by event", f.Query("byEvent", map[string]any{"queryType": "timeseries", "groupBy": "event"}), func(t testing.TB, r backend.DataResponse) {
			equalTotals(t, seriesTotals(t, r, "event"), map[string]float64{"sync": 4, "auth": 3, "chat": 5, "ingest": 3})
		}},
		{"time series by user", f.Query("byUser", map[string]any{"queryType": "timeseries", "groupBy": "user"}), func(t testing.TB, r backend.DataResponse) {
			equalTotals(t, seriesTotals(t, r, "user"), map[string]float64{f.Ivy: FixtureIvy, f.Other: 5})
			ivy := r.Frames[0].Fields[1]
			if ivy.Config.DisplayNameFromDS != ivyName || ivy.Labels["name"] != ivyName || r.Frames[1].Fields[1].Labels["name"] != f.Other {
				t.Fatalf("Ivy's series is named %q (labels %v), want %q", ivy.Config.DisplayNameFromDS, ivy.Labels, ivyName)
			}
		}},
		{"time series by org", f.Query("byOrg", map[string]any{"queryType": "timeseries", "groupBy": "org"}), func(t testing.TB, r backend.DataResponse) {
			equalTotals(t, seriesTotals(t, r, "org"), map[string]float64{f.Org: FixtureIvy, "(none)": 5})
		}},
		{"time series by status", f.Query("byStatus", map[string]any{"queryType": "timeseries", "groupBy": "status"}), func(t testing.TB, r backend.DataResponse) {
			equalTotals(t, seriesTotals(t, r, "status"), map[string]float64{"101": 9, "200": 2, "201": 3, "401": 1})
		}},
		{"time series of the total", f.Query("total", map[string]any{"queryType": "timeseries", "groupBy": "total"}), func(t testing.TB, r backend.DataResponse) {
			if r.Error != nil {
				t.Fatalf("query failed: %v", r.Error)
			}
			if len(r.Frames) != 1 || len(r.Frames[0].Fields[1].Labels) != 0 {
				t.Fatalf("one unlabelled series")
			}
			sum := 0.0
			for i := 0; i < r.Frames[0].Rows(); i++ {
				sum += number(t, r.Frames[0], 1, i)
			}
			if sum != FixtureEvents {
				t.Fatalf("the total series sums to %v", sum)
			}
		}},
		{"errors by user", f.Query("errors", map[string]any{"queryType": "timeseries", "groupBy": "user", "metric": "errors"}), func(t testing.TB, r backend.DataResponse) {
			// Users without errors are not among the users with most errors.
			equalTotals(t, seriesTotals(t, r, "user"), map[string]float64{f.Ivy: FixtureErrors})
		}},
		{"error rate by user", f.Query("errorRate", map[string]any{"queryType": "timeseries", "groupBy": "user", "metric": "error_rate"}), func(t testing.TB, r backend.DataResponse) {
			// Ivy's one 401 is alone in its minute: that bucket's rate is 1, the others 0.
			equalTotals(t, seriesTotals(t, r, "user"), map[string]float64{f.Ivy: 1})
		}},
		{"per-user values over a minimum (alert rules)", f.Query("perUser", map[string]any{"queryType": "perUser", "metric": "events", "minEvents": 6}), func(t testing.TB, r backend.DataResponse) {
			values, names := perUser(t, r)
			if fmt.Sprint(values) != fmt.Sprint(map[string]float64{f.Ivy: FixtureIvy}) || names[f.Ivy] != ivyName {
				t.Fatalf("only Ivy has 6 or more events: %v %v", values, names)
			}
		}},
		{"per-user error rates", f.Query("perUserRate", map[string]any{"queryType": "perUser", "metric": "error_rate"}), func(t testing.TB, r backend.DataResponse) {
			values, names := perUser(t, r)
			if fmt.Sprint(values) != fmt.Sprint(map[string]float64{f.Ivy: 0.1, f.Other: 0}) || names[f.Other] != f.Other {
				t.Fatalf("per-user error rates %v %v", values, names)
			}
		}},
		{"event filter", f.Query("sync", map[string]any{"queryType": "totals", "events": []string{"sync", "chat"}}), func(t testing.TB, r backend.DataResponse) {
			if fr := oneFrame(t, r); number(t, fr, 0, 0) != 9 {
				t.Fatalf("sync + chat = 9, got %v", number(t, fr, 0, 0))
			}
		}},
		{"an id with quotes and backslashes", f.Query("tricky", map[string]any{"queryType": "users", "users": []string{f.Tricky}}), func(t testing.TB, r backend.DataResponse) {
			fr := oneFrame(t, r)
			if fr.Rows() != 1 || fr.Fields[1].At(0) != f.Tricky || number(t, fr, 2, 0) != FixtureTricky {
				t.Fatalf("want %q with %d events, got %d rows: %v", f.Tricky, FixtureTricky, fr.Rows(), fr.Fields[1])
			}
		}},
		{"a range ending 999 ms into its last bucket: the graph", f.QueryOver("edgeSeries", map[string]any{"queryType": "timeseries", "groupBy": "event", "users": []string{f.Edge}}, edgeFrom, edgeTo), func(t testing.TB, r backend.DataResponse) {
			equalTotals(t, seriesTotals(t, r, "event"), map[string]float64{"sync": FixtureEdge})
			fr := r.Frames[0]
			last := fr.Rows() - 1
			if at := fr.Fields[0].At(last).(time.Time); !at.Equal(f.EdgeAt) || number(t, fr, 1, last) != 1 {
				t.Fatalf("the last bucket starts %v with %v events, want %v with 1", at, number(t, fr, 1, last), f.EdgeAt)
			}
		}},
		{"a range ending 999 ms into its last bucket: the total", f.QueryOver("edgeTotal", map[string]any{"queryType": "totals", "users": []string{f.Edge}}, edgeFrom, edgeTo), func(t testing.TB, r backend.DataResponse) {
			if n := number(t, oneFrame(t, r), 0, 0); n != FixtureEdge {
				t.Fatalf("the total is %v, the graph %d", n, FixtureEdge)
			}
		}},
	}
	capped := []string{f.Capped}
	everyoneOver := []string{f.Ivy, f.Other, f.Capped}
	cases = append(cases,
		Case{"calls over the limit", f.Query("overTotal", map[string]any{"queryType": "totals", "metric": "over_limit"}), func(t testing.TB, r backend.DataResponse) {
			if fr := oneFrame(t, r); number(t, fr, 0, 0) != FixtureIvyOver+FixtureOtherOver || fr.Fields[0].Name != "Calls over the limit" {
				t.Fatalf("%s %v, want %d", fr.Fields[0].Name, number(t, fr, 0, 0), FixtureIvyOver+FixtureOtherOver)
			}
		}},
		Case{"throttled calls", f.Query("throttledTotal", map[string]any{"queryType": "totals", "metric": "throttled", "users": capped}), func(t testing.TB, r backend.DataResponse) {
			if n := number(t, oneFrame(t, r), 0, 0); n != FixtureCappedRefused {
				t.Fatalf("throttled %v, want %d", n, FixtureCappedRefused)
			}
		}},
		Case{"calls over the limit by user", f.Query("overByUser", map[string]any{"queryType": "timeseries", "groupBy": "user", "metric": "over_limit", "users": everyoneOver}), func(t testing.TB, r backend.DataResponse) {
			equalTotals(t, seriesTotals(t, r, "user"), map[string]float64{f.Ivy: FixtureIvyOver, f.Other: FixtureOtherOver, f.Capped: FixtureCappedOver})
		}},
		Case{"throttled calls by user", f.Query("throttledByUser", map[string]any{"queryType": "timeseries", "groupBy": "user", "metric": "throttled", "users": everyoneOver}), func(t testing.TB, r backend.DataResponse) {
			// Only Capped was refused: the others are not among the throttled series.
			equalTotals(t, seriesTotals(t, r, "user"), map[string]float64{f.Capped: FixtureCappedRefused})
		}},
		Case{"per-user calls over the limit (the over-limit rule)", f.Query("perUserOver", map[string]any{"queryType": "perUser", "metric": "over_limit", "minEvents": 20, "minOverLimit": 1, "users": everyoneOver}), func(t testing.TB, r backend.DataResponse) {
			// Nobody has 20 calls: every user here is read for a call over the limit.
			values, names := perUser(t, r)
			if fmt.Sprint(values) != fmt.Sprint(map[string]float64{f.Ivy: FixtureIvyOver, f.Other: FixtureOtherOver, f.Capped: FixtureCappedOver}) || names[f.Ivy] != ivyName {
				t.Fatalf("over the limit per user: %v %v", values, names)
			}
		}},
		Case{"per-user throttled calls", f.Query("perUserThrottled", map[string]any{"queryType": "perUser", "metric": "throttled", "minEvents": 20, "minOverLimit": 1, "users": everyoneOver}), func(t testing.TB, r backend.DataResponse) {
			values, _ := perUser(t, r)
			if fmt.Sprint(values) != fmt.Sprint(map[string]float64{f.Ivy: 0, f.Other: 0, f.Capped: FixtureCappedRefused}) {
				t.Fatalf("throttled per user: %v", values)
			}
		}},
		Case{"each user's share of the writes", f.Query("share", map[string]any{"queryType": "users"}), func(t testing.TB, r backend.DataResponse) {
			// Shares are of every write of the window (other tests write in it too): Ivy's is
			// bigger than Other's, as her 10 calls are to his 5, and 15 tiny writes cost nothing.
			fr := oneFrame(t, r)
			if fr.Fields[8].Name != "Share of writes" || fr.Fields[9].Name != "Monthly AE cost" {
				t.Fatalf("columns %s, %s", fr.Fields[8].Name, fr.Fields[9].Name)
			}
			ivy, other := number(t, fr, 8, 0), number(t, fr, 8, 1)
			if ivy <= 0 || ivy > 1 || math.Abs(ivy-2*other) > 1e-12 || number(t, fr, 9, 0) != 0 {
				t.Fatalf("shares %v and %v, cost %v", ivy, other, number(t, fr, 9, 0))
			}
		}},
	)
	if mode == "worker" {
		cases = append(cases, Case{"limits", f.Query("limits", map[string]any{"queryType": "limits", "headroom": 2, "users": []string{}}), func(t testing.TB, r backend.DataResponse) {
			checkLimits(t, r, 2)
		}})
	} else {
		cases = append(cases, Case{"limits need worker mode", f.Query("limits", map[string]any{"queryType": "limits", "users": []string{}}), func(t testing.TB, r backend.DataResponse) {
			if r.Error == nil || !strings.Contains(r.Error.Error(), "needs the data source in worker mode") {
				t.Fatalf("want an explanation, got %v", r.Error)
			}
		}})
	}
	rawSQL := fmt.Sprintf("SELECT blob1 AS event, SUM(_sample_interval) AS n FROM $__dataset WHERE $__timeFilter AND index1 IN ('%s', '%s') GROUP BY event ORDER BY event", f.Ivy, f.Other)
	rawSeries := fmt.Sprintf("SELECT $__timeInterval AS t, blob1 AS event, SUM(_sample_interval) AS n FROM $__dataset WHERE $__timeFilter AND index1 = '%s' GROUP BY t, event ORDER BY t", f.Ivy)
	if mode == "sql" {
		cases = append(cases,
			Case{"raw SQL table", f.Query("sql", map[string]any{"queryType": "sql", "rawSql": rawSQL}), func(t testing.TB, r backend.DataResponse) {
				fr := oneFrame(t, r)
				got := map[string]float64{}
				for i := 0; i < fr.Rows(); i++ {
					got[*fr.Fields[0].At(i).(*string)] = *fr.Fields[1].At(i).(*float64)
				}
				equalTotals(t, got, map[string]float64{"auth": 3, "chat": 5, "ingest": 3, "sync": 4})
				if !strings.Contains(fr.Meta.ExecutedQueryString, "timestamp >= toDateTime(") {
					t.Fatalf("macros not expanded: %s", fr.Meta.ExecutedQueryString)
				}
			}},
			Case{"raw SQL time series", f.Query("sqlSeries", map[string]any{"queryType": "sql", "rawSql": rawSeries, "format": "time_series"}), func(t testing.TB, r backend.DataResponse) {
				fr := oneFrame(t, r)
				if fr.Fields[0].Type() != data.FieldTypeTime && fr.Fields[0].Type() != data.FieldTypeNullableTime {
					t.Fatalf("first field is %v, want time", fr.Fields[0].Type())
				}
				events := map[string]bool{}
				for _, field := range fr.Fields[1:] {
					events[field.Labels["event"]] = true
				}
				if len(events) != 3 {
					t.Fatalf("want one series per event of Ivy's, got %v", events)
				}
			}},
			Case{"raw SQL refused by AE's dialect", f.Query("join", map[string]any{"queryType": "sql", "rawSql": "SELECT * FROM $__dataset a JOIN $__dataset b ON a.index1 = b.index1"}), func(t testing.TB, r backend.DataResponse) {
				if r.Error == nil || !strings.Contains(r.Error.Error(), "JOINs are not supported") || r.ErrorSource != backend.ErrorSourceDownstream {
					t.Fatalf("want AE's 422 reason in words, got %v", r.Error)
				}
			}},
		)
	} else {
		cases = append(cases, Case{"raw SQL needs sql mode", f.Query("sql", map[string]any{"queryType": "sql", "rawSql": rawSQL}), func(t testing.TB, r backend.DataResponse) {
			if r.Error == nil || !strings.Contains(r.Error.Error(), "sql mode") {
				t.Fatalf("want an explanation, got %v", r.Error)
			}
		}})
	}
	return cases
}

// Per-minute limits by tier and class, and how limits are recommended: contract/src/limits.ts
// (RATE_LIMITS, EVENT_LIMIT_CLASS, RECOMMENDATION, recommendLimit), which the Go contract does not
// carry (the plugin shows the worker's numbers; only this check needs them).
var (
	configuredPerMinute = map[string][2]float64{"Sync": {60, 600}, "Chat": {60, 600}, "Sync auth": {120, 1200}, "Auth": {120, 1200}, "Ingest": {60, 600}}
	minPerMinute        = 10.0
	minPerDay           = 100.0
)

// checkLimits holds the worker's recommendations (whatever the data of the last 7 whole days: the
// worker leaves today out, so the fixture is not in them) to the contract: both tables with their
// columns, a row for every event (zeros and floors for one nobody used), percentiles in order, the
// recommendations p99 × headroom rounded up above their floors, the configured limits the
// contract's for the event's class.
func checkLimits(t testing.TB, r backend.DataResponse, headroom float64) {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query failed: %v", r.Error)
	}
	if len(r.Frames) != 2 || r.Frames[0].Name != "Limits per event" || r.Frames[1].Name != "Users over the limit" {
		t.Fatalf("want the two tables, got %d frames", len(r.Frames))
	}
	perEvent := r.Frames[0]
	if perEvent.Rows() != 5 {
		t.Fatalf("%d events, want a row for each of the five", perEvent.Rows())
	}
	col := func(name string, row int) float64 {
		t.Helper()
		f, i := perEvent.FieldByName(name)
		if i < 0 {
			t.Fatalf("no column %q", name)
		}
		v, err := f.FloatAt(row)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for row := 0; row < perEvent.Rows(); row++ {
		event := perEvent.Fields[0].At(row).(string)
		used := col("Users", row) > 0
		for _, kind := range []string{"Day", "Minute"} {
			p50, p90, p99, top := col(kind+" p50", row), col(kind+" p90", row), col(kind+" p99", row), col(kind+" max", row)
			if used && !(1 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= top) || !used && p50+p90+p99+top != 0 {
				t.Fatalf("%s (%v users): %s percentiles %v %v %v %v", event, col("Users", row), kind, p50, p90, p99, top)
			}
		}
		if want := math.Max(minPerMinute, math.Ceil(col("Minute p99", row)*headroom)); col("Recommended per minute", row) != want {
			t.Fatalf("%s: recommended per minute %v, want %v", event, col("Recommended per minute", row), want)
		}
		if want := math.Max(minPerDay, math.Ceil(col("Day p99", row)*headroom)); col("Recommended per day", row) != want {
			t.Fatalf("%s: recommended per day %v, want %v", event, col("Recommended per day", row), want)
		}
		configured, ok := configuredPerMinute[event]
		if !ok || col("Configured per minute (standard)", row) != configured[0] || col("Configured per minute (high)", row) != configured[1] {
			t.Fatalf("%s: configured %v / %v, want %v", event, col("Configured per minute (standard)", row), col("Configured per minute (high)", row), configured)
		}
	}
	if got := len(r.Frames[1].Fields); got != 8 {
		t.Fatalf("users over the limit has %d columns", got)
	}
}
