// Package grafanaexpr imitates the part of Grafana's server-side expressions (SSE) that Usage
// Lens's alert rules use, so the provisioned rules can be proven against real plugin answers
// without a Grafana server. A test kit: nothing that ships imports it.
//
// Every rule here is taken from Grafana's code (grafana/grafana, 12.x):
//   - how a data source answer becomes values: pkg/expr/converter.go (ResultConverter.Convert) and
//     pkg/expr/dataplane.go (timeseries-multi and numeric-multi answers), with the dataplane
//     readers of grafana/dataplane sdata/timeseries and sdata/numeric;
//   - reduce: pkg/expr/mathexp/reduce.go and pkg/expr/commands.go (UnmarshalReduceCommand);
//   - math: pkg/expr/mathexp/exp.go (union, binary operators);
//   - threshold: pkg/expr/threshold.go;
//   - alert state per instance: pkg/services/ngalert/eval/eval.go (evaluateExecutionResult).
//
// What is not imitated is refused with an error, never guessed.
package grafanaexpr

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Number is one value with its labels. A nil Value is Grafana's null.
type Number struct {
	Labels data.Labels
	Value  *float64
}

// Numbers is one expression result: a number per label set.
type Numbers []Number

// Series is one time series with its labels; points may be null.
type Series struct {
	Name   string
	Labels data.Labels
	Points []*float64
}

// Result is what a query or expression gives: series, numbers, or no data.
type Result struct {
	Series  []Series
	Numbers Numbers
	NoData  bool
}

// F is a value, for tests and callers.
func F(v float64) *float64 { return &v }

// Convert turns a data source's frames into SSE values as ResultConverter.Convert does.
func Convert(frames data.Frames) (Result, error) {
	if len(frames) == 0 {
		return Result{NoData: true}, nil
	}
	if first := frames[0]; first.Meta != nil && first.Meta.Type != "" && !first.Meta.TypeVersion.IsZero() {
		switch first.Meta.Type {
		case data.FrameTypeTimeSeriesMulti:
			return dataplaneTimeSeriesMulti(frames)
		case data.FrameTypeNumericMulti:
			return dataplaneNumericMulti(frames)
		case data.FrameTypeTimeSeriesWide, data.FrameTypeTimeSeriesLong, data.FrameTypeNumericWide, data.FrameTypeNumericLong:
			return Result{}, fmt.Errorf("dataplane type %s is not imitated here", first.Meta.Type)
		}
	}
	if len(frames) == 1 && len(frames[0].Fields) == 0 {
		return Result{NoData: true}, nil
	}
	if len(frames) == 1 && isNumberTable(frames[0]) {
		return numberTable(frames[0])
	}
	var out Result
	for _, f := range frames {
		if f.TimeSeriesSchema().Type != data.TimeSeriesTypeWide {
			return Result{}, fmt.Errorf("input data must be a wide series but got type %s", f.TimeSeriesSchema().Type)
		}
		for _, field := range f.Fields {
			if field.Type().Numeric() {
				out.Series = append(out.Series, seriesOf(f, field))
			}
		}
	}
	return out, nil
}

// dataplane timeseries-multi: one series per typed frame, from its first numeric field; a first
// frame without fields is an empty answer (grafana/dataplane sdata/timeseries/multi.go).
func dataplaneTimeSeriesMulti(frames data.Frames) (Result, error) {
	if len(frames[0].Fields) == 0 {
		return Result{NoData: true}, nil
	}
	var out Result
	for i, f := range frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			continue // untyped frames after the first are ignored
		}
		var timeField, valueField *data.Field
		for _, field := range f.Fields {
			if timeField == nil && field.Type() == data.FieldTypeTime {
				timeField = field
			}
			if valueField == nil && field.Type().Numeric() {
				valueField = field
			}
		}
		if timeField == nil {
			return Result{}, fmt.Errorf("frame %v is missing a []time.Time field", i)
		}
		if valueField == nil {
			return Result{}, fmt.Errorf("frame %v must have at least one value field but has %v", i, len(f.Fields))
		}
		out.Series = append(out.Series, seriesOf(f, valueField))
	}
	return out, nil
}

