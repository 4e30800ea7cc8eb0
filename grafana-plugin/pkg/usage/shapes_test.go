package usage

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/macros"
)

// go test ./pkg/usage -update rewrites testdata/sql-shapes.json after an intended change.
var update = flag.Bool("update", false, "rewrite testdata/sql-shapes.json")

const shapesFile = "testdata/sql-shapes.json"

// shape is one SQL statement the plugin can send to AE's SQL API.
type shape struct {
	Name string `json:"name"`
	SQL  string `json:"sql"`
}

// exampleRawSQL is raw SQL as panels write it, one per macro and form, to list each expansion as
// the plugin sends it.
var exampleRawSQL = []string{
	"SELECT blob1 AS event, SUM(_sample_interval) AS events FROM $__dataset WHERE $__timeFilter GROUP BY event ORDER BY events DESC",
	"SELECT $__timeInterval AS t, blob1 AS event, SUM(_sample_interval) AS events FROM $__dataset WHERE $__timeFilter GROUP BY t, event ORDER BY t",
	"SELECT $__timeInterval(timestamp) AS t, SUM(_sample_interval) AS events FROM $__dataset WHERE $__timeFilter(timestamp) GROUP BY t ORDER BY t FORMAT TabSeparated",
	"SELECT intDiv(toUInt32(timestamp), $__interval_s) * $__interval_s AS t, SUM(_sample_interval) AS n FROM $__dataset WHERE timestamp BETWEEN $__timeFrom AND $__timeTo GROUP BY t ORDER BY t",
}

// editorDefaultSQL is the raw SQL the query editor starts with (DEFAULT_SQL in src/types.ts), so
// the statement a new raw SQL panel sends is listed with the others.
func editorDefaultSQL() (string, error) {
	raw, err := os.ReadFile("../../src/types.ts")
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile("(?s)export const DEFAULT_SQL = `([^`]*)`").FindSubmatch(raw)
	if m == nil {
		return "", fmt.Errorf("no DEFAULT_SQL template literal in src/types.ts")
	}
	return string(m[1]), nil
}

