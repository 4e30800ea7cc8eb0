package converters

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
)

var (
	numeric  = regexp.MustCompile(`^(U?Int\d+|Float\d+|Decimal.*)$`)
	dateTime = regexp.MustCompile(`^(DateTime|DateTime64|Date|Date32)(\(.*\))?$`)
)

// unwrap strips Nullable(...) and LowCardinality(...) from a ClickHouse type.
func unwrap(t string) (string, bool) {
	nullable := false
	for {
		switch {
		case strings.HasPrefix(t, "Nullable(") && strings.HasSuffix(t, ")"):
			t, nullable = t[len("Nullable("):len(t)-1], true
		case strings.HasPrefix(t, "LowCardinality(") && strings.HasSuffix(t, ")"):
			t = t[len("LowCardinality(") : len(t)-1]
		default:
			return t, nullable
		}
	}
}

func parseTime(v any) (*time.Time, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02", time.RFC3339Nano} {
			if t, err := time.ParseInLocation(layout, x, time.UTC); err == nil {
				return &t, nil
			}
		}
		return nil, fmt.Errorf("not a date: %q", x)
	case float64:
		t := time.Unix(int64(x), 0).UTC()
		return &t, nil
	default:
		return nil, fmt.Errorf("not a date: %v", v)
	}
}

// FromAE types each column from AE's meta: numbers (quoted 64-bit integers included) as float64,
// DateTime as time, anything else as text; NULLs stay NULL. A time_series result in long form
// (a time column and text dimensions) is widened so each dimension becomes a labelled series.
func FromAE(r *upstream.Result, format string) (*data.Frame, error) {
	frame := data.NewFrame("result")
	for _, col := range r.Meta {
		base, _ := unwrap(col.Type)
		n := len(r.Data)
		switch {
		case numeric.MatchString(base):
			values := make([]*float64, n)
			for i, row := range r.Data {
				if row[col.Name] == nil {
					continue
				}
				f, err := usage.Number(row[col.Name])
				if err != nil {
					return nil, fmt.Errorf("column %s row %d: %w", col.Name, i, err)
				}
				values[i] = &f
			}
			frame.Fields = append(frame.Fields, data.NewField(col.Name, nil, values))
		case dateTime.MatchString(base):
			values := make([]*time.Time, n)
			for i, row := range r.Data {
				t, err := parseTime(row[col.Name])
				if err != nil {
					return nil, fmt.Errorf("column %s row %d: %w", col.Name, i, err)
				}
				values[i] = t
			}
			frame.Fields = append(frame.Fields, data.NewField(col.Name, nil, values))
		default:
			values := make([]*string, n)
			for i, row := range r.Data {
				switch v := row[col.Name].(type) {
				case nil:
				case string:
					values[i] = &v
				default:
					b, _ := json.Marshal(v)
					s := string(b)
					values[i] = &s
				}
			}
			frame.Fields = append(frame.Fields, data.NewField(col.Name, nil, values))
		}
	}
	if format != "time_series" {
		return frame, nil
	}
	schema := frame.TimeSeriesSchema()
	switch schema.Type {
	case data.TimeSeriesTypeLong:
		wide, err := data.LongToWide(frame, nil)
		if err != nil {
			return nil, fmt.Errorf("cannot turn the result into time series: %w", err)
		}
		return wide, nil
	case data.TimeSeriesTypeNot:
		return nil, fmt.Errorf("a time series result needs a DateTime column and a numeric column, ordered by time")
	}
	return frame, nil
}
