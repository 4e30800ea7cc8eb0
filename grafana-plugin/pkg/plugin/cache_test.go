package plugin

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/usagelens/analytics/pkg/usage"
)

// clock is a virtual clock: tests move it, nothing sleeps.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)} }

func TestTTLIsHalfABucketWithinBounds(t *testing.T) {
	for span, want := range map[time.Duration]time.Duration{
		time.Hour:           30 * time.Second,  // 1-minute buckets
		5 * time.Hour:       150 * time.Second, // 5-minute buckets
		24 * time.Hour:      5 * time.Minute,   // 10-minute buckets
		7 * 24 * time.Hour:  maxTTL,            // hourly buckets
		30 * 24 * time.Hour: maxTTL,            // 6-hour buckets
	} {
		if got := TTL(span); got != want {
			t.Errorf("TTL(%v) = %v, want %v", span, got, want)
		}
	}
}

func TestCacheSharesOneReadAcrossConcurrentRequests(t *testing.T) {
	c := newReadCache(newClock().Now)
	started, release := make(chan struct{}), make(chan struct{})
	fetches := 0
	fetch := func(context.Context) (any, error) {
		fetches++
		close(started)
		<-release
		return "answer", nil
	}
	var wg sync.WaitGroup
	ask := func(i int) {
		defer wg.Done()
		if v, err := c.get(context.Background(), "k", 5*time.Minute, fetch); err != nil || v != "answer" {
			t.Errorf("request %d: %v %v", i, v, err)
		}
	}
	wg.Add(1)
	go ask(0)
	// Once the first read is under way its entry is in the cache: every later request finds it.
	<-started
	for i := 1; i < 12; i++ {
		wg.Add(1)
		go ask(i)
	}
	close(release)
	wg.Wait()
	if fetches != 1 {
		t.Fatalf("12 requests made %d reads, want 1", fetches)
	}
}

func TestCacheDoesNotKeepFailures(t *testing.T) {
	c := newReadCache(newClock().Now)
	calls := 0
	fetch := func(context.Context) (any, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("upstream down")
		}
		return "ok", nil
	}
	if _, err := c.get(context.Background(), "k", time.Minute, fetch); err == nil {
		t.Fatal("the first read fails")
	}
	if v, err := c.get(context.Background(), "k", time.Minute, fetch); err != nil || v != "ok" || calls != 2 {
		t.Fatalf("a failure is not kept: %v %v after %d calls", v, err, calls)
	}
}

func TestCacheLetsGoOfExpiredReadsOfEveryKey(t *testing.T) {
	clk := newClock()
	c := newReadCache(clk.Now)
	fetch := func(context.Context) (any, error) { return "x", nil }
	for _, key := range []string{"a", "b", "c", "d", "e"} {
		_, _ = c.get(context.Background(), key, 10*time.Second, fetch)
		c.window(key, usage.Filter{To: clk.Now()}, 10*time.Second)
	}
	if len(c.entries) != 5 || len(c.windows) != 5 {
		t.Fatalf("five keys: %d reads, %d windows", len(c.entries), len(c.windows))
	}
	clk.Add(11 * time.Second)
	_, _ = c.get(context.Background(), "f", 10*time.Second, fetch)
	if len(c.entries) != 1 || len(c.windows) != 0 {
		t.Fatalf("expired reads and windows of other keys are kept: %d reads, %d windows", len(c.entries), len(c.windows))
	}
}

// countingReads counts upstream reads by kind; it answers nothing useful (the cache tests look at
// keys, not values).
type countingReads struct {
	mu    sync.Mutex
	reads map[string]int
}

func (r *countingReads) count(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reads == nil {
		r.reads = map[string]int{}
	}
	r.reads[kind]++
}

func (r *countingReads) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.reads {
		n += c
	}
	return n
}

func (r *countingReads) Totals(context.Context, usage.Filter) (*usage.Totals, error) {
	r.count("totals")
	return &usage.Totals{}, nil
}

func (r *countingReads) Orgs(context.Context, usage.Filter, int) ([]usage.OrgUsage, error) {
	r.count("orgs")
	return nil, nil
}

