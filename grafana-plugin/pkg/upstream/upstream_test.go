package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usagelens/analytics/internal/workerfake"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

// A FAKE upstream for answers the real worker and local AE cannot be made to give on demand
// (throttling, queueing, AE's timeout, broken bodies, slowness). 401, 403, 422 and unreachable
// are covered against the real stack in the integration tests.
func fake(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return server.URL
}

func status(code int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

var window = usage.Filter{From: time.Unix(0, 0), To: time.Unix(3600, 0)}

func TestSQLAPIFailuresInWords(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		kind    Kind
		want    string
	}{
		{"429", status(429, "Too many requests"), Throttled, "rate-limited"},
		{"503", status(503, "busy"), Throttled, "queued the query too long"},
		{"504", status(504, "timeout"), Timeout, "narrow the time range"},
		{"malformed JSON", status(200, `{"meta": [`), Malformed, "malformed JSON"},
		{"JSON without meta", status(200, `{"rows": 1}`), Malformed, "malformed JSON"},
		{"gateway JSON error", status(400, `{"success":false,"errors":[{"code":7003,"message":"Could not route"}]}`), Invalid, "Could not route"},
		{"cut off", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"meta":[`))
		}, Malformed, "cut off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := &SQLAPI{BaseURL: fake(t, c.handler), AccountID: "acc", Token: "secret-token", HTTP: http.DefaultClient}
			_, err := api.Query(context.Background(), "SELECT 1 FORMAT JSON")
			e, ok := AsError(err)
			if !ok || e.Kind != c.kind || !strings.Contains(e.Message, c.want) {
				t.Fatalf("got %v (%+v), want kind %s with %q", err, e, c.kind, c.want)
			}
			if strings.Contains(e.Message, "secret-token") {
				t.Fatal("the token must never appear in a message")
			}
		})
	}
}

func TestSlowUpstreamTimesOut(t *testing.T) {
	url := fake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	})
	api := &SQLAPI{BaseURL: url, AccountID: "acc", Token: "t", HTTP: &http.Client{Timeout: 200 * time.Millisecond}}
	_, err := api.Query(context.Background(), "SELECT 1")
	if e, ok := AsError(err); !ok || e.Kind != Timeout {
		t.Fatalf("want a timeout, got %v", err)
	}
}

func TestWorkerFailuresInWords(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		kind    Kind
		want    string
	}{
		{"503 with Retry-After", status(503, `{"error":"Analytics Engine SQL API rate-limited the query (429); try again later"}`, "Retry-After", "7"), Throttled, "retry after 7 s"},
		{"502 AE not enabled", status(502, `{"error":"Analytics Engine SQL API refused the credentials (403): Analytics Engine may not be enabled"}`), Failed, "may not be enabled"},
		{"404", status(404, `{"error":"no route"}`), Invalid, "no /api/admin/usage/totals (404): check the Worker URL"},
		{"an answer without totals", status(200, `{"window":{},"dataset":"d"}`), Malformed, "without totals"},
		{"500 without a body", status(500, ""), Failed, "failed (500): (empty answer)"},
		{"malformed", status(200, `not json`), Malformed, "malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := &Worker{BaseURL: fake(t, c.handler), APIKey: "ul_admin_secret", HTTP: http.DefaultClient}
			_, err := w.Totals(context.Background(), window)
			e, ok := AsError(err)
			if !ok || e.Kind != c.kind || !strings.Contains(e.Message, c.want) {
				t.Fatalf("got %v, want kind %s with %q", err, c.kind, c.want)
			}
			if strings.Contains(e.Message, "ul_admin_secret") {
				t.Fatal("the key must never appear in a message")
			}
		})
	}
}

// fakeWorker is a LABELLED FAKE of the worker's four read endpoints, in the shapes the worker
// answers (worker/src/routes/usage.ts, with overLimit per result as contract/src/reads.ts has it
// since issue 13): it records each request's path and query, and refuses a page over 1,000
// (10,000 with minEvents) as the worker does. The integration tests run the same client against
// the real worker; this one pins the exact requests and the paging. beforeLimits answers as a
// worker from before rate limits did: no overLimit anywhere.
type fakeWorker struct {
	requests     []string
	users        []usage.UserUsage
	beforeLimits bool
}

func (f *fakeWorker) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer ul_admin_k" {
			w.WriteHeader(401)
			return
		}
		f.requests = append(f.requests, r.URL.Path+"?"+r.URL.RawQuery)
		q := r.URL.Query()
		answer := map[string]any{"window": map[string]string{"from": "1970-01-01T00:00:00.000Z", "to": "1970-01-01T01:00:00.000Z"}, "dataset": "usage_analytics"}
		switch r.URL.Path {
		case "/api/admin/usage/totals":
			answer["totals"] = map[string]any{"events": 49, "errors": 4, "overLimit": 6, "activeUsers": 3, "byEvent": map[string]int{"sync": 49}}
			answer["reads"] = map[string]any{"day": "1970-01-01", "count": 17}
		case "/api/admin/usage/orgs":
			answer["orgs"] = []map[string]any{{"id": "org_a", "name": "Acme", "total": 10, "errors": 1, "users": 2}, {"id": "", "name": nil, "total": 5, "errors": 0, "users": 1}}
		case "/api/admin/usage/users":
			limit, _ := strconv.Atoi(q.Get("limit"))
			offset, _ := strconv.Atoi(q.Get("offset"))
			maxLimit := contract.ReadLimits.MaxPageSize
			if q.Get("minEvents") != "" || q.Get("minOverLimit") != "" {
				maxLimit = contract.ReadLimits.MaxThresholdPageSize
			}
			if limit < 1 || limit > maxLimit {
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"error":"limit: over the page size","field":"limit"}`))
				return
			}
			end := min(offset+limit, len(f.users))
			page := f.users[min(offset, end):end]
			var next any
			if end < len(f.users) {
				next = end
			}
			answer["users"] = page
			answer["page"] = map[string]any{"sort": q.Get("sort"), "order": q.Get("order"), "limit": limit, "offset": offset, "nextOffset": next}
		case "/api/admin/usage/series":
			answer["interval"] = q.Get("interval")
			answer["buckets"] = []map[string]any{{"time": "2026-11-28T08:00:00.000Z", "event": "sync", "status": 101, "split": "u_1", "total": 10, "overLimit": 2}}
		default:
			t.Errorf("the client asked for %s, which the spec does not name", r.URL.Path)
			w.WriteHeader(404)
			return
		}
		raw, _ := json.Marshal(answer)
		if f.beforeLimits {
			raw = regexp.MustCompile(`,?"overLimit":[0-9.]+`).ReplaceAll(raw, nil)
		}
		_, _ = w.Write(raw)
	}
}