// allShapes is every statement the plugin's reads, health check, variables and raw SQL macros
// make, each read with and without each filter, its sorts, HAVING, offsets, splits and intervals.
// Values are the awkward ones (quotes, backslashes, both) so their literals are in the file too.
func allShapes() ([]shape, error) {
	const ds = "usage_analytics"
	day := 24 * time.Hour
	window := func(span time.Duration) Filter { return Filter{From: dayStart, To: dayStart.Add(span)} }
	filters := []struct {
		name string
		f    Filter
	}{
		{"no filter", window(day)},
		{"users", Filter{Users: []string{"u_1", "o'brien", `back\slash`, `\'`, `''`}}},
		{"orgs", Filter{Orgs: []string{"org_a", ""}}},
		{"events", Filter{Events: []string{"sync", "auth"}}},
		{"users, orgs and events", Filter{Users: []string{"u_1"}, Orgs: []string{"org_a"}, Events: []string{"ingest"}}},
	}
	for i := range filters {
		filters[i].f.From, filters[i].f.To = dayStart, dayStart.Add(day).Add(999*time.Millisecond)
	}

	var shapes []shape
	var failure error
	add := func(name string, sql string, err error) {
		if err != nil && failure == nil {
			failure = fmt.Errorf("%s: %w", name, err)
		}
		shapes = append(shapes, shape{Name: name, SQL: sql})
	}
	for _, filter := range filters {
		sql, err := TotalsSQL(ds, filter.f)
		add("totals, "+filter.name, sql, err)
		sql, err = OrgsSQL(ds, filter.f, contract.ReadLimits.MaxOrgs)
		add("orgs, "+filter.name, sql, err)
		sql, err = UsersSQL(ds, filter.f, Ranked(0))
		add("users ranked, "+filter.name, sql, err)
		for _, by := range []string{"", SplitUser, SplitOrg} {
			p := SeriesParams{Interval: IntervalFor(day), By: by}
			switch by {
			case SplitUser:
				p.Top = []string{"u_1", "o'brien", `back\slash`}
			case SplitOrg:
				p.Top = []string{"org_a", `it's`}
			}
			sql, err = SeriesSQL(ds, filter.f, p)
			add(fmt.Sprintf("series split by %q, %s", by, filter.name), sql, err)
		}
	}
	for _, sort := range append([]string{SortTotal, SortErrors, SortID}, contract.Events...) {
		for _, order := range []string{"asc", "desc"} {
			sql, err := UsersSQL(ds, window(day), UsersPage{Sort: sort, Order: order, Limit: 100, Offset: 200})
			add(fmt.Sprintf("users sorted by %s %s, second page", sort, order), sql, err)
		}
	}
	sql, err := UsersSQL(ds, window(time.Hour), UsersPage{Sort: SortTotal, Order: "desc", Limit: MaxUsersLimit, MinEvents: 20})
	add("users with at least 20 events (HAVING)", sql, err)
	sql, err = UsersSQL(ds, window(time.Hour), UsersPage{Sort: SortTotal, Order: "desc", Limit: MaxUsersLimit, MinEvents: 20, MinOverLimit: 1})
	add("users with at least 20 events or 1 call over their limit (per-user alert rules, HAVING … OR …)", sql, err)
	sql, err = UsersSQL(ds, window(day), UsersPage{Sort: SortTotal, Order: "desc", Limit: contract.ReadLimits.RankedUsers, MinOverLimit: 1})
	add("the busiest users with a call over their limit (over-limit series, HAVING)", sql, err)
	for _, span := range []time.Duration{time.Hour, day, 7 * day, 30 * day} {
		sql, err := SeriesSQL(ds, window(span), SeriesParams{Interval: IntervalFor(span), By: SplitUser, Top: []string{"u_1"}})
		add(fmt.Sprintf("series over %v (interval %v)", span, IntervalFor(span)), sql, err)
	}
	sql, err = TotalsSQL(ds, window(day))
	add("health check: totals of the last 24 h", sql, err)
	sql, err = UsersSQL(ds, window(30*day), UsersPage{Sort: SortTotal, Order: "desc", Limit: contract.ReadLimits.MaxPageSize})
	add("users variable: the busiest users of the last 30 days", sql, err)
	sql, err = OrgsSQL(ds, window(30*day), contract.ReadLimits.MaxOrgs)
	add("orgs variable: the organisations of the last 30 days", sql, err)
	defaultSQL, err := editorDefaultSQL()
	if err != nil {
		return nil, err
	}
	for i, raw := range append(slices.Clone(exampleRawSQL), defaultSQL) {
		sql, err := macros.Prepare(raw, macros.Context{From: dayStart, To: dayStart.Add(day).Add(999 * time.Millisecond), Interval: 5 * time.Minute, Dataset: ds})
		add(fmt.Sprintf("raw SQL %d: %s", i+1, raw), sql, err)
	}
	return shapes, failure
}

func TestSQLShapesFileIsCurrent(t *testing.T) {
	shapes, err := allShapes()
	if err != nil {
		t.Fatal(err)
	}
	doc := struct {
		About  string  `json:"about"`
		Shapes []shape `json:"shapes"`
	}{
		About:  "Every SQL statement shape the Grafana plugin sends to AE's SQL API (sql mode), generated by `go test ./pkg/usage -update` (pkg/usage/shapes_test.go); the TypeScript side checks each against the documented-dialect checker. pkg/plugin's tests prove the data source sends no shape missing here.",
		Shapes: shapes,
	}
	want, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(shapesFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(shapesFile)
	if err != nil {
		t.Fatalf("%v: run go test ./pkg/usage -update", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale: run go test ./pkg/usage -update and review the difference", shapesFile)
	}
}
