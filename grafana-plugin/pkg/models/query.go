package models

import (
	"encoding/json"
	"fmt"

	"github.com/usagelens/analytics/pkg/schema"
)

// Query types, as in src/types.ts.
const (
	QueryUsers      = "users"
	QueryTotals     = "totals"
	QueryTimeSeries = "timeseries"
	QueryStatus     = "status"
	QueryCost       = "cost"
	QuerySQL        = "sql"
)

// QueryTypes lists every query type.
var QueryTypes = []string{QueryUsers, QueryTotals, QueryTimeSeries, QueryStatus, QueryCost, QuerySQL}

// Group-by dimensions of time series; "total" is one series of everything.
var GroupBys = []string{"event", "user", "org", "status", "total"}

// Metrics of time series: events, errors (status >= 400) and errors / events per bucket.
var Metrics = []string{"events", "errors", "error_rate"}

// Query is one panel query. Filters arrive with template variables already interpolated.
type Query struct {
	QueryType string   `json:"queryType"`
	GroupBy   string   `json:"groupBy,omitempty"`
	Metric    string   `json:"metric,omitempty"`
	Users     []string `json:"users,omitempty"`
	Orgs      []string `json:"orgs,omitempty"`
	Events    []string `json:"events,omitempty"`
	TopN      int      `json:"topN,omitempty"`
	RawSQL    string   `json:"rawSql,omitempty"`
	// Format of raw SQL results: "table" (default) or "time_series".
	Format string `json:"format,omitempty"`
}

func oneOf(value string, options []string) bool {
	for _, o := range options {
		if o == value {
			return true
		}
	}
	return false
}

// ParseQuery reads a query's JSON, fills defaults and checks it.
func ParseQuery(raw json.RawMessage) (Query, error) {
	var q Query
	if err := json.Unmarshal(raw, &q); err != nil {
		return q, fmt.Errorf("query is not valid JSON: %w", err)
	}
	if q.QueryType == "" {
		q.QueryType = QueryUsers
	}
	if q.GroupBy == "" {
		q.GroupBy = "event"
	}
	if q.Metric == "" {
		q.Metric = "events"
	}
	if q.Format == "" {
		q.Format = "table"
	}
	switch {
	case !oneOf(q.QueryType, QueryTypes):
		return q, fmt.Errorf("query type %q is unknown; use one of %v", q.QueryType, QueryTypes)
	case !oneOf(q.GroupBy, GroupBys):
		return q, fmt.Errorf("group by %q is unknown; use one of %v", q.GroupBy, GroupBys)
	case !oneOf(q.Metric, Metrics):
		return q, fmt.Errorf("metric %q is unknown; use one of %v", q.Metric, Metrics)
	case q.TopN < 0:
		return q, fmt.Errorf("top N must be 0 (all) or more")
	case q.QueryType == QuerySQL && q.RawSQL == "":
		return q, fmt.Errorf("raw SQL is empty")
	case q.Format != "table" && q.Format != "time_series":
		return q, fmt.Errorf("format %q is unknown; use table or time_series", q.Format)
	}
	for _, e := range q.Events {
		if !schema.IsEvent(e) {
			return q, fmt.Errorf("event %q is unknown; use one of %v", e, schema.Events)
		}
	}
	return q, nil
}

// Filters are the part of a query that narrows the data; queries with equal filters (and range)
// are answered from one upstream request.
type Filters struct {
	Users  []string
	Orgs   []string
	Events []string
}

// Filters returns the query's filters.
func (q Query) Filters() Filters {
	return Filters{Users: q.Users, Orgs: q.Orgs, Events: q.Events}
}
