package plugin

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usagelens/analytics/pkg/usage"
)

func TestCacheSharesOneFetchAcrossConcurrentPanels(t *testing.T) {
	c := newReportCache(10*time.Second, 5*time.Second)
	var fetches atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context, usage.Params) (*usage.Report, error) {
		fetches.Add(1)
		<-release
		return &usage.Report{Dataset: "d"}, nil
	}
	end := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Each panel resolves now-24h a few milliseconds apart.
			to := end.Add(time.Duration(i) * 3 * time.Millisecond)
			r, err := c.get(context.Background(), usage.Params{From: to.Add(-24 * time.Hour), To: to, Interval: 10 * time.Minute}, fetch)
			if err != nil || r.Dataset != "d" {
				t.Errorf("panel %d: %v", i, err)
			}
		}(i)
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("12 panels made %d upstream requests, want 1", n)
	}
}

func TestCacheSeparatesFiltersRangesAndExpires(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newReportCache(10*time.Second, 5*time.Second)
	c.now = func() time.Time { return now }
	var fetches int
	fetch := func(context.Context, usage.Params) (*usage.Report, error) { fetches++; return &usage.Report{}, nil }
	p := usage.Params{From: now.Add(-time.Hour), To: now, Interval: time.Minute}
	_, _ = c.get(context.Background(), p, fetch)
	_, _ = c.get(context.Background(), p, fetch)
	other := p
	other.Users = []string{"u"}
	_, _ = c.get(context.Background(), other, fetch)
	later := p
	later.From, later.To = p.From.Add(time.Minute), p.To.Add(time.Minute)
	_, _ = c.get(context.Background(), later, fetch)
	if fetches != 3 {
		t.Fatalf("got %d fetches, want 3 (same, other filters, other range)", fetches)
	}
	now = now.Add(11 * time.Second)
	_, _ = c.get(context.Background(), p, fetch)
	if fetches != 4 {
		t.Fatalf("an expired entry must be fetched again")
	}
}

func TestCacheDoesNotKeepFailures(t *testing.T) {
	c := newReportCache(10*time.Second, 5*time.Second)
	calls := 0
	fetch := func(context.Context, usage.Params) (*usage.Report, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("upstream down")
		}
		return &usage.Report{}, nil
	}
	p := usage.Params{From: time.Unix(0, 0), To: time.Unix(3600, 0), Interval: time.Minute}
	if _, err := c.get(context.Background(), p, fetch); err == nil {
		t.Fatal("the first fetch fails")
	}
	if _, err := c.get(context.Background(), p, fetch); err != nil || calls != 2 {
		t.Fatalf("a failure is not cached: %v after %d calls", err, calls)
	}
}

func TestCacheLetsGoOfExpiredAnswersOfEveryKey(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newReportCache(10*time.Second, 5*time.Second)
	c.now = func() time.Time { return now }
	fetch := func(context.Context, usage.Params) (*usage.Report, error) { return &usage.Report{}, nil }
	for i := 0; i < 5; i++ {
		p := usage.Params{From: now.Add(-time.Duration(i+1) * time.Hour), To: now, Interval: time.Minute}
		_, _ = c.get(context.Background(), p, fetch)
	}
	if len(c.entries) != 5 {
		t.Fatalf("five spans, five keys: %d", len(c.entries))
	}
	now = now.Add(11 * time.Second)
	_, _ = c.get(context.Background(), usage.Params{From: now.Add(-time.Minute), To: now, Interval: time.Minute}, fetch)
	if len(c.entries) != 1 {
		t.Fatalf("expired answers of other keys are kept: %d keys", len(c.entries))
	}
}
