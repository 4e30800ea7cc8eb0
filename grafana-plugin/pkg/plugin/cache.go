package plugin

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

// Every read is billed, and a dashboard refresh asks the same few reads from many panels that
// resolve "now-24h" a few milliseconds apart; alert rules ask every minute. The cache makes each
// read once for all of them (single-flight) and keeps it for a while (TTL):
//
//   - Dashboard requests are read over a shared window: the first request for a span and filters
//     fixes the window, and every request for them whose end lies within the TTL of that window's
//     end (give or take the panels' skew), while the window is younger than the TTL, is read over it. So the panels of a refresh
//     (and of the refreshes within the TTL) read the same seconds — the Total panel and the graphs
//     agree — and share each read: a panel on a 1-minute refresh over 24 h re-reads every five
//     minutes, not every minute. TTL = clamp(bucket interval / 2, 10 s, 5 min): never more than
//     half a bucket of the graph is missing.
//   - Alert requests never get a dashboard read (an alert must judge its own window, issue 9 item
//     7): they are read over their exact window, which the rules evaluated at one tick share, so
//     they share one read.
const (
	minTTL = 10 * time.Second
	maxTTL = 5 * time.Minute
	// panelSkew is how far apart the panels of one refresh may resolve "now": a window answers
	// ends up to its TTL plus this past its own, so the refresh that comes just as the window ends
	// is read over it in full, not half over it and half over the next.
	panelSkew = 10 * time.Second
)

// cacheSkipHeader is what Grafana's alerting sets, beside backend.FromAlertHeaderName ("FromAlert"),
// on every QueryData request of a rule evaluation: buildDatasourceHeaders in
// pkg/services/ngalert/eval/eval.go sets headers[models.FromAlertHeaderName] = "true" and
// headers[models.CacheSkipHeaderName] = "true" (/tmp/notes/grafana.md §7). Dashboard requests carry
// neither; their forwarded HTTP headers arrive prefixed "http_".
const cacheSkipHeader = "X-Cache-Skip"

// fromAlert says whether a request comes from alert rule evaluation.
func fromAlert(headers map[string]string) bool {
	return headers[backend.FromAlertHeaderName] == "true" || headers[cacheSkipHeader] == "true"
}

// TTL is how long a read of a window of this span serves later requests.
func TTL(span time.Duration) time.Duration {
	return min(max(usage.IntervalFor(span)/2, minTTL), maxTTL)
}

type readCache struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
	windows map[string]*window
}

type cacheEntry struct {
	created time.Time
	ttl     time.Duration
	done    chan struct{}
	value   any
	err     error
}

// window is the window a dashboard's span and filters are read over, fixed by its first request.
type window struct {
	from, to time.Time
	created  time.Time
	ttl      time.Duration
}

func newReadCache(now func() time.Time) *readCache {
	return &readCache{now: now, entries: map[string]*cacheEntry{}, windows: map[string]*window{}}
}

// window is the window f is read over in the dashboard namespace: the live window of the same span
// and filters (key) whose end is within ttl (and panelSkew) of f's, else f's own, which later
// requests then share.
func (c *readCache) window(key string, f usage.Filter, ttl time.Duration) usage.Filter {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweep(now)
	if w := c.windows[key]; w != nil {
		if d := w.to.Sub(f.To); d <= ttl+panelSkew && -d <= ttl+panelSkew {
			f.From, f.To = w.from, w.to
			return f
		}
	}
	c.windows[key] = &window{from: f.From, to: f.To, created: now, ttl: ttl}
	return f
}

