package models

import (
	"encoding/json"
	"fmt"

	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

// Query is one panel query. Filters arrive with template variables already interpolated.
type Query struct {
	QueryType string   `json:"queryType"`
	GroupBy   string   `json:"groupBy,omitempty"`
	Metric    string   `json:"metric,omitempty"`
	Users     []string `json:"users,omitempty"`
	Orgs      []string `json:"orgs,omitempty"`
	Events    []string `json:"events,omitempty"`
	// TopN keeps the N biggest users, orgs or series; 0 keeps the default.
	TopN int `json:"topN,omitempty"`
	// MinEvents keeps, in a perUser query, only users with at least this many events, or (with
	// MinOverLimit) at least that many calls over their limit (SQL HAVING, either bound).
	MinEvents    int `json:"minEvents,omitempty"`
	MinOverLimit int `json:"minOverLimit,omitempty"`
	// Headroom is, in a limits query, the factor over the 99th percentile the recommended limits
	// give; 0 leaves the worker's default.
	Headroom float64 `json:"headroom,omitempty"`
	RawSQL   string  `json:"rawSql,omitempty"`
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
		q.QueryType = contract.Defaults.QueryType
	}
	if q.GroupBy == "" {
		q.GroupBy = contract.Defaults.GroupBy
	}
	// A totals query without a metric is the two-number summary; with one it is that one number,
	// for alert rules. Only series and per-user values always have a metric.
	if q.Metric == "" && (q.QueryType == contract.QueryTypeTimeseries || q.QueryType == contract.QueryTypePerUser) {
		q.Metric = contract.Defaults.Metric
	}
	if q.Format == "" {
		q.Format = contract.Defaults.Format
	}
	switch {
	case !oneOf(q.QueryType, contract.QueryTypes):
		return q, fmt.Errorf("query type %q is unknown; use one of %v", q.QueryType, contract.QueryTypes)
	case !oneOf(q.GroupBy, contract.GroupBys):
		return q, fmt.Errorf("group by %q is unknown; use one of %v", q.GroupBy, contract.GroupBys)
	case q.Metric != "" && !oneOf(q.Metric, contract.Metrics):
		return q, fmt.Errorf("metric %q is unknown; use one of %v", q.Metric, contract.Metrics)
	case q.TopN < 0 || q.TopN > usage.MaxUsersLimit:
		return q, fmt.Errorf("top N must be 0 (the default) to %d", usage.MaxUsersLimit)
	case q.MinEvents < 0:
		return q, fmt.Errorf("minimum events must be 0 or more")
	case q.MinOverLimit < 0:
		return q, fmt.Errorf("minimum calls over the limit must be 0 or more")
	case q.Headroom < 0:
		return q, fmt.Errorf("headroom must be a positive number (the worker's default when unset)")
	case q.QueryType == contract.QueryTypeSQL && q.RawSQL == "":
		return q, fmt.Errorf("raw SQL is empty")
	case !oneOf(q.Format, contract.Formats):
		return q, fmt.Errorf("format %q is unknown; use one of %v", q.Format, contract.Formats)
	}
	for _, e := range q.Events {
		if !oneOf(e, contract.Events) {
			return q, fmt.Errorf("event %q is unknown; use one of %v", e, contract.Events)
		}
	}
	for name, values := range map[string][]string{"user": q.Users, "org": q.Orgs} {
		for _, v := range values {
			if err := usage.CheckValue(v); err != nil {
				return q, fmt.Errorf("%s filter: %w", name, err)
			}
		}
	}
	return q, nil
}