// dataplane numeric-multi, one number per frame, as Grafana reads it: pkg/expr/dataplane.go
// handleDataplaneNumeric hands the frames to grafana/dataplane sdata/numeric/multi.go
// (validateAndGetRefsMulti) and makes each reference a number with mathexp.NumberFromRef
// (pkg/expr/mathexp/types.go), whose value is numeric.go MetricRef.NullableFloat64Value:
//   - a first frame without fields is the empty response (no data), whatever frames follow;
//   - every frame must be typed numeric-multi, or the whole answer is refused;
//   - a frame's number is its first value field (numeric or bool: sdata.ValidValueFields) with
//     that field's labels; a frame without one adds no number;
//   - a value field of any length but one is a null number, not its first row.
func dataplaneNumericMulti(frames data.Frames) (Result, error) {
	if len(frames[0].Fields) == 0 {
		return Result{NoData: true}, nil
	}
	var out Result
	for _, f := range frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeNumericMulti {
			t := data.FrameType("")
			if f.Meta != nil {
				t = f.Meta.Type
			}
			return Result{}, fmt.Errorf("frame has wrong type, expected NumericMulti but got %q", t)
		}
		for _, field := range f.Fields {
			if !isValueField(field) {
				continue
			}
			var v *float64
			if field.Len() == 1 {
				v = floatAt(field, 0)
			}
			out.Numbers = append(out.Numbers, Number{Labels: field.Labels.Copy(), Value: v})
			break
		}
	}
	return out, nil
}

// isValueField is sdata.ValidValueFields (grafana/dataplane sdata/common.go): the numeric types
// and bool, nullable or not.
func isValueField(field *data.Field) bool {
	t := field.Type()
	return t.Numeric() || t == data.FieldTypeBool || t == data.FieldTypeNullableBool
}

// isNumberTable: not a time series, exactly one numeric field, every other field a string.
func isNumberTable(f *data.Frame) bool {
	if f.TimeSeriesSchema().Type != data.TimeSeriesTypeNot {
		return false
	}
	numeric := 0
	for _, field := range f.Fields {
		switch {
		case field.Type().Numeric():
			numeric++
		case field.Type() == data.FieldTypeString || field.Type() == data.FieldTypeNullableString:
		default:
			return false
		}
	}
	return numeric == 1
}

// numberTable: one number per row, labelled by the row's string columns.
func numberTable(f *data.Frame) (Result, error) {
	var out Result
	for row := 0; row < f.Rows(); row++ {
		n := Number{Labels: data.Labels{}}
		for _, field := range f.Fields {
			if field.Type().Numeric() {
				n.Value = floatAt(field, row)
				continue
			}
			if s, ok := field.ConcreteAt(row); ok {
				n.Labels[field.Name] = fmt.Sprint(s)
			}
		}
		out.Numbers = append(out.Numbers, n)
	}
	return out, nil
}

func seriesOf(f *data.Frame, field *data.Field) Series {
	s := Series{Name: field.Name, Labels: field.Labels.Copy()}
	for i := 0; i < field.Len(); i++ {
		s.Points = append(s.Points, floatAt(field, i))
	}
	return s
}

func floatAt(field *data.Field, i int) *float64 {
	v, err := field.NullableFloatAt(i)
	if err != nil || v == nil {
		return nil
	}
	return F(*v)
}

// Mode is a reduce mode: strict (no settings.mode), dropNN or replaceNN.
type Mode struct {
	Name    string // "", "dropNN" or "replaceNN"
	Replace float64
}

func nonNumber(v *float64) bool {
	return v == nil || math.IsNaN(*v) || math.IsInf(*v, 0)
}

// Reduce turns each series into one number, keeping its labels (Series.Reduce in reduce.go).
// A Number input passes through (mapped by the mode; dropNN drops a null); NoData stays NoData.
func Reduce(in Result, reducer string, mode Mode) (Result, error) {
	if in.NoData {
		return Result{NoData: true}, nil
	}
	fn, err := reduceFunc(reducer)
	if err != nil {
		return Result{}, err
	}
	var out Result
	for _, s := range in.Series {
		points := s.Points
		switch mode.Name {
		case "dropNN":
			points = nil
			for _, p := range s.Points {
				if !nonNumber(p) {
					points = append(points, p)
				}
			}
		case "replaceNN":
			points = make([]*float64, len(s.Points))
			for i, p := range s.Points {
				if nonNumber(p) {
					p = F(mode.Replace)
				}
				points[i] = p
			}
		}
		v := fn(points)
		if v != nil && math.IsNaN(*v) {
			switch mode.Name {
			case "dropNN":
				v = nil
			case "replaceNN":
				v = F(mode.Replace)
			}
		}
		out.Numbers = append(out.Numbers, Number{Labels: s.Labels.Copy(), Value: v})
	}
	for _, n := range in.Numbers {
		switch {
		case mode.Name == "dropNN" && nonNumber(n.Value):
			continue
		case mode.Name == "replaceNN" && nonNumber(n.Value):
			n.Value = F(mode.Replace)
		}
		out.Numbers = append(out.Numbers, n)
	}
	return out, nil
}

