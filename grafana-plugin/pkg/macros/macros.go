// Package macros expands Grafana-style macros in raw Analytics Engine SQL. Expansions are
// literals this package writes itself, so a macro never carries user text into SQL unchecked.
package macros

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Context is what macros expand from.
type Context struct {
	From, To time.Time
	// Interval is Grafana's suggested step for the panel.
	Interval time.Duration
	Dataset  string
}

var (
	macro      = regexp.MustCompile(`\$__(\w+)(?:\(([^()]*)\))?`)
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func column(name, args string) (string, error) {
	args = strings.TrimSpace(args)
	if args == "" {
		return "timestamp", nil
	}
	if !identifier.MatchString(args) {
		return "", fmt.Errorf("$__%s takes a column name, got %q", name, args)
	}
	return args, nil
}

func dateTime(t time.Time) string {
	return fmt.Sprintf("toDateTime(%d)", t.Unix())
}

// IntervalSeconds is the interval in whole seconds, at least 1.
func (c Context) IntervalSeconds() int64 {
	s := int64(c.Interval / time.Second)
	if s < 1 {
		return 1
	}
	return s
}

// Expand replaces every macro in sql. Supported: $__timeFilter[(column)], $__timeFrom,
// $__timeTo, $__interval_s, $__timeInterval[(column)], $__dataset.
func Expand(sql string, c Context) (string, error) {
	var failure error
	out := macro.ReplaceAllStringFunc(sql, func(match string) string {
		if failure != nil {
			return match
		}
		parts := macro.FindStringSubmatch(match)
		name, args := parts[1], parts[2]
		hasArgs := strings.Contains(match, "(")
		switch name {
		case "timeFilter":
			col, err := column(name, args)
			if err != nil {
				failure = err
				return match
			}
			// To is exclusive in AE's second-precision timestamps: round it up so the newest
			// second of the range is in.
			to := c.To.Truncate(time.Second)
			if !to.Equal(c.To) {
				to = to.Add(time.Second)
			}
			return fmt.Sprintf("%s >= %s AND %s < %s", col, dateTime(c.From), col, dateTime(to))
		case "timeInterval":
			col, err := column(name, args)
			if err != nil {
				failure = err
				return match
			}
			return fmt.Sprintf("toStartOfInterval(%s, INTERVAL '%d' SECOND)", col, c.IntervalSeconds())
		case "timeFrom", "timeTo", "interval_s", "dataset":
			if hasArgs {
				failure = fmt.Errorf("$__%s takes no arguments", name)
				return match
			}
			switch name {
			case "timeFrom":
				return dateTime(c.From)
			case "timeTo":
				return dateTime(c.To)
			case "interval_s":
				return strconv.FormatInt(c.IntervalSeconds(), 10)
			default:
				return c.Dataset
			}
		default:
			failure = fmt.Errorf("unknown macro $__%s; use $__timeFilter, $__timeFrom, $__timeTo, $__interval_s, $__timeInterval or $__dataset", name)
			return match
		}
	})
	return out, failure
}
