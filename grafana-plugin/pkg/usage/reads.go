// Package usage is the read path's vocabulary: the four reads every usage answer is built from
// (totals, orgs, a ranked page of users, time buckets split by a few users or orgs), their SQL in
// Analytics Engine's documented dialect for sql mode, and the turning of AE's rows into results.
// The worker answers the same reads with the same results (contract/src/reads.ts), so both modes
// feed the converters the same values.
//
// Each read is one SQL query, which AE bills as one read query whatever it returns: answers stay
// small however many users there are, and the plugin's cache shares them between panels.
package usage

import (
	"context"
	"time"

	"github.com/usagelens/analytics/pkg/contract"
)

// Filter is what every read is restricted to: the window [From, To) and the users, orgs and events
// asked for (none: all).
type Filter struct {
	From, To time.Time
	Users    []string
	Orgs     []string
	Events   []string
}

// End is the exclusive end the reads use: AE stores whole seconds, so a range ending partway into
// a second reads that second too. Time series axes end here as well, so graphs and totals agree.
func (f Filter) End() time.Time {
	end := f.To.Truncate(time.Second)
	if end.Before(f.To) {
		end = end.Add(time.Second)
	}
	return end
}

// Span is the window's length.
func (f Filter) Span() time.Duration { return f.To.Sub(f.From) }

// Totals are counts over every user of the window.
type Totals struct {
	Events float64 `json:"events"`
	// Errors are calls with an HTTP status of contract.ErrorStatus or more.
	Errors float64 `json:"errors"`
	// OverLimit are calls over their rate limit, let through (observe) or refused (enforce):
	// points whose contract.ColumnOverLimit is 1.
	OverLimit   float64 `json:"overLimit"`
	ActiveUsers float64 `json:"activeUsers"`
	// Dataset the counts come from, for the health check's message.
	Dataset string `json:"-"`
	// ReadsToday is how many AE read queries were made so far today (UTC): the worker's own count
	// in worker mode, this data source's in sql mode.
	ReadsToday float64 `json:"-"`
}

// OrgUsage is one organisation's counts; ID "" gathers users in no organisation.
type OrgUsage struct {
	ID   string  `json:"id"`
	Name *string `json:"name"`
	// Total events, errors and active users of the organisation.
	Total  float64 `json:"total"`
	Errors float64 `json:"errors"`
	Users  float64 `json:"users"`
}

// Label is the organisation's name, else its id.
func (o OrgUsage) Label() string { return label(o.Name, o.ID) }

// label is what the app calls a user or an organisation: its name when it has one, else its id.
func label(name *string, id string) string {
	if name != nil && *name != "" {
		return *name
	}
	return id
}

// UserUsage is one user's counts. Name and Email come from the app's user table, which only the
// worker can see: they are nil in sql mode and for ids the app does not know.
type UserUsage struct {
	ID     string  `json:"id"`
	Name   *string `json:"name"`
	Email  *string `json:"email"`
	Total  float64 `json:"total"`
	Errors float64 `json:"errors"`
	// OverLimit are the user's calls over their rate limit.
	OverLimit float64            `json:"overLimit"`
	Events    map[string]float64 `json:"events"`
}

// Label is the user's name, else the id.
func (u UserUsage) Label() string { return label(u.Name, u.ID) }

// Sorts of the users read, as the worker's `sort` parameter names them; name and email need the
// app's user table, so only worker mode has them.
const (
	SortTotal  = "total"
	SortErrors = "errors"
	SortID     = "id"
)

// UsersPage says which users a users read returns: ordered by Sort (total, errors, an event, id)
// in Order (asc, desc), Limit of them from Offset. MinEvents and MinOverLimit bound it (SQL
// HAVING): with either set, only users with at least MinEvents events or at least MinOverLimit
// calls over their limit; a bound of 0 is not a bound.
type UsersPage struct {
	Sort         string
	Order        string
	Limit        int
	Offset       int
	MinEvents    int
	MinOverLimit int
}

// Bounded says whether HAVING keeps only some users: the alert rules' reads, which may return a
// larger page (contract.ReadLimits.MaxThresholdPageSize) in one read.
func (p UsersPage) Bounded() bool { return p.MinEvents > 0 || p.MinOverLimit > 0 }

// Ranked is the page that ranks the busiest users: the per-user table's read, and the one the
// time series choose their users from, so a dashboard asks it once.
func Ranked(topN int) UsersPage {
	limit := max(topN, contract.ReadLimits.RankedUsers)
	return UsersPage{Sort: SortTotal, Order: "desc", Limit: min(limit, contract.ReadLimits.MaxPageSize)}
}

// Series splits: by user (index1) or by organisation (blob2).
const (
	SplitUser = "user"
	SplitOrg  = "org"
)

// SeriesParams shape a series read: buckets of Interval, split by the Top users or orgs (By), the
// rest summed under "".
type SeriesParams struct {
	Interval time.Duration
	By       string
	Top      []string
}

// SeriesBucket is one cell of a series read.
type SeriesBucket struct {
	Time   time.Time `json:"time"`
	Event  string    `json:"event"`
	Status float64   `json:"status"`
	// Split is the user or org id when it is one of the Top ids, else "".
	Split string  `json:"split"`
	Total float64 `json:"total"`
	// OverLimit are the cell's calls over their rate limit.
	OverLimit float64 `json:"overLimit"`
}

// Series is a series read's answer with the window it was read for, which the axis is built on.
type Series struct {
	From, End time.Time
	Params    SeriesParams
	Buckets   []SeriesBucket
}

// NewSeries is f's series: the window the read covered and its cells.
func NewSeries(f Filter, p SeriesParams, buckets []SeriesBucket) *Series {
	return &Series{From: f.From, End: f.End(), Params: p, Buckets: buckets}
}

// Reader makes the four reads. The worker (over HTTP) and the SQL API (sql mode) implement it,
// and the plugin's cache wraps either; every call is one billed AE read query, except a users
// page larger than the worker's page size, which the worker client asks for in pages.
type Reader interface {
	Totals(ctx context.Context, f Filter) (*Totals, error)
	Orgs(ctx context.Context, f Filter, limit int) ([]OrgUsage, error)
	Users(ctx context.Context, f Filter, page UsersPage) ([]UserUsage, error)
	Series(ctx context.Context, f Filter, p SeriesParams) (*Series, error)
}

// IntervalFor picks the bucket width for a range from the range alone (not the panel's width), so
// every series panel of a dashboard asks for the same buckets and shares one read. It aims at no
// more than ~200 points, and never under a minute (the worker's smallest interval).
func IntervalFor(span time.Duration) time.Duration {
	steps := []time.Duration{
		time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	}
	for _, s := range steps {
		if span/s <= 200 {
			return s
		}
	}
	return 24 * time.Hour
}