// reduceFunc gives Grafana's strict reducers: sum and mean are NaN with any null or NaN point,
// min and max too, and NaN when empty; count counts every point; last is the last point as it is.
func reduceFunc(name string) (func([]*float64) *float64, error) {
	nan := F(math.NaN())
	switch strings.ToLower(name) {
	case "sum":
		return func(ps []*float64) *float64 {
			sum := 0.0
			for _, p := range ps {
				if p == nil || math.IsNaN(*p) {
					return nan
				}
				sum += *p
			}
			return F(sum)
		}, nil
	case "mean":
		return func(ps []*float64) *float64 {
			sum := 0.0
			for _, p := range ps {
				if p == nil || math.IsNaN(*p) {
					return nan
				}
				sum += *p
			}
			return F(sum / float64(len(ps)))
		}, nil
	case "min", "max":
		isMax := strings.ToLower(name) == "max"
		return func(ps []*float64) *float64 {
			if len(ps) == 0 {
				return nan
			}
			best := math.Inf(1)
			if isMax {
				best = math.Inf(-1)
			}
			for _, p := range ps {
				if p == nil || math.IsNaN(*p) {
					return nan
				}
				if (isMax && *p > best) || (!isMax && *p < best) {
					best = *p
				}
			}
			return F(best)
		}, nil
	case "count":
		return func(ps []*float64) *float64 { return F(float64(len(ps))) }, nil
	case "last":
		return func(ps []*float64) *float64 {
			if len(ps) == 0 {
				return nan
			}
			return ps[len(ps)-1]
		}, nil
	}
	return nil, fmt.Errorf("reduction %v not implemented", name)
}

// Threshold gives 1 where a number passes the evaluator, else 0; null stays null (threshold.go).
func Threshold(in Result, evaluator string, params []float64) (Result, error) {
	need := map[string]int{"gt": 1, "lt": 1, "eq": 1, "ne": 1, "gte": 1, "lte": 1, "within_range": 2, "outside_range": 2, "within_range_included": 2, "outside_range_included": 2}
	n, ok := need[evaluator]
	if !ok {
		return Result{}, fmt.Errorf("invalid condition: expected threshold function to be one of [gt, lt, eq, ne, gte, lte, within_range, outside_range, within_range_included, outside_range_included], got %s", evaluator)
	}
	if len(params) != n {
		return Result{}, fmt.Errorf("invalid condition: incorrect number of arguments for threshold function '%s': got %d but need %d", evaluator, len(params), n)
	}
	if in.NoData {
		return Result{NoData: true}, nil
	}
	if len(in.Series) > 0 {
		return Result{}, fmt.Errorf("threshold over series is not imitated here: reduce first")
	}
	pass := func(v float64) bool {
		switch evaluator {
		case "gt":
			return v > params[0]
		case "lt":
			return v < params[0]
		case "eq":
			return v == params[0]
		case "ne":
			return v != params[0]
		case "gte":
			return v >= params[0]
		case "lte":
			return v <= params[0]
		case "within_range":
			return v > params[0] && v < params[1]
		case "outside_range":
			return v < params[0] || v > params[1]
		case "within_range_included":
			return v >= params[0] && v <= params[1]
		default: // outside_range_included
			return v <= params[0] || v >= params[1]
		}
	}
	out := Result{Numbers: make(Numbers, len(in.Numbers))}
	for i, num := range in.Numbers {
		out.Numbers[i] = Number{Labels: num.Labels}
		if num.Value != nil {
			out.Numbers[i].Value = F(boolean(pass(*num.Value)))
		}
	}
	return out, nil
}