func TestWorkerReadsAskTheSpecsEndpoints(t *testing.T) {
	fw := &fakeWorker{}
	w := &Worker{BaseURL: fake(t, fw.handler(t)), APIKey: "ul_admin_k", HTTP: http.DefaultClient}
	ctx := context.Background()
	f := usage.Filter{From: time.UnixMilli(1_795_780_800_123), To: time.UnixMilli(1_795_867_200_999), Users: []string{"a,b", "o'brien"}, Orgs: []string{"org_a"}, Events: []string{"sync", "auth"}}
	// The filter in every request: epoch milliseconds, ids repeated (they may hold commas).
	ask := func(path string, extra ...string) string {
		q := url.Values{"from": {"1795780800123"}, "to": {"1795867200999"}, "user": {"a,b", "o'brien"}, "org": {"org_a"}, "event": {"sync,auth"}}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return path + "?" + q.Encode()
	}

	totals, err := w.Totals(ctx, f)
	if err != nil || totals.Events != 49 || totals.Errors != 4 || totals.OverLimit != 6 || totals.ActiveUsers != 3 || totals.ReadsToday != 17 || totals.Dataset != "usage_analytics" {
		t.Fatalf("totals %+v %v", totals, err)
	}
	orgs, err := w.Orgs(ctx, f, 1000)
	if err != nil || len(orgs) != 2 || orgs[0].Label() != "Acme" || orgs[1].ID != "" || orgs[1].Name != nil {
		t.Fatalf("orgs %+v %v", orgs, err)
	}
	fw.users = []usage.UserUsage{{ID: "u_1", Name: ptr("Ada"), Total: 12, OverLimit: 3, Events: map[string]float64{"sync": 12}}}
	users, err := w.Users(ctx, f, usage.UsersPage{Sort: "total", Order: "desc", Limit: 100, MinEvents: 20})
	if err != nil || len(users) != 1 || users[0].Label() != "Ada" || users[0].Events["sync"] != 12 || users[0].OverLimit != 3 {
		t.Fatalf("users %+v %v", users, err)
	}
	// The alert rules' read: minOverLimit beside minEvents (HAVING … OR …).
	if _, err := w.Users(ctx, f, usage.UsersPage{Sort: "total", Order: "desc", Limit: 10_000, MinEvents: 20, MinOverLimit: 1}); err != nil {
		t.Fatal(err)
	}
	series, err := w.Series(ctx, f, usage.SeriesParams{Interval: 10 * time.Minute, By: usage.SplitUser, Top: []string{"u_1", "u 2"}})
	if err != nil || len(series.Buckets) != 1 || series.Buckets[0].Split != "u_1" || series.Buckets[0].OverLimit != 2 || !series.Buckets[0].Time.Equal(time.Unix(1_795_852_800, 0)) || !series.End.Equal(time.Unix(1_795_867_201, 0)) {
		t.Fatalf("series %+v %v", series, err)
	}
	if _, err := w.Series(ctx, f, usage.SeriesParams{Interval: time.Hour, By: usage.SplitOrg}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		ask("/api/admin/usage/totals"),
		ask("/api/admin/usage/orgs", "limit", "1000"),
		ask("/api/admin/usage/users", "sort", "total", "order", "desc", "limit", "100", "minEvents", "20"),
		ask("/api/admin/usage/users", "sort", "total", "order", "desc", "limit", "10000", "minEvents", "20", "minOverLimit", "1"),
		ask("/api/admin/usage/series", "interval", "600", "split", "user", "top", "u_1", "top", "u 2"),
		// Without top ids there is nothing to split: split and top are left out.
		ask("/api/admin/usage/series", "interval", "3600"),
	}
	if fmt.Sprint(fw.requests) != fmt.Sprint(want) {
		t.Fatalf("requests\n got %v\nwant %v", strings.Join(fw.requests, "\n     "), strings.Join(want, "\n     "))
	}
}

