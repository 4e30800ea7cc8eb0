package usage

import (
	"strings"
	"testing"
	"time"
)

func TestQuoteMatchesTheWorker(t *testing.T) {
	cases := map[string]string{
		"plain":    `'plain'`,
		"it's":     `'it\'s'`,
		`a\b`:      `'a\\b'`,
		"a\nb\x00": `'a\x0ab\x00'`,
		"🙂'":       `'🙂\''`,
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCubeSQL(t *testing.T) {
	p := Params{
		From:     time.Unix(1_795_780_800, 0),
		To:       time.Unix(1_795_867_200, 500_000_000),
		Interval: time.Hour,
		Users:    []string{"u1", "o'brien"},
		Events:   []string{"sync"},
	}
	got := CubeSQL(p, "usage_analytics")
	want := strings.Join([]string{
		"SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '3600' SECOND)) AS bucket,",
		"  index1 AS user, blob1 AS event, blob2 AS org, double1 AS status,",
		"  SUM(_sample_interval) AS total, sumIf(_sample_interval, double1 >= 400) AS errors",
		"FROM usage_analytics",
		`WHERE timestamp >= toDateTime(1795780800) AND timestamp < toDateTime(1795867201) AND blob1 IN ('sync') AND index1 IN ('u1', 'o\'brien')`,
		"GROUP BY bucket, user, event, org, status",
		"ORDER BY bucket",
		"FORMAT JSON",
	}, "\n")
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if all := CubeSQL(Params{From: p.From, To: p.From.Add(time.Hour), Interval: time.Minute}, "d"); !strings.Contains(all, "blob1 IN ('sync', 'sync_auth', 'auth', 'chat', 'ingest')") {
		t.Fatalf("without an event filter the five events are asked for: %s", all)
	}
}

func TestRollUp(t *testing.T) {
	rows := []map[string]any{
		{"bucket": "1795780800", "user": "u1", "event": "sync", "org": "o", "status": 101.0, "total": "10", "errors": "0"},
		{"bucket": 1795784400.0, "user": "u1", "event": "auth", "org": "o", "status": 401.0, "total": "2", "errors": "2"},
		{"bucket": 1795784400.0, "user": "u2", "event": "ingest", "org": "", "status": 201.0, "total": 5.0, "errors": 0.0},
		{"bucket": 1795784400.0, "user": "u3", "event": "sync", "org": "", "status": 101.0, "total": "0", "errors": "0"},
	}
	r, err := RollUp(rows, Params{From: time.Unix(1_795_780_800, 0), To: time.Unix(1_795_788_000, 0), Interval: time.Hour}, "ds")
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Events != 17 || r.Totals.Errors != 2 || r.Totals.ActiveUsers != 2 {
		t.Fatalf("totals %+v", r.Totals)
	}
	if r.Users[0].ID != "u1" || r.Users[0].Total != 12 || r.Users[0].Events["auth"] != 2 || r.Users[1].Events["ingest"] != 5 {
		t.Fatalf("users %+v", r.Users)
	}
	if len(r.Buckets) != 3 || !r.Buckets[1].Time.Equal(time.Unix(1_795_784_400, 0)) || r.Buckets[1].Key.Status != 401 {
		t.Fatalf("buckets %+v", r.Buckets)
	}
	if _, err := RollUp([]map[string]any{{"total": "x"}}, Params{}, "ds"); err == nil {
		t.Fatal("a non-numeric total is an error")
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

func TestKeyIgnoresTheEndAndFilterOrder(t *testing.T) {
	a := Params{From: time.Unix(0, 0), To: time.Unix(3600, 0), Interval: time.Minute, Users: []string{"a", "b"}}
	b := Params{From: time.Unix(2, 0), To: time.Unix(3602, 0), Interval: time.Minute, Users: []string{"b", "a"}}
	if a.Key() != b.Key() {
		t.Fatal("same span, interval and filters share a key")
	}
	c := b
	c.Orgs = []string{"o"}
	if a.Key() == c.Key() {
		t.Fatal("other filters, other key")
	}
}
