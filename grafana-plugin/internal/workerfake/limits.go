// Package workerfake is a LABELLED FAKE of the worker's GET /api/admin/limits, answering the JSON
// the worker answers (limits spec, worker item 3, as built on branch limits-worker): the plugin's
// limits query is tested against it in process and through the built binary without a stack;
// the integration tests ask the real worker.
package workerfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// Key is the admin API key the fake accepts.
const Key = "ul_admin_fake"

// LimitsAnswer is a 7-day answer in the worker's shape (limits-worker af87e1b,
// worker/src/usage/recommend.ts LimitsReport; /tmp/notes/limits-worker-status.md) with two events
// and two users over a limit: Ada (named, high tier) over the recommended per-minute limit of
// sync, and an id the app does not know over the configured per-minute limit of ingest. (The
// worker answers every event asked for, zeros for those unused; two keep the fixture short.)
const LimitsAnswer = `{
  "window": { "from": "2026-11-21T00:00:00.000Z", "to": "2026-11-28T00:00:00.000Z", "period": "7d", "days": 7 },
  "dataset": "usage_analytics",
  "mode": "observe",
  "headroom": 2,
  "floors": { "perMinute": 10, "perDay": 100 },
  "events": [
    { "event": "sync", "class": "connect", "users": 40, "userDays": 180,
      "day": { "p50": 12, "p90": 60, "p99": 140, "max": 300 },
      "minute": { "p50": 1, "p90": 4, "p99": 9, "max": 31 },
      "recommended": { "perMinute": 18, "perDay": 280 },
      "configured": { "perMinute": { "standard": 60, "high": 600 } } },
    { "event": "ingest", "class": "ingest", "users": 5, "userDays": 9,
      "day": { "p50": 30, "p90": 200, "p99": 950, "max": 990 },
      "minute": { "p50": 3, "p90": 20, "p99": 70, "max": 75 },
      "recommended": { "perMinute": 140, "perDay": 1900 },
      "configured": { "perMinute": { "standard": 60, "high": 600 } } }
  ],
  "usersOver": [
    { "id": "usr_ada", "name": "Ada Lovelace", "email": "ada@example.com", "tier": "high", "event": "sync",
      "daysOverRecommended": 1, "callsOverRecommendedPerDay": 20, "minutesOverRecommended": 3, "callsOverRecommendedPerMinute": 13,
      "minutesOverConfigured": 0, "callsOverConfigured": 0 },
    { "id": "svc_9", "name": null, "email": null, "tier": "standard", "event": "ingest",
      "daysOverRecommended": 0, "callsOverRecommendedPerDay": 0, "minutesOverRecommended": 0, "callsOverRecommendedPerMinute": 0,
      "minutesOverConfigured": 4, "callsOverConfigured": 39 }
  ]
}`

// Limits serves LimitsAnswer at /api/admin/limits to Key, records each request's query, and
// answers 400 naming the field for a period or headroom the spec's worker refuses.
type Limits struct {
	mu       sync.Mutex
	requests []string
	// Answer replaces LimitsAnswer when set.
	Answer string
}

// Requests are the queries asked so far.
func (l *Limits) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...)
}

func (l *Limits) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+Key {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Path != "/api/admin/limits" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	l.mu.Lock()
	l.requests = append(l.requests, r.URL.RawQuery)
	l.mu.Unlock()
	q := r.URL.Query()
	bad := func(field, message string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": field + ": " + message, "field": field})
	}
	if p := q.Get("period"); p != "" && p != "7d" && p != "30d" {
		bad("period", "must be one of 7d, 30d")
		return
	}
	// contract RECOMMENDATION.minHeadroom and maxHeadroom.
	if h := q.Get("headroom"); h != "" {
		if v, err := strconv.ParseFloat(h, 64); err != nil || v < 1 || v > 10 {
			bad("headroom", "must be a number from 1 to 10")
			return
		}
	}
	answer := l.Answer
	if answer == "" {
		answer = LimitsAnswer
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(answer))
}

// Start serves l until the test ends, returning its URL.
func Start(t testing.TB, l *Limits) string {
	t.Helper()
	s := httptest.NewServer(l)
	t.Cleanup(s.Close)
	return s.URL
}