// A worker from before rate limits answers without overLimit: that is said, not read as zero calls
// over the limit. An empty page or series has nothing to say it with, and is just empty.
func TestAWorkerWithoutOverLimitCountsIsNamed(t *testing.T) {
	fw := &fakeWorker{beforeLimits: true, users: []usage.UserUsage{{ID: "u_1", Total: 12}}}
	w := &Worker{BaseURL: fake(t, fw.handler(t)), APIKey: "ul_admin_k", HTTP: http.DefaultClient}
	ctx := context.Background()
	_, errTotals := w.Totals(ctx, window)
	_, errUsers := w.Users(ctx, window, usage.Ranked(0))
	_, errSeries := w.Series(ctx, window, usage.SeriesParams{Interval: time.Hour, By: usage.SplitUser})
	for path, err := range map[string]error{"totals": errTotals, "users": errUsers, "series": errSeries} {
		if e, ok := AsError(err); !ok || e.Kind != Malformed || !strings.Contains(e.Message, "/api/admin/usage/"+path+" without overLimit: it predates rate limits") {
			t.Errorf("%s: %v", path, err)
		}
	}
	fw.users = []usage.UserUsage{}
	if users, err := w.Users(ctx, window, usage.Ranked(0)); err != nil || len(users) != 0 {
		t.Fatalf("an empty page: %v %v", users, err)
	}
}