// get returns the value of key, made by fetch at most once while it is younger than ttl.
func (c *readCache) get(ctx context.Context, key string, ttl time.Duration, fetch func(context.Context) (any, error)) (any, error) {
	now := c.now()
	c.mu.Lock()
	c.sweep(now)
	found := c.entries[key]
	if found == nil {
		found = &cacheEntry{created: now, ttl: ttl, done: make(chan struct{})}
		c.entries[key] = found
		c.mu.Unlock()
		// The read outlives any one panel's cancellation: other panels may be waiting on it.
		found.value, found.err = fetch(context.WithoutCancel(ctx))
		if found.err != nil {
			c.forget(key, found)
		}
		close(found.done)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-found.done:
		return found.value, found.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sweep drops every expired read and window, so those nobody asks for again do not stay in memory
// for the life of the plugin process. Callers hold c.mu.
func (c *readCache) sweep(now time.Time) {
	for key, e := range c.entries {
		if now.Sub(e.created) > e.ttl {
			delete(c.entries, key)
		}
	}
	for key, w := range c.windows {
		if now.Sub(w.created) > w.ttl {
			delete(c.windows, key)
		}
	}
}

// forget drops a failed read so the next request tries again.
func (c *readCache) forget(key string, entry *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key] == entry {
		delete(c.entries, key)
	}
}

// cachedReader is a Reader whose reads go through the cache, in the dashboard or alert namespace.
type cachedReader struct {
	cache    *readCache
	upstream usage.Reader
	alert    bool
}

var _ usage.Reader = (*cachedReader)(nil)

func sortedSet(values []string) []string {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return slices.Compact(sorted)
}

// filterKey names f's filters in a canonical order (no event filter and all five events are the
// same read) and its window: exact for alerts; for dashboards the span alone, whose window the
// cache fixes.
func (r *cachedReader) filterKey(f usage.Filter) string {
	events := sortedSet(f.Events)
	if slices.Equal(events, sortedSet(contract.Events)) {
		events = nil
	}
	window := fmt.Sprintf("dashboard span %d", f.Span().Milliseconds())
	if r.alert {
		window = fmt.Sprintf("alert %d-%d", f.From.UnixMilli(), f.To.UnixMilli())
	}
	return fmt.Sprintf("%s|users %q|orgs %q|events %q", window, sortedSet(f.Users), sortedSet(f.Orgs), events)
}

// cached makes a read through the cache: over the dashboard's shared window, or the alert's own.
func cached[T any](ctx context.Context, r *cachedReader, kind string, f usage.Filter, params string, read func(context.Context, usage.Filter) (T, error)) (T, error) {
	ttl := TTL(f.Span())
	filters := r.filterKey(f)
	if !r.alert {
		f = r.cache.window(filters, f, ttl)
	}
	key := fmt.Sprintf("%s %s|%s|%d", kind, params, filters, f.To.UnixNano())
	v, err := r.cache.get(ctx, key, ttl, func(ctx context.Context) (any, error) { return read(ctx, f) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

func (r *cachedReader) Totals(ctx context.Context, f usage.Filter) (*usage.Totals, error) {
	return cached(ctx, r, "totals", f, "", r.upstream.Totals)
}

func (r *cachedReader) Orgs(ctx context.Context, f usage.Filter, limit int) ([]usage.OrgUsage, error) {
	return cached(ctx, r, "orgs", f, fmt.Sprint(limit), func(ctx context.Context, f usage.Filter) ([]usage.OrgUsage, error) {
		return r.upstream.Orgs(ctx, f, limit)
	})
}

func (r *cachedReader) Users(ctx context.Context, f usage.Filter, page usage.UsersPage) ([]usage.UserUsage, error) {
	return cached(ctx, r, "users", f, fmt.Sprintf("%+v", page), func(ctx context.Context, f usage.Filter) ([]usage.UserUsage, error) {
		return r.upstream.Users(ctx, f, page)
	})
}

func (r *cachedReader) Series(ctx context.Context, f usage.Filter, p usage.SeriesParams) (*usage.Series, error) {
	params := fmt.Sprintf("%v %s %q", p.Interval, p.By, sortedSet(p.Top))
	return cached(ctx, r, "series", f, params, func(ctx context.Context, f usage.Filter) (*usage.Series, error) {
		return r.upstream.Series(ctx, f, p)
	})
}

var _ usage.LimitsReader = (*cachedReader)(nil)

// Limits are the worker's recommendations, shared by the panels that show them (a dashboard's two
// tables ask the same query). The worker reads them over a period ending at its own now, so the
// key is the period, headroom and events, kept maxTTL (recommendations over days move slowly).
// An alert rule never gets a dashboard's answer: it asks the worker itself.
func (r *cachedReader) Limits(ctx context.Context, p usage.LimitsParams) (*usage.Limits, error) {
	lr, ok := r.upstream.(usage.LimitsReader)
	if !ok {
		return nil, errNoLimits
	}
	if r.alert {
		return lr.Limits(ctx, p)
	}
	key := fmt.Sprintf("limits %s headroom %g events %q", p.Period, p.Headroom, sortedSet(p.Events))
	v, err := r.cache.get(ctx, key, maxTTL, func(ctx context.Context) (any, error) { return lr.Limits(ctx, p) })
	if err != nil {
		return nil, err
	}
	return v.(*usage.Limits), nil
}
