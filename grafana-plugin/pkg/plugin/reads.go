package plugin

import (
	"context"
	"slices"
	"sort"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/converters"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
)

// Which reads each query type needs (the read path spec, /tmp/notes/reads-spec.md). Panels of one
// dashboard ask the same reads, so through the cache a refresh costs a fixed few whatever the
// number of users: the Usage overview totals + orgs + users + series (4), User detail totals +
// series (2).
//
//   - totals, cost                 → totals (totals of throttled calls: a series read, unsplit)
//   - users (table)                → users, ranked (busiest first, at least 100), and totals
//     without filters for each user's share of the writes and of their cost
//   - orgs (table)                 → orgs
//   - perUser (alert rules)        → users with at least minEvents or minOverLimit (HAVING), busiest
//     first; throttled calls per user also a series read per 50 of those users with a call over
//     the limit (a refused call is tracked over the limit), none when there are none
//   - timeseries, status           → series split by user: the query's users when it names a few,
//     else the busiest and the most failing of the ranked users (the table's read), so every series
//     panel asks the same series read; by user also takes names from the ranked read. For the
//     over-limit metrics the users are chosen among those with a call over the limit (the users
//     read bounded by minOverLimit 1): the K with most calls over it and the K with most errors
//   - timeseries grouped by org    → orgs, then series split by the busiest orgs
//   - limits (worker mode)         → the worker's /api/admin/limits (its own two AE reads), for the
//     last 7 days when the range is at most that long, else the last 30

// PerUserLimit is how many users a perUser query returns without a topN: enough for any rule,
// bounded so one read stays small.
var PerUserLimit = usage.MaxUsersLimit

// seriesSplitSize is how many users (or orgs) a series splits out by each ranking: the busiest K
// and the K with most errors, K = max(topN, 10), together at most the series read's split limit.
func seriesSplitSize(topN int) int {
	return min(max(topN, 10), contract.ReadLimits.MaxSeriesSplit/2)
}

// frames answers q over f from the reads it needs.
func frames(ctx context.Context, r usage.Reader, q models.Query, f usage.Filter) (data.Frames, error) {
	switch q.QueryType {
	case contract.QueryTypeTotals, contract.QueryTypeCost:
		if q.QueryType == contract.QueryTypeTotals && q.Metric == contract.MetricThrottled {
			s, err := r.Series(ctx, f, usage.SeriesParams{Interval: usage.IntervalFor(f.Span()), By: usage.SplitUser})
			if err != nil {
				return nil, err
			}
			return data.Frames{converters.MetricFrame(converters.SeriesCounts(s), q.Metric)}, nil
		}
		t, err := r.Totals(ctx, f)
		if err != nil {
			return nil, err
		}
		if q.QueryType == contract.QueryTypeCost {
			return data.Frames{converters.CostFrame(t, f.Span())}, nil
		}
		return data.Frames{converters.TotalsFrame(t, q.Metric)}, nil
	case contract.QueryTypeUsers:
		users, err := r.Users(ctx, f, usage.Ranked(q.TopN))
		if err != nil {
			return nil, err
		}
		// Each user's share of the account's writes: the window's totals without filters (every
		// call is a write), the read the Total events panel makes, so the overview reads it once.
		all, err := r.Totals(ctx, usage.Filter{From: f.From, To: f.To})
		if err != nil {
			return nil, err
		}
		return data.Frames{converters.UsersFrame(users, q.TopN, all.Events, f.Span())}, nil
	case contract.QueryTypeOrgs:
		orgs, err := r.Orgs(ctx, f, contract.ReadLimits.MaxOrgs)
		if err != nil {
			return nil, err
		}
		return data.Frames{converters.OrgsFrame(orgs, q.TopN)}, nil
	case contract.QueryTypePerUser:
		limit := PerUserLimit
		if q.TopN > 0 {
			limit = q.TopN
		}
		users, err := r.Users(ctx, f, usage.UsersPage{Sort: usage.SortTotal, Order: "desc", Limit: limit, MinEvents: q.MinEvents, MinOverLimit: q.MinOverLimit})
		if err != nil {
			return nil, err
		}
		var throttled map[string]float64
		if q.Metric == contract.MetricThrottled {
			if throttled, err = throttledPerUser(ctx, r, f, users); err != nil {
				return nil, err
			}
		}
		return converters.PerUserFrames(users, q.Metric, throttled), nil
	case contract.QueryTypeLimits:
		if len(f.Users) > 0 || len(f.Orgs) > 0 {
			return nil, &upstream.Error{Kind: upstream.Invalid, Message: "the limits query takes no user or org filter: limits are recommended from every user's usage (filter by event)"}
		}
		lr, ok := r.(usage.LimitsReader)
		if !ok {
			return nil, errNoLimits
		}
		l, err := lr.Limits(ctx, usage.LimitsParams{Period: usage.LimitsPeriod(f.Span()), Headroom: q.Headroom, Events: f.Events})
		if err != nil {
			return nil, err
		}
		return converters.LimitsFrames(l), nil
	case contract.QueryTypeStatus, contract.QueryTypeTimeseries:
		s, names, err := series(ctx, r, q, f)
		if err != nil {
			return nil, err
		}
		if q.QueryType == contract.QueryTypeStatus {
			return data.Frames{converters.StatusFrame(s)}, nil
		}
		return converters.TimeSeries(s, q.GroupBy, q.Metric, q.TopN, names), nil
	}
	return nil, nil
}