func boolean(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// union pairs the numbers of two operands as (*State).union in exp.go does: equal labels, or one
// side without labels, or one label set containing the other (the bigger set is kept); label sets
// of the same size that differ never match. With no pair and one number on each side they join
// anyway, without labels.
func union(a, b Numbers) [][2]Number {
	var pairs [][2]Number
	for _, x := range a {
		for _, y := range b {
			labels, ok := matchLabels(x.Labels, y.Labels)
			if !ok {
				continue
			}
			pairs = append(pairs, [2]Number{{Labels: labels, Value: x.Value}, {Labels: labels, Value: y.Value}})
		}
	}
	if len(pairs) == 0 && len(a) == 1 && len(b) == 1 {
		pairs = append(pairs, [2]Number{{Value: a[0].Value}, {Value: b[0].Value}})
	}
	return pairs
}

func matchLabels(a, b data.Labels) (data.Labels, bool) {
	switch {
	case a.Equals(b) || len(b) == 0:
		return a, true
	case len(a) == 0:
		return b, true
	case len(a) == len(b):
		return nil, false
	case contains(a, b):
		return a, true
	case contains(b, a):
		return b, true
	}
	return nil, false
}

func contains(big, small data.Labels) bool {
	if len(big) < len(small) {
		return false
	}
	for k, v := range small {
		if bv, ok := big[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// binary applies op: null with anything is null, NaN with anything is NaN (after && and ||
// short-circuit on the left side), comparisons give 1 or 0.
func binary(a, b *float64, op string) *float64 {
	if a == nil || b == nil {
		return nil
	}
	switch op {
	case "&&":
		if *a == 0 {
			return F(0)
		}
	case "||":
		if *a != 0 && !math.IsNaN(*a) {
			return F(1)
		}
	}
	if math.IsNaN(*a) || math.IsNaN(*b) {
		return F(math.NaN())
	}
	x, y := *a, *b
	switch op {
	case "+":
		return F(x + y)
	case "-":
		return F(x - y)
	case "*":
		return F(x * y)
	case "/":
		return F(x / y)
	case "%":
		return F(math.Mod(x, y))
	case ">":
		return F(boolean(x > y))
	case ">=":
		return F(boolean(x >= y))
	case "<":
		return F(boolean(x < y))
	case "<=":
		return F(boolean(x <= y))
	case "==":
		return F(boolean(x == y))
	case "!=":
		return F(boolean(x != y))
	case "&&":
		return F(boolean(x != 0 && y != 0))
	default: // ||
		return F(boolean(x != 0 || y != 0))
	}
}

// join evaluates op over two operands. No values on a side gives no values; a side that is a
// single NoData makes the result NoData.
func join(left, right Result, op string) (Result, error) {
	if len(left.Series) > 0 || len(right.Series) > 0 {
		return Result{}, fmt.Errorf("math over series is not imitated here: reduce first")
	}
	if left.NoData || right.NoData {
		return Result{NoData: true}, nil
	}
	var out Result
	for _, p := range union(left.Numbers, right.Numbers) {
		out.Numbers = append(out.Numbers, Number{Labels: p[0].Labels, Value: binary(p[0].Value, p[1].Value, op)})
	}
	sort.SliceStable(out.Numbers, func(i, j int) bool { return out.Numbers[i].Labels.String() < out.Numbers[j].Labels.String() })
	return out, nil
}

// State is an alert instance's evaluation state.
type State string

// The states of evaluateExecutionResult.
const (
	Normal   State = "Normal"
	Alerting State = "Alerting"
	NoData   State = "NoData"
	Error    State = "Error"
)

// Instance is one alert instance: its labels and state.
type Instance struct {
	Labels data.Labels
	State  State
	Error  string
}

// States turns the condition's result into alert instances as evaluateExecutionResult does:
// null is NoData, 0 is Normal, anything else (NaN too) is Alerting; a time series cannot be the
// condition; two results with the same labels make one Error.
func States(condition Result) []Instance {
	if condition.NoData {
		return []Instance{{State: NoData}}
	}
	if len(condition.Series) > 0 {
		return []Instance{{State: Error, Error: "invalid format of evaluation results for the alert definition: looks like time series data, only reduced data can be alerted on."}}
	}
	if len(condition.Numbers) == 0 {
		return []Instance{{State: NoData}}
	}
	seen := map[string]bool{}
	var out []Instance
	for _, n := range condition.Numbers {
		key := n.Labels.String()
		if seen[key] {
			return []Instance{{State: Error, Error: fmt.Sprintf("frame cannot uniquely be identified by its labels: has duplicate results with labels %s", key)}}
		}
		seen[key] = true
		state := Alerting
		switch {
		case n.Value == nil:
			state = NoData
		case *n.Value == 0:
			state = Normal
		}
		out = append(out, Instance{Labels: n.Labels, State: state})
	}
	return out
}
