package plugin

import (
	"context"
	"slices"
	"sort"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/converters"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/usage"
)

// Which reads each query type needs (the read path spec, /tmp/notes/reads-spec.md). Panels of one
// dashboard ask the same reads, so through the cache a refresh costs a fixed few whatever the
// number of users: the Usage overview totals + orgs + users + series (4), User detail totals +
// series (2).
//
//   - totals, cost                 → totals
//   - users (table)                → users, ranked (busiest first, at least 100)
//   - orgs (table)                 → orgs
//   - perUser (alert rules)        → users with at least minEvents or minOverLimit (HAVING), busiest first
//   - timeseries, status           → series split by user: the query's users when it names a few,
//     else the busiest and the most failing of the ranked users (the table's read), so every series
//     panel asks the same series read; by user also takes names from the ranked read
//   - timeseries grouped by org    → orgs, then series split by the busiest orgs

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
		return data.Frames{converters.UsersFrame(users, q.TopN)}, nil
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
		return converters.PerUserFrames(users, q.Metric), nil
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
		ranked, err := r.Users(ctx, f, usage.Ranked(0))
		if err != nil {
			return nil, nil, err
		}
		for _, u := range ranked {
			names[u.ID] = u.Label()
		}
		if !fewNamed {
			top = topUsers(ranked, k)
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
	failing := slices.Clone(ranked)
	sort.SliceStable(failing, func(i, j int) bool {
		if failing[i].Errors != failing[j].Errors {
			return failing[i].Errors > failing[j].Errors
		}
		return failing[i].ID < failing[j].ID
	})
	for _, u := range failing[:min(k, len(failing))] {
		if u.Errors > 0 {
			chosen[u.ID] = true
		}
	}
	top := make([]string, 0, len(chosen))
	for id := range chosen {
		top = append(top, id)
	}
	slices.Sort(top)
	return top
}