func (r *countingReads) Users(context.Context, usage.Filter, usage.UsersPage) ([]usage.UserUsage, error) {
	r.count("users")
	return nil, nil
}

func (r *countingReads) Series(_ context.Context, f usage.Filter, p usage.SeriesParams) (*usage.Series, error) {
	r.count("series")
	return usage.NewSeries(f, p, nil), nil
}

func TestCachedReaderKeysReadsByWhatTheyRead(t *testing.T) {
	clk := newClock()
	upstream := &countingReads{}
	dash := &cachedReader{cache: newReadCache(clk.Now), upstream: upstream}
	ctx := context.Background()
	now := clk.Now()
	day := usage.Filter{From: now.Add(-24 * time.Hour), To: now}
	_, _ = dash.Totals(ctx, day)
	same := day
	same.From, same.To = day.From.Add(7*time.Millisecond), day.To.Add(7*time.Millisecond)
	same.Events = []string{"ingest", "chat", "auth", "sync_auth", "sync"}
	_, _ = dash.Totals(ctx, same)
	if upstream.total() != 1 {
		t.Fatalf("the same span a moment later, with all five events named, is the same read: %v", upstream.reads)
	}
	for name, f := range map[string]usage.Filter{
		"users":  {From: day.From, To: day.To, Users: []string{"u"}},
		"orgs":   {From: day.From, To: day.To, Orgs: []string{"o"}},
		"events": {From: day.From, To: day.To, Events: []string{"sync"}},
		"span":   {From: day.From.Add(time.Hour), To: day.To},
	} {
		before := upstream.total()
		_, _ = dash.Totals(ctx, f)
		if upstream.total() != before+1 {
			t.Errorf("another %s is another read", name)
		}
	}
	before := upstream.total()
	_, _ = dash.Users(ctx, day, usage.Ranked(0))
	_, _ = dash.Users(ctx, day, usage.Ranked(10))
	_, _ = dash.Users(ctx, day, usage.UsersPage{Sort: "total", Order: "desc", Limit: 100, MinEvents: 20})
	_, _ = dash.Series(ctx, day, usage.SeriesParams{Interval: 10 * time.Minute, By: usage.SplitUser, Top: []string{"b", "a"}})
	_, _ = dash.Series(ctx, day, usage.SeriesParams{Interval: 10 * time.Minute, By: usage.SplitUser, Top: []string{"a", "b"}})
	_, _ = dash.Series(ctx, day, usage.SeriesParams{Interval: 10 * time.Minute, By: usage.SplitUser, Top: []string{"a"}})
	if got := upstream.total() - before; got != 4 {
		t.Fatalf("ranked pages of 100 are one read, HAVING another; the same top ids in any order one series, others another: %d reads, want 4", got)
	}
}

