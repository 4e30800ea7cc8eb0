package usage

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	dayStart = time.Unix(1_795_780_800, 0).UTC() // 2026-11-27 08:00 UTC
	dayEnd   = time.Unix(1_795_867_200, 500_000_000).UTC()
)

func TestLiteralReadsTheSameUnderEitherBackslashRule(t *testing.T) {
	for in, want := range map[string]string{
		"plain":   `'plain'`,
		"o'brien": `'o''brien'`,
		`a\b`:     `'a\\b'`,
		`\'`:      `'\\'''`,
		`''`:      `''''''`,
		`x\`:      `'x\\'`,
		"🙂'":      `'🙂'''`,
	} {
		got, err := Literal(in)
		if err != nil || got != want {
			t.Errorf("Literal(%q) = %s, %v; want %s", in, got, err, want)
		}
		// Standard SQL: only '' is special. ClickHouse: '' and \\ are. Both must end the
		// literal at its last character and give back the value (ClickHouse) or the value with
		// its backslashes doubled (standard SQL) — never anything beyond the literal.
		if end := literalEnd(got, false); end != len(got) {
			t.Errorf("%s: standard SQL ends the literal at %d of %d", got, end, len(got))
		}
		if end := literalEnd(got, true); end != len(got) {
			t.Errorf("%s: ClickHouse ends the literal at %d of %d", got, end, len(got))
		}
	}
	for _, bad := range []string{"a\nb", "\x00", "tab\there", "del\x7f"} {
		if got, err := Literal(bad); err == nil || !strings.Contains(err.Error(), "control character") {
			t.Errorf("Literal(%q) = %s, %v; want a refusal naming the control character", bad, got, err)
		}
	}
}

// literalEnd is where a reader of string literals stops reading the literal that starts sql.
func literalEnd(sql string, backslashEscapes bool) int {
	for i := 1; i < len(sql); i++ {
		switch {
		case backslashEscapes && sql[i] == '\\':
			i++
		case sql[i] == '\'' && i+1 < len(sql) && sql[i+1] == '\'':
			i++
		case sql[i] == '\'':
			return i + 1
		}
	}
	return -1
}

func TestReadsSQL(t *testing.T) {
	f := Filter{From: dayStart, To: dayEnd, Users: []string{"u1", "o'brien"}, Events: []string{"sync"}}
	where := "WHERE timestamp >= toDateTime(1795780800) AND timestamp < toDateTime(1795867201) AND blob1 IN ('sync') AND index1 IN ('u1', 'o''brien')"
	cases := []struct {
		name string
		sql  func() (string, error)
		want string
	}{
		{"totals", func() (string, error) { return TotalsSQL("usage_analytics", f) },
			"SELECT SUM(_sample_interval) AS events, sumIf(_sample_interval, double1 >= 400) AS errors, sumIf(_sample_interval, double2 >= 1) AS over_limit, count(DISTINCT index1) AS users FROM usage_analytics " + where + " FORMAT JSON"},
		{"orgs", func() (string, error) { return OrgsSQL("usage_analytics", f, 1000) },
			"SELECT blob2 AS org, SUM(_sample_interval) AS events, sumIf(_sample_interval, double1 >= 400) AS errors, count(DISTINCT index1) AS users FROM usage_analytics " + where + " GROUP BY org ORDER BY events DESC, org LIMIT 1000 FORMAT JSON"},
		{"users", func() (string, error) {
			return UsersSQL("usage_analytics", f, UsersPage{Sort: "errors", Order: "asc", Limit: 50, Offset: 100, MinEvents: 20})
		},
			"SELECT index1 AS uid, SUM(_sample_interval) AS events, sumIf(_sample_interval, double1 >= 400) AS errors, sumIf(_sample_interval, double2 >= 1) AS over_limit, sumIf(_sample_interval, blob1 = 'sync') AS e_sync, sumIf(_sample_interval, blob1 = 'sync_auth') AS e_sync_auth, sumIf(_sample_interval, blob1 = 'auth') AS e_auth, sumIf(_sample_interval, blob1 = 'chat') AS e_chat, sumIf(_sample_interval, blob1 = 'ingest') AS e_ingest FROM usage_analytics " + where + " GROUP BY uid HAVING events >= 20 ORDER BY errors ASC, uid LIMIT 50 OFFSET 100 FORMAT JSON"},
		{"users by id", func() (string, error) { return UsersSQL("d", f, UsersPage{Sort: "id", Order: "desc", Limit: 1}) },
			"SELECT index1 AS uid, SUM(_sample_interval) AS events, sumIf(_sample_interval, double1 >= 400) AS errors, sumIf(_sample_interval, double2 >= 1) AS over_limit, sumIf(_sample_interval, blob1 = 'sync') AS e_sync, sumIf(_sample_interval, blob1 = 'sync_auth') AS e_sync_auth, sumIf(_sample_interval, blob1 = 'auth') AS e_auth, sumIf(_sample_interval, blob1 = 'chat') AS e_chat, sumIf(_sample_interval, blob1 = 'ingest') AS e_ingest FROM d " + where + " GROUP BY uid ORDER BY uid DESC LIMIT 1 FORMAT JSON"},
		{"series split by users", func() (string, error) {
			return SeriesSQL("usage_analytics", f, SeriesParams{Interval: time.Hour, By: SplitUser, Top: []string{"u1", `a\b`}})
		},
			"SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '3600' SECOND)) AS bucket, blob1 AS event, double1 AS status, if(index1 IN ('u1', 'a\\\\b'), index1, '') AS split, SUM(_sample_interval) AS events, sumIf(_sample_interval, double2 >= 1) AS over_limit FROM usage_analytics " + where + " GROUP BY bucket, event, status, split ORDER BY bucket, event, status, split FORMAT JSON"},
		{"series without a split", func() (string, error) {
			return SeriesSQL("d", Filter{From: dayStart, To: dayStart.Add(time.Hour)}, SeriesParams{Interval: time.Minute, By: SplitOrg})
		},
			"SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '60' SECOND)) AS bucket, blob1 AS event, double1 AS status, '' AS split, SUM(_sample_interval) AS events, sumIf(_sample_interval, double2 >= 1) AS over_limit FROM d WHERE timestamp >= toDateTime(1795780800) AND timestamp < toDateTime(1795784400) AND blob1 IN ('sync', 'sync_auth', 'auth', 'chat', 'ingest') GROUP BY bucket, event, status, split ORDER BY bucket, event, status, split FORMAT JSON"},
	}
	for _, c := range cases {
		got, err := c.sql()
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.name, got, err, c.want)
		}
	}
}

// The over-limit count's alias is never the reserved word OVER (window functions), which AE's
// dialect refuses (local-analytics-engine/src/sql/parser.ts).
func TestTheOverLimitColumnIsNotAReservedWord(t *testing.T) {
	for _, read := range []func() (string, error){
		func() (string, error) { return TotalsSQL("d", Filter{From: dayStart, To: dayEnd}) },
		func() (string, error) {
			return UsersSQL("d", Filter{From: dayStart, To: dayEnd}, UsersPage{Sort: "total", Order: "desc", Limit: 1, MinOverLimit: 1})
		},
		func() (string, error) {
			return SeriesSQL("d", Filter{From: dayStart, To: dayEnd}, SeriesParams{Interval: time.Hour})
		},
	} {
		sql, err := read()
		if err != nil || regexp.MustCompile(`(?i)\bover\b`).MatchString(sql) {
			t.Errorf("%s (%v) says OVER", sql, err)
		}
	}
}

// The alert rules' read keeps users at or over either bound (limits spec: HAVING events >=
// minEvents OR over >= minOverLimit); a bound of 0 is none, and negative bounds are refused.
func TestUsersHavingTakesEitherBound(t *testing.T) {
	f := Filter{From: dayStart, To: dayEnd}
	for page, want := range map[UsersPage]string{
		{Sort: "total", Order: "desc", Limit: 10000, MinEvents: 20, MinOverLimit: 1}: " GROUP BY uid HAVING events >= 20 OR over_limit >= 1 ORDER BY events DESC",
		{Sort: "total", Order: "desc", Limit: 100, MinOverLimit: 3}:                  " GROUP BY uid HAVING over_limit >= 3 ORDER BY events DESC",
		{Sort: "total", Order: "desc", Limit: 100, MinEvents: 5}:                     " GROUP BY uid HAVING events >= 5 ORDER BY events DESC",
		{Sort: "total", Order: "desc", Limit: 100}:                                   " GROUP BY uid ORDER BY events DESC",
	} {
		got, err := UsersSQL("d", f, page)
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("%+v:\n got %s (%v)\nwant …%s…", page, got, err, want)
		}
		if page.Bounded() != strings.Contains(want, "HAVING") {
			t.Errorf("%+v: Bounded() = %v", page, page.Bounded())
		}
	}
	if _, err := UsersSQL("d", f, UsersPage{Sort: "total", Order: "desc", Limit: 1, MinOverLimit: -1}); err == nil {
		t.Error("a negative minOverLimit is refused")
	}
}

func TestReadsRefuseWhatTheyCannotSend(t *testing.T) {
	f := Filter{From: dayStart, To: dayEnd}
	page := Ranked(0)
	for name, attempt := range map[string]func() error{
		"empty window": func() error { _, err := TotalsSQL("d", Filter{From: dayEnd, To: dayStart}); return err },
		"control character": func() error {
			_, err := TotalsSQL("d", Filter{From: dayStart, To: dayEnd, Orgs: []string{"a\nb"}})
			return err
		},
		"sort by name":        func() error { p := page; p.Sort = "name"; _, err := UsersSQL("d", f, p); return err },
		"unknown sort":        func() error { p := page; p.Sort = "latency"; _, err := UsersSQL("d", f, p); return err },
		"unknown order":       func() error { p := page; p.Order = "up"; _, err := UsersSQL("d", f, p); return err },
		"zero limit":          func() error { p := page; p.Limit = 0; _, err := UsersSQL("d", f, p); return err },
		"too many users":      func() error { p := page; p.Limit = MaxUsersLimit + 1; _, err := UsersSQL("d", f, p); return err },
		"too many orgs":       func() error { _, err := OrgsSQL("d", f, 1001); return err },
		"sub-second interval": func() error { _, err := SeriesSQL("d", f, SeriesParams{Interval: 1500 * time.Millisecond}); return err },
		"split by something": func() error {
			_, err := SeriesSQL("d", f, SeriesParams{Interval: time.Hour, By: "event", Top: []string{"x"}})
			return err
		},
		"more than 50 top ids": func() error {
			_, err := SeriesSQL("d", f, SeriesParams{Interval: time.Hour, By: SplitUser, Top: make([]string, 51)})
			return err
		},
		"control character top": func() error {
			_, err := SeriesSQL("d", f, SeriesParams{Interval: time.Hour, By: SplitUser, Top: []string{"\x01"}})
			return err
		},
	} {
		if err := attempt(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := UsersSQL("d", f, UsersPage{Sort: "name", Order: "asc", Limit: 1}); err == nil || !strings.Contains(err.Error(), "worker mode") {
		t.Errorf("sorting by name says it needs worker mode: %v", err)
	}
}

func TestEndRoundsUpToTheNextSecond(t *testing.T) {
	start := time.Unix(1_795_780_800, 0)
	for to, want := range map[time.Time]int64{
		start:                              1_795_780_800,
		start.Add(time.Nanosecond):         1_795_780_801,
		start.Add(999 * time.Millisecond):  1_795_780_801,
		start.Add(time.Second):             1_795_780_801,
		start.Add(1001 * time.Millisecond): 1_795_780_802,
	} {
		if got := (Filter{To: to}).End().Unix(); got != want {
			t.Errorf("End of %v = %d, want %d", to, got, want)
		}
	}
}

func TestIntervalFor(t *testing.T) {
	for span, want := range map[time.Duration]time.Duration{
		time.Hour:           time.Minute,
		24 * time.Hour:      10 * time.Minute,
		7 * 24 * time.Hour:  time.Hour,
		30 * 24 * time.Hour: 6 * time.Hour,
		90 * 24 * time.Hour: 12 * time.Hour,
	} {
		if got := IntervalFor(span); got != want {
			t.Errorf("IntervalFor(%v) = %v, want %v", span, got, want)
		}
	}
}
