package usage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/usagelens/analytics/pkg/contract"
)

// Quote is a ClickHouse string literal (backslash escapes), as the worker's quote() writes it:
// the SQL API has no bind parameters.
func Quote(value string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range value {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\'':
			b.WriteString(`\'`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// QuoteList is a parenthesised list of string literals.
func QuoteList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = Quote(v)
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// CubeSQL is the sql-mode twin of the worker's buildUsageSql with every dimension: one query,
// sampling-correct counts by bucket, user, event, org and status.
func CubeSQL(p Params, dataset string) string {
	events := p.Events
	if len(events) == 0 {
		events = contract.Events
	}
	to := p.To.Truncate(time.Second)
	if !to.Equal(p.To) {
		to = to.Add(time.Second)
	}
	where := []string{
		fmt.Sprintf("timestamp >= toDateTime(%d)", p.From.Unix()),
		fmt.Sprintf("timestamp < toDateTime(%d)", to.Unix()),
		fmt.Sprintf("%s IN %s", contract.ColumnEvent, QuoteList(events)),
	}
	if len(p.Users) > 0 {
		where = append(where, fmt.Sprintf("%s IN %s", contract.ColumnUserID, QuoteList(p.Users)))
	}
	if len(p.Orgs) > 0 {
		where = append(where, fmt.Sprintf("%s IN %s", contract.ColumnOrgID, QuoteList(p.Orgs)))
	}
	return strings.Join([]string{
		fmt.Sprintf("SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '%d' SECOND)) AS bucket,", int64(p.Interval/time.Second)),
		fmt.Sprintf("  %s AS user, %s AS event, %s AS org, %s AS status,", contract.ColumnUserID, contract.ColumnEvent, contract.ColumnOrgID, contract.ColumnStatus),
		fmt.Sprintf("  SUM(_sample_interval) AS total, sumIf(_sample_interval, %s >= 400) AS errors", contract.ColumnStatus),
		"FROM " + dataset,
		"WHERE " + strings.Join(where, " AND "),
		"GROUP BY bucket, user, event, org, status",
		"ORDER BY bucket",
		"FORMAT JSON",
	}, "\n")
}

// Number reads a JSON number that AE may send as a string (64-bit integers are quoted).
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

// RollUp turns the cube's rows into a Report, as the worker does for its answer.
func RollUp(rows []map[string]any, p Params, dataset string) (*Report, error) {
	r := &Report{
		Dataset: dataset,
		Events:  contract.Events,
		Totals:  Totals{ByEvent: map[string]float64{}},
	}
	interval := int64(p.Interval / time.Second)
	r.Window = Window{From: p.From, To: p.To, Interval: &interval}
	for _, e := range contract.Events {
		r.Totals.ByEvent[e] = 0
	}
	users := map[string]*UserUsage{}
	for _, row := range rows {
		total, err := Number(row["total"])
		if err != nil {
			return nil, fmt.Errorf("total: %w", err)
		}
		errs, err := Number(row["errors"])
		if err != nil {
			return nil, fmt.Errorf("errors: %w", err)
		}
		bucket, err := Number(row["bucket"])
		if err != nil {
			return nil, fmt.Errorf("bucket: %w", err)
		}
		status, err := Number(row["status"])
		if err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
		if total == 0 {
			continue
		}
		key := Key{Status: status}
		key.User, _ = row["user"].(string)
		key.Event, _ = row["event"].(string)
		key.Org, _ = row["org"].(string)
		r.Totals.Events += total
		r.Totals.Errors += errs
		if _, ok := r.Totals.ByEvent[key.Event]; ok {
			r.Totals.ByEvent[key.Event] += total
		}
		u := users[key.User]
		if u == nil {
			u = &UserUsage{ID: key.User, Events: map[string]float64{}}
			for _, e := range contract.Events {
				u.Events[e] = 0
			}
			users[key.User] = u
		}
		u.Total += total
		u.Errors += errs
		if _, ok := u.Events[key.Event]; ok {
			u.Events[key.Event] += total
		}
		r.Buckets = append(r.Buckets, Bucket{Time: time.Unix(int64(bucket), 0).UTC(), Key: key, Total: total, Errors: errs})
	}
	r.Totals.ActiveUsers = len(users)
	for _, u := range users {
		r.Users = append(r.Users, *u)
	}
	sort.Slice(r.Users, func(i, j int) bool {
		if r.Users[i].Total != r.Users[j].Total {
			return r.Users[i].Total > r.Users[j].Total
		}
		return r.Users[i].ID < r.Users[j].ID
	})
	return r, nil
}
