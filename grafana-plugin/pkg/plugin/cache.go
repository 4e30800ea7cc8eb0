package plugin

import (
	"context"
	"sync"
	"time"

	"github.com/usagelens/analytics/pkg/usage"
)

// reportCache answers the panels of one dashboard refresh from one upstream request. Panels ask
// concurrently with the same filters and a range like now-24h that each resolves a few
// milliseconds apart, so an entry matches a request with the same span, interval and filters
// whose end lies within `tolerance` of its own; concurrent requests wait for the one in flight.
type reportCache struct {
	ttl       time.Duration
	tolerance time.Duration
	now       func() time.Time

	mu      sync.Mutex
	entries map[string][]*cacheEntry
}

type cacheEntry struct {
	to      time.Time
	created time.Time
	done    chan struct{}
	report  *usage.Report
	err     error
}

func newReportCache(ttl, tolerance time.Duration) *reportCache {
	return &reportCache{ttl: ttl, tolerance: tolerance, now: time.Now, entries: map[string][]*cacheEntry{}}
}

// get returns the report for p, fetching it at most once for all matching requests.
func (c *reportCache) get(ctx context.Context, p usage.Params, fetch func(context.Context, usage.Params) (*usage.Report, error)) (*usage.Report, error) {
	key := p.Key()
	now := c.now()
	c.mu.Lock()
	c.sweep(now)
	var found *cacheEntry
	for _, e := range c.entries[key] {
		if absDuration(e.to.Sub(p.To)) <= c.tolerance {
			found = e
			break
		}
	}
	if found == nil {
		found = &cacheEntry{to: p.To, created: now, done: make(chan struct{})}
		c.entries[key] = append(c.entries[key], found)
		c.mu.Unlock()
		// The fetch outlives any one panel's cancellation: other panels may be waiting on it.
		found.report, found.err = fetch(context.WithoutCancel(ctx), p)
		if found.err != nil {
			c.forget(key, found)
		}
		close(found.done)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-found.done:
		return found.report, found.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sweep drops every expired entry, of any key, so answers to ranges and filters nobody asks for
// again do not stay in memory for the life of the plugin process. Callers hold c.mu.
func (c *reportCache) sweep(now time.Time) {
	for key, entries := range c.entries {
		live := entries[:0]
		for _, e := range entries {
			if now.Sub(e.created) <= c.ttl {
				live = append(live, e)
			}
		}
		if len(live) == 0 {
			delete(c.entries, key)
		} else {
			c.entries[key] = live
		}
	}
}

// forget drops a failed entry so the next refresh tries again.
func (c *reportCache) forget(key string, entry *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.entries[key][:0]
	for _, e := range c.entries[key] {
		if e != entry {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		delete(c.entries, key)
	} else {
		c.entries[key] = kept
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
