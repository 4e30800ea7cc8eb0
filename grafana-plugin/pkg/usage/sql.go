package usage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/usagelens/analytics/pkg/contract"
)

// The SQL of the four reads, for AE's SQL API (sql mode). Only constructs AE's SQL reference
// documents are used (https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/):
// SUM, sumIf and count(DISTINCT …) (aggregate functions), if and IN lists (conditional functions,
// operators), toDateTime, toUnixTimestamp and toStartOfInterval with INTERVAL '<n>' SECOND (date and
// time functions, literals), GROUP BY / HAVING / ORDER BY / LIMIT / OFFSET / FORMAT JSON
// (statements). Aliases are neutral words, never SQL keywords such as `user` or `time`. Counts are
// weighted by `_sample_interval`, so sampled data counts right. testdata/sql-shapes.json lists
// every shape the plugin sends; the TypeScript side checks each against the documented dialect.

// Column aliases of the reads (contract/src/reads.ts READ_COLUMNS).
const (
	colEvents = "events"
	colErrors = "errors"
	colOver   = "over_limit"
	colUsers  = "users"
	colOrg    = "org"
	colUID    = "uid"
	colBucket = "bucket"
	colEvent  = "event"
	colStatus = "status"
	colSplit  = "split"
)

// EventColumn is the alias of an event's own count, e.g. e_sync.
func EventColumn(event string) string { return "e_" + event }

