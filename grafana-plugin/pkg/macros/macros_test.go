package macros

import (
	"testing"
	"time"
)

var ctx = Context{
	From:     time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
	To:       time.Date(2026, 11, 28, 12, 0, 0, 500_000_000, time.UTC),
	Interval: 5 * time.Minute,
	Dataset:  "usage_analytics",
}

func TestExpand(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT 1 FROM $__dataset WHERE $__timeFilter", "SELECT 1 FROM usage_analytics WHERE timestamp >= toDateTime(1795780800) AND timestamp < toDateTime(1795867201)"},
		{"WHERE $__timeFilter(ts2)", "WHERE ts2 >= toDateTime(1795780800) AND ts2 < toDateTime(1795867201)"},
		{"BETWEEN $__timeFrom AND $__timeTo", "BETWEEN toDateTime(1795780800) AND toDateTime(1795867200)"},
		{"INTERVAL '$__interval_s' SECOND", "INTERVAL '300' SECOND"},
		{"SELECT $__timeInterval AS t", "SELECT toStartOfInterval(timestamp, INTERVAL '300' SECOND) AS t"},
		{"SELECT $__timeInterval( timestamp ) AS t", "SELECT toStartOfInterval(timestamp, INTERVAL '300' SECOND) AS t"},
		{"no macros here", "no macros here"},
	}
	for _, c := range cases {
		got, err := Expand(c.in, ctx)
		if err != nil || got != c.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestIntervalIsAtLeastOneSecond(t *testing.T) {
	c := ctx
	c.Interval = 10 * time.Millisecond
	if got, _ := Expand("$__interval_s", c); got != "1" {
		t.Fatalf("got %q", got)
	}
}

func TestRefusals(t *testing.T) {
	for _, in := range []string{
		"$__timeFilter(a b)",
		"$__timeFilter(x'); DROP TABLE t; --)",
		"$__timeGroup(timestamp)",
		"$__dataset(x)",
		"$__timeTo(1)",
	} {
		if out, err := Expand(in, ctx); err == nil {
			t.Errorf("Expand(%q) = %q, want an error", in, out)
		}
	}
}

func TestPrepareEndsInFormatJSON(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1 FROM $__dataset":                  "SELECT 1 FROM usage_analytics\nFORMAT JSON",
		"SELECT 1 FORMAT TabSeparated;":             "SELECT 1\nFORMAT JSON",
		"SELECT 1\n  format  jsoneachrow  ;  \n":    "SELECT 1\nFORMAT JSON",
		"SELECT 'FORMAT TabSeparated' AS x LIMIT 1": "SELECT 'FORMAT TabSeparated' AS x LIMIT 1\nFORMAT JSON",
	} {
		if got, err := Prepare(in, ctx); err != nil || got != want {
			t.Errorf("Prepare(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Prepare("$__nope", ctx); err == nil {
		t.Error("a macro error is Prepare's error")
	}
}