// errNoLimits is the limits query in sql mode.
var errNoLimits = &upstream.Error{Kind: upstream.Invalid, Message: "the limits query needs the data source in worker mode: " +
	"the configured limits and tiers live in the app, which AE's SQL API cannot see"}

// overLimitMetric says whether a metric counts calls over the limit (observed or refused).
func overLimitMetric(metric string) bool {
	return metric == contract.MetricOverLimit || metric == contract.MetricThrottled
}

// throttledPerUser counts the 429s of users from series reads split by them. Only a user with a call
// over the limit can have one (enforce tracks a refused call over the limit), so only those are
// read, 50 (a series read's split) at a time: no read at all when nobody was over.
func throttledPerUser(ctx context.Context, r usage.Reader, f usage.Filter, users []usage.UserUsage) (map[string]float64, error) {
	var over []string
	for _, u := range users {
		if u.OverLimit > 0 {
			over = append(over, u.ID)
		}
	}
	slices.Sort(over)
	throttled := map[string]float64{}
	for chunk := range slices.Chunk(over, contract.ReadLimits.MaxSeriesSplit) {
		s, err := r.Series(ctx, f, usage.SeriesParams{Interval: usage.IntervalFor(f.Span()), By: usage.SplitUser, Top: chunk})
		if err != nil {
			return nil, err
		}
		for _, b := range s.Buckets {
			if b.Split != "" && b.Status == converters.ThrottledStatus {
				throttled[b.Split] += b.Total
			}
		}
	}
	return throttled, nil
}

// series is the series read q needs, and the names of what it splits out.
func series(ctx context.Context, r usage.Reader, q models.Query, f usage.Filter) (*usage.Series, map[string]string, error) {
	interval := usage.IntervalFor(f.Span())
	k := seriesSplitSize(q.TopN)
	names := map[string]string{}
	if q.QueryType == contract.QueryTypeTimeseries && q.GroupBy == contract.GroupByOrg {
		orgs, err := r.Orgs(ctx, f, contract.ReadLimits.MaxOrgs)
		if err != nil {
			return nil, nil, err
		}
		var top []string
		left := len(orgs) == contract.ReadLimits.MaxOrgs
		for _, o := range orgs {
			if o.ID == "" {
				continue
			}
			if len(top) == k {
				left = true
				continue
			}
			top = append(top, o.ID)
			names[o.ID] = o.Label()
		}
		if left {
			// "" then holds the organisations left out as well as users in none.
			names[""] = converters.OtherOrgs
		}
		slices.Sort(top)
		s, err := r.Series(ctx, f, usage.SeriesParams{Interval: interval, By: usage.SplitOrg, Top: top})
		return s, names, err
	}

	named := sortedSet(f.Users)
	fewNamed := len(named) > 0 && len(named) <= contract.ReadLimits.MaxSeriesSplit
	top := named
	if !fewNamed || q.GroupBy == contract.GroupByUser && q.QueryType == contract.QueryTypeTimeseries {
		candidates := usage.Ranked(0)
		if q.QueryType == contract.QueryTypeTimeseries && overLimitMetric(q.Metric) {
			candidates.MinOverLimit = 1
		}
		ranked, err := r.Users(ctx, f, candidates)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range ranked {
			names[u.ID] = u.Label()
		}
		if !fewNamed {
			if candidates.MinOverLimit > 0 {
				top = topOverLimitUsers(ranked, k)
			} else {
				top = topUsers(ranked, k)
			}
		}
	}
	s, err := r.Series(ctx, f, usage.SeriesParams{Interval: interval, By: usage.SplitUser, Top: top})
	return s, names, err
}

// topUsers is the k busiest of the ranked users and the k with most errors, in id order: the
// users a by-user series can show, for events and for errors alike.
func topUsers(ranked []usage.UserUsage, k int) []string {
	chosen := map[string]bool{}
	for _, u := range ranked[:min(k, len(ranked))] {
		chosen[u.ID] = true
	}
	mostBy(ranked, k, func(u usage.UserUsage) float64 { return u.Errors }, chosen)
	return ids(chosen)
}

// topOverLimitUsers is, of users with calls over the limit, the k with most of them and the k with
// most errors (a refused call is a 429, an error), in id order: the users the over-limit and
// throttled series can show. A user without a call over the limit is never chosen (a worker may
// answer the bounded read with users that are not over).
func topOverLimitUsers(candidates []usage.UserUsage, k int) []string {
	var over []usage.UserUsage
	for _, u := range candidates {
		if u.OverLimit > 0 {
			over = append(over, u)
		}
	}
	chosen := map[string]bool{}
	mostBy(over, k, func(u usage.UserUsage) float64 { return u.OverLimit }, chosen)
	mostBy(over, k, func(u usage.UserUsage) float64 { return u.Errors }, chosen)
	return ids(chosen)
}

// mostBy adds to chosen the k users with the most of value (ties by id), leaving out those with none.
func mostBy(users []usage.UserUsage, k int, value func(usage.UserUsage) float64, chosen map[string]bool) {
	sorted := slices.Clone(users)
	sort.SliceStable(sorted, func(i, j int) bool {
		if a, b := value(sorted[i]), value(sorted[j]); a != b {
			return a > b
		}
		return sorted[i].ID < sorted[j].ID
	})
	for _, u := range sorted[:min(k, len(sorted))] {
		if value(u) > 0 {
			chosen[u.ID] = true
		}
	}
}

func ids(chosen map[string]bool) []string {
	top := make([]string, 0, len(chosen))
	for id := range chosen {
		top = append(top, id)
	}
	slices.Sort(top)
	return top
}
