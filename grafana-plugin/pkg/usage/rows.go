package usage

import (
	"fmt"
	"strconv"
	"time"

	"github.com/usagelens/analytics/pkg/contract"
)

// How AE's rows become results, as the worker does it (pinned by testdata/reads.json, shared with
// the worker): counts may come quoted (AE's SQL API quotes 64-bit integers) or as numbers, SQL
// order is kept, empty cells of a series are dropped.

// Number reads a JSON number that AE may send as a string.
func Number(v any) (float64, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case string:
		return strconv.ParseFloat(n, 64)
	case nil:
		return 0, nil
	default:
		return 0, fmt.Errorf("not a number: %v", v)
	}
}

type row struct {
	index  int
	values map[string]any
	err    error
}

func (r *row) number(column string) float64 {
	if r.err != nil {
		return 0
	}
	v, ok := r.values[column]
	if !ok {
		r.err = fmt.Errorf("row %d has no column %s", r.index, column)
		return 0
	}
	n, err := Number(v)
	if err != nil {
		r.err = fmt.Errorf("row %d, column %s: %w", r.index, column, err)
	}
	return n
}

func (r *row) text(column string) string {
	if r.err != nil {
		return ""
	}
	s, ok := r.values[column].(string)
	if !ok {
		r.err = fmt.Errorf("row %d, column %s: want text, got %v", r.index, column, r.values[column])
	}
	return s
}

// RollUpTotals reads the totals read's row; an empty window may answer no row at all.
func RollUpTotals(rows []map[string]any) (*Totals, error) {
	t := &Totals{}
	if len(rows) == 0 {
		return t, nil
	}
	if len(rows) > 1 {
		return nil, fmt.Errorf("totals are one row, got %d", len(rows))
	}
	r := row{values: rows[0]}
	t.Events, t.Errors, t.OverLimit, t.ActiveUsers = r.number(colEvents), r.number(colErrors), r.number(colOver), r.number(colUsers)
	return t, r.err
}

// RollUpOrgs reads the orgs read's rows. Names are the worker's to add (sql mode has none).
func RollUpOrgs(rows []map[string]any) ([]OrgUsage, error) {
	orgs := make([]OrgUsage, 0, len(rows))
	for i, values := range rows {
		r := row{index: i, values: values}
		o := OrgUsage{ID: r.text(colOrg), Total: r.number(colEvents), Errors: r.number(colErrors), Users: r.number(colUsers)}
		if r.err != nil {
			return nil, r.err
		}
		orgs = append(orgs, o)
	}
	return orgs, nil
}

// RollUpUsers reads a users read's rows, every event present.
func RollUpUsers(rows []map[string]any) ([]UserUsage, error) {
	users := make([]UserUsage, 0, len(rows))
	for i, values := range rows {
		r := row{index: i, values: values}
		u := UserUsage{ID: r.text(colUID), Total: r.number(colEvents), Errors: r.number(colErrors), OverLimit: r.number(colOver), Events: make(map[string]float64, len(contract.Events))}
		for _, e := range contract.Events {
			u.Events[e] = r.number(EventColumn(e))
		}
		if r.err != nil {
			return nil, r.err
		}
		users = append(users, u)
	}
	return users, nil
}

// RollUpSeries reads a series read's rows: bucket starts in unix seconds become times.
func RollUpSeries(rows []map[string]any) ([]SeriesBucket, error) {
	buckets := make([]SeriesBucket, 0, len(rows))
	for i, values := range rows {
		r := row{index: i, values: values}
		b := SeriesBucket{
			Time:      time.Unix(int64(r.number(colBucket)), 0).UTC(),
			Event:     r.text(colEvent),
			Status:    r.number(colStatus),
			Split:     r.text(colSplit),
			Total:     r.number(colEvents),
			OverLimit: r.number(colOver),
		}
		if r.err != nil {
			return nil, r.err
		}
		if b.Total != 0 {
			buckets = append(buckets, b)
		}
	}
	return buckets, nil
}