// Literal is value as an AE string literal. AE documents no escape rule, so the literal reads the
// same under both readings of a backslash: quotes are doubled (standard SQL, which ClickHouse also
// reads), backslashes doubled (so ClickHouse never sees `\'` or `\x`, and standard SQL sees no
// escape at all), and control characters, which no id, org or event holds, are refused rather
// than escaped.
func Literal(value string) (string, error) {
	if err := CheckValue(value); err != nil {
		return "", err
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(value, `\`, `\\`), `'`, `''`) + "'", nil
}

// CheckValue refuses what Literal cannot write: a filter value with a control character.
func CheckValue(value string) error {
	for _, r := range value {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q contains a control character (U+%04X): ids, orgs and events never do", value, r)
		}
	}
	return nil
}

func literalList(values []string) (string, error) {
	quoted := make([]string, len(values))
	for i, v := range values {
		q, err := Literal(v)
		if err != nil {
			return "", err
		}
		quoted[i] = q
	}
	return "(" + strings.Join(quoted, ", ") + ")", nil
}

// where is the filter as a WHERE clause. Without an event filter the five events are asked for,
// so points of other events (there are none today) never count.
func where(f Filter) (string, error) {
	if !f.From.Before(f.To) {
		return "", fmt.Errorf("the time range is empty")
	}
	events := f.Events
	if len(events) == 0 {
		events = contract.Events
	}
	clauses := []string{
		fmt.Sprintf("timestamp >= toDateTime(%d)", f.From.Unix()),
		fmt.Sprintf("timestamp < toDateTime(%d)", f.End().Unix()),
	}
	for _, filter := range []struct {
		column string
		values []string
	}{{contract.ColumnEvent, events}, {contract.ColumnUserID, f.Users}, {contract.ColumnOrgID, f.Orgs}} {
		if len(filter.values) == 0 {
			continue
		}
		list, err := literalList(filter.values)
		if err != nil {
			return "", err
		}
		clauses = append(clauses, filter.column+" IN "+list)
	}
	return "WHERE " + strings.Join(clauses, " AND "), nil
}

var (
	countEvents = "SUM(_sample_interval) AS " + colEvents
	countErrors = fmt.Sprintf("sumIf(_sample_interval, %s >= %d) AS %s", contract.ColumnStatus, contract.ErrorStatus, colErrors)
	countUsers  = fmt.Sprintf("count(DISTINCT %s) AS %s", contract.ColumnUserID, colUsers)
	// countOver counts calls over their rate limit: the worker writes 1 in that double, else 0
	// (points written before it had the field read 0, as AE reads every unwritten double).
	countOver = fmt.Sprintf("sumIf(_sample_interval, %s >= 1) AS %s", contract.ColumnOverLimit, colOver)
)

func statement(parts ...string) string {
	kept := parts[:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(append(kept, "FORMAT JSON"), " ")
}

// TotalsSQL counts the window's events, errors, calls over their limit and active users. Active
// users need their own count(DISTINCT …): AE has no ROLLUP or UNION to take them from another read.
func TotalsSQL(dataset string, f Filter) (string, error) {
	w, err := where(f)
	if err != nil {
		return "", err
	}
	return statement("SELECT "+strings.Join([]string{countEvents, countErrors, countOver, countUsers}, ", "), "FROM "+dataset, w), nil
}

// OrgsSQL counts per organisation, busiest first, limit of them.
func OrgsSQL(dataset string, f Filter, limit int) (string, error) {
	w, err := where(f)
	if err != nil {
		return "", err
	}
	if limit < 1 || limit > contract.ReadLimits.MaxOrgs {
		return "", fmt.Errorf("orgs limit %d: must be 1 to %d", limit, contract.ReadLimits.MaxOrgs)
	}
	return statement(
		fmt.Sprintf("SELECT %s AS %s, %s, %s, %s", contract.ColumnOrgID, colOrg, countEvents, countErrors, countUsers),
		"FROM "+dataset, w,
		"GROUP BY "+colOrg,
		fmt.Sprintf("ORDER BY %s DESC, %s LIMIT %d", colEvents, colOrg, limit),
	), nil
}

// MaxUsersLimit is the most users one users read returns: the per-user alert rules' read, which
// HAVING keeps to the users that can cross a threshold (the worker allows as many with minEvents).
var MaxUsersLimit = contract.ReadLimits.MaxThresholdPageSize

// sortColumn is the column a users sort orders by; name and email need the app's user table.
func sortColumn(sort string) (string, error) {
	switch {
	case sort == SortTotal:
		return colEvents, nil
	case sort == SortErrors:
		return colErrors, nil
	case sort == SortID:
		return colUID, nil
	case slices.Contains(contract.Events, sort):
		return EventColumn(sort), nil
	case slices.Contains(contract.UserSorts, sort):
		return "", fmt.Errorf("sorting users by %s needs the app's user table: use the data source in worker mode", sort)
	default:
		return "", fmt.Errorf("users cannot be sorted by %q; use one of %v", sort, contract.UserSorts)
	}
}

// UsersSQL is a page of users with their counts per event. A bounded page (the alert rules') keeps
// the users at or over either bound: HAVING events >= MinEvents OR over >= MinOverLimit.
func UsersSQL(dataset string, f Filter, p UsersPage) (string, error) {
	w, err := where(f)
	if err != nil {
		return "", err
	}
	column, err := sortColumn(p.Sort)
	if err != nil {
		return "", err
	}
	if p.Order != "asc" && p.Order != "desc" {
		return "", fmt.Errorf("order %q: use asc or desc", p.Order)
	}
	if p.Limit < 1 || p.Limit > MaxUsersLimit || p.Offset < 0 || p.Offset > contract.ReadLimits.MaxOffset || p.MinEvents < 0 || p.MinOverLimit < 0 {
		return "", fmt.Errorf("users page %+v: limit 1 to %d, offset 0 to %d, minEvents and minOverLimit 0 or more", p, MaxUsersLimit, contract.ReadLimits.MaxOffset)
	}
	columns := []string{contract.ColumnUserID + " AS " + colUID, countEvents, countErrors, countOver}
	for _, e := range contract.Events {
		columns = append(columns, fmt.Sprintf("sumIf(_sample_interval, %s = '%s') AS %s", contract.ColumnEvent, e, EventColumn(e)))
	}
	var bounds []string
	if p.MinEvents > 0 {
		bounds = append(bounds, fmt.Sprintf("%s >= %d", colEvents, p.MinEvents))
	}
	if p.MinOverLimit > 0 {
		bounds = append(bounds, fmt.Sprintf("%s >= %d", colOver, p.MinOverLimit))
	}
	having := ""
	if len(bounds) > 0 {
		having = "HAVING " + strings.Join(bounds, " OR ")
	}
	order := fmt.Sprintf("ORDER BY %s %s, %s", column, strings.ToUpper(p.Order), colUID)
	if column == colUID {
		order = fmt.Sprintf("ORDER BY %s %s", colUID, strings.ToUpper(p.Order))
	}
	page := fmt.Sprintf("LIMIT %d", p.Limit)
	if p.Offset > 0 {
		page += fmt.Sprintf(" OFFSET %d", p.Offset)
	}
	return statement("SELECT "+strings.Join(columns, ", "), "FROM "+dataset, w, "GROUP BY "+colUID, having, order, page), nil
}

// SeriesSQL counts events and calls over their limit per time bucket, event and status, split by
// the top users or orgs: each of them apart, everyone else together under "".
func SeriesSQL(dataset string, f Filter, p SeriesParams) (string, error) {
	w, err := where(f)
	if err != nil {
		return "", err
	}
	if p.Interval < time.Second || p.Interval%time.Second != 0 {
		return "", fmt.Errorf("series interval %v: must be whole seconds", p.Interval)
	}
	if len(p.Top) > contract.ReadLimits.MaxSeriesSplit {
		return "", fmt.Errorf("a series splits out at most %d ids, got %d", contract.ReadLimits.MaxSeriesSplit, len(p.Top))
	}
	split := "''"
	if len(p.Top) > 0 {
		var column string
		switch p.By {
		case SplitUser:
			column = contract.ColumnUserID
		case SplitOrg:
			column = contract.ColumnOrgID
		default:
			return "", fmt.Errorf("a series splits by %s or %s, not %q", SplitUser, SplitOrg, p.By)
		}
		list, err := literalList(p.Top)
		if err != nil {
			return "", err
		}
		split = fmt.Sprintf("if(%s IN %s, %s, '')", column, list, column)
	}
	dims := strings.Join([]string{colBucket, colEvent, colStatus, colSplit}, ", ")
	return statement(
		fmt.Sprintf("SELECT toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL '%d' SECOND)) AS %s, %s AS %s, %s AS %s, %s AS %s, %s, %s",
			int64(p.Interval/time.Second), colBucket, contract.ColumnEvent, colEvent, contract.ColumnStatus, colStatus, split, colSplit, countEvents, countOver),
		"FROM "+dataset, w,
		"GROUP BY "+dims,
		"ORDER BY "+dims,
	), nil
}