func TestWorkerAsksForAPageLargerThanItsPageSizeInPages(t *testing.T) {
	fw := &fakeWorker{}
	for i := 0; i < 2500; i++ {
		fw.users = append(fw.users, usage.UserUsage{ID: fmt.Sprintf("u_%04d", i), Total: float64(3000 - i)})
	}
	w := &Worker{BaseURL: fake(t, fw.handler(t)), APIKey: "ul_admin_k", HTTP: http.DefaultClient}
	// An alert rule's read (bounded by minEvents) fits one page of up to 10,000: one read a tick.
	users, err := w.Users(context.Background(), window, usage.UsersPage{Sort: "total", Order: "desc", Limit: 10_000, MinEvents: 20})
	if err != nil || len(users) != 2500 || users[0].ID != "u_0000" || users[2499].ID != "u_2499" {
		t.Fatalf("got %d users, %v", len(users), err)
	}
	if len(fw.requests) != 1 || !strings.Contains(fw.requests[0], "limit=10000&minEvents=20") {
		t.Fatalf("want one page of up to 10,000: %v", fw.requests)
	}
	fw.requests = nil
	// So does a read bounded by minOverLimit alone.
	if users, err := w.Users(context.Background(), window, usage.UsersPage{Sort: "total", Order: "desc", Limit: 10_000, MinOverLimit: 1}); err != nil || len(users) != 2500 {
		t.Fatalf("got %d users, %v", len(users), err)
	}
	if len(fw.requests) != 1 || !strings.Contains(fw.requests[0], "limit=10000&minOverLimit=1") {
		t.Fatalf("want one page of up to 10,000: %v", fw.requests)
	}
	fw.requests = nil
	// Without a bound pages hold 1,000.
	if users, err := w.Users(context.Background(), window, usage.UsersPage{Sort: "total", Order: "desc", Limit: 2500}); err != nil || len(users) != 2500 {
		t.Fatalf("got %d users, %v", len(users), err)
	}
	if len(fw.requests) != 3 || !strings.Contains(fw.requests[1], "offset=1000") || !strings.Contains(fw.requests[2], "limit=500&offset=2000") {
		t.Fatalf("want pages of 1,000 from offsets 0, 1000, 2000: %v", fw.requests)
	}
	fw.requests = nil
	if users, err := w.Users(context.Background(), window, usage.UsersPage{Sort: "id", Order: "asc", Limit: 1200, Offset: 100}); err != nil || len(users) != 1200 || users[0].ID != "u_0100" {
		t.Fatalf("a page from an offset: %d users, %v", len(users), err)
	}
	if len(fw.requests) != 2 || !strings.Contains(fw.requests[1], "limit=200&offset=1100") {
		t.Fatalf("the second page asks only for what is left: %v", fw.requests)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSQLAPICountsItsReadsPerUTCDay(t *testing.T) {
	now := time.Date(2026, 11, 28, 23, 59, 0, 0, time.UTC)
	url := fake(t, status(200, `{"meta":[],"data":[],"rows":0}`))
	api := &SQLAPI{BaseURL: url, AccountID: "acc", Token: "t", HTTP: http.DefaultClient, Now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		if _, err := api.Query(context.Background(), "SELECT 1 FORMAT JSON"); err != nil {
			t.Fatal(err)
		}
	}
	failing := &SQLAPI{BaseURL: fake(t, status(422, "Input was invalid: JOINs are not supported")), HTTP: http.DefaultClient, Now: api.Now}
	_, _ = failing.Query(context.Background(), "SELECT 1")
	if api.ReadsToday() != 3 || failing.ReadsToday() != 1 {
		t.Fatalf("reads today %d and %d, want 3 and 1 (a refused query is sent, so billed)", api.ReadsToday(), failing.ReadsToday())
	}
	now = now.Add(2 * time.Minute)
	if api.ReadsToday() != 0 {
		t.Fatalf("a new UTC day starts at 0, got %d", api.ReadsToday())
	}
	_, _ = api.Query(context.Background(), "SELECT 1 FORMAT JSON")
	if api.ReadsToday() != 1 {
		t.Fatalf("got %d", api.ReadsToday())
	}
}

func TestSQLReadsRefuseBeforeSending(t *testing.T) {
	api := &SQLAPI{BaseURL: fake(t, status(200, `{"meta":[],"data":[],"rows":0}`)), HTTP: http.DefaultClient}
	reads := &SQLReads{API: api, Dataset: "usage_analytics"}
	f := window
	f.Users = []string{"line\nbreak"}
	_, err := reads.Totals(context.Background(), f)
	if e, ok := AsError(err); !ok || e.Kind != Invalid || !strings.Contains(e.Message, "control character") {
		t.Fatalf("want the refusal in words, got %v", err)
	}
	if api.ReadsToday() != 0 {
		t.Fatal("a refused read is never sent")
	}
	wrong := &SQLReads{API: &SQLAPI{BaseURL: fake(t, status(200, `{"meta":[],"data":[{"n":"1"}],"rows":1}`)), HTTP: http.DefaultClient}, Dataset: "d"}
	if _, err := wrong.Users(context.Background(), window, usage.Ranked(0)); err == nil || !strings.Contains(err.Error(), "expected columns") {
		t.Fatalf("rows without the read's columns: %v", err)
	}
}

// GET /api/admin/limits as the limits spec gives it, against the labelled fake of the route.
func TestWorkerLimitsAsksTheRoute(t *testing.T) {
	fake := &workerfake.Limits{}
	w := &Worker{BaseURL: workerfake.Start(t, fake), APIKey: workerfake.Key, HTTP: http.DefaultClient}
	l, err := w.Limits(context.Background(), usage.LimitsParams{Period: "7d", Headroom: 2.5, Events: []string{"sync", "ingest"}})
	if err != nil {
		t.Fatal(err)
	}
	sync := l.Events[0]
	if len(l.Events) != 2 || sync.Event != "sync" || sync.Minute.P99 != 9 || sync.Day.Max != 300 || sync.Recommended.PerMinute != 18 || sync.Configured.PerMinute.High != 600 || l.Headroom != 2 {
		t.Fatalf("events %+v", l.Events)
	}
	if len(l.UsersOver) != 2 || l.UsersOver[0].Label() != "Ada Lovelace" || l.UsersOver[1].Label() != "svc_9" || l.UsersOver[1].CallsOverConfigured != 39 || l.UsersOver[0].Tier != "high" {
		t.Fatalf("users over %+v", l.UsersOver)
	}
	if _, err := w.Limits(context.Background(), usage.LimitsParams{Period: "30d"}); err != nil {
		t.Fatal(err)
	}
	// The worker's default headroom is used when the query gives none.
	if got := fake.Requests(); fmt.Sprint(got) != "[event=sync%2Cingest&headroom=2.5&period=7d period=30d]" {
		t.Fatalf("requests %v", got)
	}
	_, err = w.Limits(context.Background(), usage.LimitsParams{Period: "1y"})
	if e, ok := AsError(err); !ok || e.Kind != Invalid || !strings.Contains(e.Message, "the worker refused the query: period: must be one of 7d, 30d") {
		t.Fatalf("a refused period: %v", err)
	}
	fake.Answer = `{"window":{},"dataset":"d","headroom":2,"events":[]}`
	if _, err := w.Limits(context.Background(), usage.LimitsParams{Period: "7d"}); err == nil || !strings.Contains(err.Error(), "without usersOver") {
		t.Fatalf("an answer without usersOver: %v", err)
	}
	// A worker from before the route: its 404 says so.
	old := &Worker{BaseURL: fake2(t), APIKey: workerfake.Key, HTTP: http.DefaultClient}
	if _, err := old.Limits(context.Background(), usage.LimitsParams{Period: "7d"}); err == nil || !strings.Contains(err.Error(), "the worker has no /api/admin/limits (404)") {
		t.Fatalf("an older worker: %v", err)
	}
}

func fake2(t *testing.T) string { return fake(t, status(404, `{"error":"Not found"}`)) }
