package upstream

import (
	"context"

	"github.com/usagelens/analytics/pkg/usage"
)

// SQLReads makes the four reads against AE's SQL API (sql mode): the reads' SQL from pkg/usage,
// one request each, AE's rows rolled up as the worker rolls them.
type SQLReads struct {
	API     *SQLAPI
	Dataset string
}

var _ usage.Reader = (*SQLReads)(nil)

// rows sends a read's SQL; a read the builders refuse (a control character in a filter, say) is
// the query's fault, not AE's.
func (s *SQLReads) rows(ctx context.Context, sql string, err error) ([]map[string]any, error) {
	if err != nil {
		return nil, &Error{Kind: Invalid, Message: err.Error()}
	}
	result, err := s.API.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return result.Data, nil
}

func malformed(err error) error {
	return &Error{Kind: Malformed, Message: "Analytics Engine's answer did not have the expected columns: " + err.Error()}
}

// Totals of the window.
func (s *SQLReads) Totals(ctx context.Context, f usage.Filter) (*usage.Totals, error) {
	sql, err := usage.TotalsSQL(s.Dataset, f)
	rows, err := s.rows(ctx, sql, err)
	if err != nil {
		return nil, err
	}
	t, err := usage.RollUpTotals(rows)
	if err != nil {
		return nil, malformed(err)
	}
	t.Dataset, t.ReadsToday = s.Dataset, float64(s.API.ReadsToday())
	return t, nil
}

// Orgs of the window, busiest first.
func (s *SQLReads) Orgs(ctx context.Context, f usage.Filter, limit int) ([]usage.OrgUsage, error) {
	sql, err := usage.OrgsSQL(s.Dataset, f, limit)
	rows, err := s.rows(ctx, sql, err)
	if err != nil {
		return nil, err
	}
	orgs, err := usage.RollUpOrgs(rows)
	if err != nil {
		return nil, malformed(err)
	}
	return orgs, nil
}

// Users is one page of users, however large: SQL has no page size to keep to.
func (s *SQLReads) Users(ctx context.Context, f usage.Filter, page usage.UsersPage) ([]usage.UserUsage, error) {
	sql, err := usage.UsersSQL(s.Dataset, f, page)
	rows, err := s.rows(ctx, sql, err)
	if err != nil {
		return nil, err
	}
	users, err := usage.RollUpUsers(rows)
	if err != nil {
		return nil, malformed(err)
	}
	return users, nil
}

// Series of the window.
func (s *SQLReads) Series(ctx context.Context, f usage.Filter, p usage.SeriesParams) (*usage.Series, error) {
	sql, err := usage.SeriesSQL(s.Dataset, f, p)
	rows, err := s.rows(ctx, sql, err)
	if err != nil {
		return nil, err
	}
	buckets, err := usage.RollUpSeries(rows)
	if err != nil {
		return nil, malformed(err)
	}
	return usage.NewSeries(f, p, buckets), nil
}