// A dashboard on a 1-minute refresh over 24 h: its panels resolve "now" milliseconds apart and
// read one window; the refreshes of the next five minutes are answered from the same reads, and
// the one after reads again.
func TestDashboardReadsShareAWindowForTheTTL(t *testing.T) {
	clk := newClock()
	upstream := &recordingReads{}
	dash := &cachedReader{cache: newReadCache(clk.Now), upstream: upstream}
	ctx := context.Background()
	ask := func(skew time.Duration) *usage.Series {
		end := clk.Now().Add(skew)
		s, err := dash.Series(ctx, usage.Filter{From: end.Add(-24 * time.Hour), To: end}, usage.SeriesParams{Interval: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := ask(0)
	for i := 1; i < 9; i++ {
		if s := ask(time.Duration(i) * 7 * time.Millisecond); s != first {
			t.Fatalf("panel %d of the refresh read again", i)
		}
	}
	_, _ = dash.Totals(ctx, usage.Filter{From: clk.Now().Add(9*time.Millisecond - 24*time.Hour), To: clk.Now().Add(9 * time.Millisecond)})
	if w := upstream.windows[len(upstream.windows)-1]; !w.To.Equal(clk.Now()) {
		t.Fatalf("another read of the refresh is made over the refresh's window, ending %v, not %v", clk.Now(), w.To)
	}
	for minute := 1; minute <= 5; minute++ {
		clk.Add(time.Minute)
		// The panels' "now" lands a little after the window's TTL at the fifth minute: the whole
		// refresh is still read over the window, not split between it and a new one.
		for panel := 0; panel < 9; panel++ {
			if ask(time.Duration(panel)*3*time.Millisecond) != first {
				t.Fatalf("panel %d of the refresh %d minute(s) later read again", panel, minute)
			}
		}
	}
	clk.Add(time.Minute)
	if s := ask(0); s == first || !s.End.Equal(clk.Now()) {
		t.Fatalf("six minutes on, past the TTL, the window moves to now")
	}
	if len(upstream.windows) != 3 {
		t.Fatalf("reads: %d, want series, totals, series", len(upstream.windows))
	}
	// An absolute range ending far from the shared window's end is read over its own window.
	old := clk.Now().Add(-time.Hour)
	if s, _ := dash.Series(ctx, usage.Filter{From: old.Add(-24 * time.Hour), To: old}, usage.SeriesParams{Interval: 10 * time.Minute}); !s.End.Equal(old) {
		t.Fatalf("a range an hour back read %v", s.End)
	}
}

// recordingReads records the windows it is asked to read.
type recordingReads struct {
	countingReads
	windows []usage.Filter
}

func (r *recordingReads) Totals(ctx context.Context, f usage.Filter) (*usage.Totals, error) {
	r.windows = append(r.windows, f)
	return r.countingReads.Totals(ctx, f)
}

func (r *recordingReads) Series(ctx context.Context, f usage.Filter, p usage.SeriesParams) (*usage.Series, error) {
	r.windows = append(r.windows, f)
	return r.countingReads.Series(ctx, f, p)
}

// Alert rules must never be answered from a dashboard's read (issue 9 item 7), but the rules of
// one evaluation tick ask the same window and share one read (issue 15 item 4).
func TestAlertReadsAreTheirOwnAndSharedWithinATick(t *testing.T) {
	clk := newClock()
	upstream := &countingReads{}
	cache := newReadCache(clk.Now)
	dash := &cachedReader{cache: cache, upstream: upstream}
	alert := &cachedReader{cache: cache, upstream: upstream, alert: true}
	ctx := context.Background()
	tick := clk.Now()
	day := usage.Filter{From: tick.Add(-24 * time.Hour), To: tick}
	_, _ = dash.Totals(ctx, day)
	_, _ = alert.Totals(ctx, day)
	if upstream.total() != 2 {
		t.Fatalf("an alert read a dashboard's answer: %v", upstream.reads)
	}
	_, _ = alert.Totals(ctx, day)
	if upstream.total() != 2 {
		t.Fatal("a second rule of the same tick reads again")
	}
	clk.Add(time.Minute)
	next := usage.Filter{From: day.From.Add(time.Minute), To: day.To.Add(time.Minute)}
	_, _ = alert.Totals(ctx, next)
	if upstream.total() != 3 {
		t.Fatal("the next tick's window is a new read, though the dashboard's TTL would have covered it")
	}
	_, _ = dash.Totals(ctx, next)
	if upstream.total() != 3 {
		t.Fatal("the dashboard still answers from its own read")
	}
}

func TestFromAlertReadsGrafanasAlertingHeaders(t *testing.T) {
	for headers, want := range map[*map[string]string]bool{
		{"FromAlert": "true", "X-Cache-Skip": "true", "X-Grafana-Org-Id": "1", "http_X-Rule-Uid": "abc"}: true,
		{"FromAlert": "true"}:    true,
		{"X-Cache-Skip": "true"}: true,
		{"http_X-Dashboard-Uid": "usage-lens-overview", "http_X-Panel-Id": "3"}: false,
		{}: false,
	} {
		if got := fromAlert(*headers); got != want {
			t.Errorf("fromAlert(%v) = %v, want %v", *headers, got, want)
		}
	}
}
