// Package usage is the usage data both modes produce: the worker's /api/admin/usage answer, or
// the same answer rolled up here from one AE SQL query (sql mode).
package usage

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Params are what one usage answer is asked for. Dimensions are always user, event, org and
// status, so one answer serves every panel that shares the window and filters.
type Params struct {
	From, To time.Time
	// Interval of time buckets.
	Interval time.Duration
	Users    []string
	Orgs     []string
	Events   []string
}

// Key identifies the answer to params, ignoring the exact end (see Cache).
func (p Params) Key() string {
	norm := func(xs []string) string {
		c := append([]string(nil), xs...)
		sort.Strings(c)
		return strings.Join(c, "\x1f")
	}
	return fmt.Sprintf("%d|%d|%s|%s|%s", p.To.Sub(p.From)/time.Second, p.Interval/time.Second, norm(p.Users), norm(p.Orgs), norm(p.Events))
}

// Window is the answer's time range.
type Window struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Period   *string   `json:"period"`
	Interval *int64    `json:"interval"`
}

// Totals are counts over the whole window.
type Totals struct {
	Events      float64            `json:"events"`
	Errors      float64            `json:"errors"`
	ActiveUsers int                `json:"activeUsers"`
	ByEvent     map[string]float64 `json:"byEvent"`
}

// UserUsage is one user's counts. Name and Email are nil where the app has no such user (and
// always in sql mode, which cannot see the app's user table).
type UserUsage struct {
	ID     string             `json:"id"`
	Name   *string            `json:"name"`
	Email  *string            `json:"email"`
	Total  float64            `json:"total"`
	Errors float64            `json:"errors"`
	Events map[string]float64 `json:"events"`
}

// Label is the user's name, or the id when the name is unknown.
func (u UserUsage) Label() string {
	if u.Name != nil && *u.Name != "" {
		return *u.Name
	}
	return u.ID
}

// Key holds a cell's dimensions (user, event, org: strings; status: a number).
type Key struct {
	User   string  `json:"user"`
	Event  string  `json:"event"`
	Org    string  `json:"org"`
	Status float64 `json:"status"`
}

// Bucket is one cell of the cube: a time bucket and dimensions with their counts.
type Bucket struct {
	Time   time.Time `json:"time"`
	Key    Key       `json:"key"`
	Total  float64   `json:"total"`
	Errors float64   `json:"errors"`
}

// Report is a usage answer.
type Report struct {
	Window  Window      `json:"window"`
	Dataset string      `json:"dataset"`
	Events  []string    `json:"events"`
	Totals  Totals      `json:"totals"`
	Users   []UserUsage `json:"users"`
	Buckets []Bucket    `json:"buckets"`
}

// IntervalFor picks the bucket width for a range from the range alone (not the panel's width),
// so every panel of a dashboard asks for the same buckets and shares one answer. It aims at no
// more than ~200 points.
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
