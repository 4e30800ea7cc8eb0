package grafanaexpr

// Each test encodes a rule read in Grafana's source (grafana/grafana 12.x; the file is named
// beside the test), so the kit cannot drift into what we wish Grafana did.

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func multi(user string, values ...*float64) *data.Frame {
	times := make([]time.Time, len(values))
	for i := range values {
		times[i] = time.Unix(int64(i*60), 0)
	}
	f := data.NewFrame(user, data.NewField("time", nil, times), data.NewField("events", data.Labels{"user": user, "name": strings.ToUpper(user)}, values))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	return f
}

func fs(vs ...float64) []*float64 {
	out := make([]*float64, len(vs))
	for i, v := range vs {
		out[i] = F(v)
	}
	return out
}

func value(t *testing.T, n Number) float64 {
	t.Helper()
	if n.Value == nil {
		t.Fatalf("%v: null, want a number", n.Labels)
	}
	return *n.Value
}

func series(t *testing.T, frames ...*data.Frame) Result {
	t.Helper()
	r, err := Convert(frames)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pkg/expr/converter.go + dataplane.go, grafana/dataplane sdata/timeseries/multi.go: a
// timeseries-multi answer is one series per frame, labelled by its value field.
func TestConvertDataplaneTimeSeriesMulti(t *testing.T) {
	r := series(t, multi("a", fs(1, 2)...), multi("b", fs(3)...))
	if len(r.Series) != 2 || r.Series[1].Labels["user"] != "b" || r.Series[1].Labels["name"] != "B" || len(r.Series[0].Points) != 2 {
		t.Fatalf("%+v", r)
	}
	// No frames, or a first frame without fields: no data.
	if r, _ := Convert(nil); !r.NoData {
		t.Fatal("no frames is NoData")
	}
	empty := data.NewFrame("")
	empty.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	if r, _ := Convert(data.Frames{empty}); !r.NoData {
		t.Fatal("an empty first frame is NoData")
	}
	noTime := data.NewFrame("x", data.NewField("v", nil, []float64{1}))
	noTime.Meta = empty.Meta
	if _, err := Convert(data.Frames{noTime}); err == nil || err.Error() != "frame 0 is missing a []time.Time field" {
		t.Fatalf("dataplane refuses a series without time: %v", err)
	}
}

func numeric(name string, labels data.Labels, values any) *data.Frame {
	f := data.NewFrame(name, data.NewField("events", labels, values))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	return f
}

// pkg/expr/dataplane.go handleDataplaneNumeric over grafana/dataplane sdata/numeric/multi.go
// (validateAndGetRefsMulti), numeric.go (MetricRef.NullableFloat64Value) and
// pkg/expr/mathexp/types.go (NumberFromRef): a numeric-multi answer is one number per frame, from
// its first value field, labelled by that field.
func TestConvertDataplaneNumericMulti(t *testing.T) {
	r := series(t,
		numeric("Ada", data.Labels{"user": "a", "name": "Ada"}, []float64{600}),
		numeric("b", data.Labels{"user": "b", "name": "b"}, []*float64{nil}),
		numeric("c", data.Labels{"user": "c", "name": "c"}, []int64{7}),
	)
	if len(r.Numbers) != 3 || len(r.Series) != 0 || r.NoData {
		t.Fatalf("one number per frame: %+v", r)
	}
	if r.Numbers[0].Labels["user"] != "a" || r.Numbers[0].Labels["name"] != "Ada" || value(t, r.Numbers[0]) != 600 || r.Numbers[1].Value != nil || value(t, r.Numbers[2]) != 7 {
		t.Fatalf("labels from the value field, values as sent: %+v", r.Numbers)
	}
	// The number is the first value field; a string field before it is no label and no value.
	twoFields := data.NewFrame("", data.NewField("user", nil, []string{"a"}), data.NewField("up", data.Labels{"user": "a"}, []bool{true}), data.NewField("n", nil, []float64{5}))
	twoFields.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	if r := series(t, twoFields); len(r.Numbers) != 1 || value(t, r.Numbers[0]) != 1 || len(r.Numbers[0].Labels) != 1 {
		t.Fatalf("bool is a value field (sdata.ValidValueFields), the first one counts: %+v", r.Numbers)
	}
	// A field of more (or fewer) than one row is a null number, not its first row.
	if r := series(t, numeric("", data.Labels{"user": "a"}, []float64{1, 2})); len(r.Numbers) != 1 || r.Numbers[0].Value != nil {
		t.Fatalf("two rows: %+v", r.Numbers)
	}
	if r := series(t, numeric("", nil, []float64{})); len(r.Numbers) != 1 || r.Numbers[0].Value != nil {
		t.Fatalf("no row: %+v", r.Numbers)
	}
	// A frame with no value field adds no number.
	onlyText := data.NewFrame("", data.NewField("user", nil, []string{"a"}))
	onlyText.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	if r := series(t, numeric("", data.Labels{"user": "a"}, []float64{3}), onlyText); len(r.Numbers) != 1 {
		t.Fatalf("frame without a value field: %+v", r.Numbers)
	}
	// A first frame without fields is no data, whatever follows.
	empty := data.NewFrame("Per user")
	empty.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	if r := series(t, empty, numeric("", data.Labels{"user": "a"}, []float64{3})); !r.NoData {
		t.Fatalf("empty first frame: %+v", r)
	}
	// Every frame must be numeric-multi.
	if _, err := Convert(data.Frames{numeric("", nil, []float64{1}), multi("a", F(1))}); err == nil || err.Error() != `frame has wrong type, expected NumericMulti but got "timeseries-multi"` {
		t.Fatalf("a mixed answer is refused: %v", err)
	}
	// One unlabelled number (a totals query with a metric) is one instance without labels.
	one := series(t, numeric("Totals", nil, []float64{90_001}))
	if states := States(one); len(states) != 1 || states[0].State != Alerting || len(states[0].Labels) != 0 {
		t.Fatalf("one unlabelled number: %+v", states)
	}
}

// pkg/expr/converter.go: one frame that is not a time series, with one numeric field and string
// fields only, is a set of numbers labelled by the strings; other long frames are refused.
func TestConvertNumberTableAndLongFrames(t *testing.T) {
	table := data.NewFrame("", data.NewField("user", nil, []string{"a", "b"}), data.NewField("total", nil, []float64{5, 7}))
	r := series(t, table)
	if len(r.Numbers) != 2 || r.Numbers[1].Labels["user"] != "b" || value(t, r.Numbers[1]) != 7 {
		t.Fatalf("%+v", r)
	}
	long := data.NewFrame("", data.NewField("time", nil, []time.Time{time.Unix(0, 0), time.Unix(0, 0)}), data.NewField("user", nil, []string{"a", "b"}), data.NewField("v", nil, []float64{1, 2}))
	if _, err := Convert(data.Frames{long}); err == nil || !strings.Contains(err.Error(), "input data must be a wide series") {
		t.Fatalf("long frames are refused: %v", err)
	}
}

// pkg/expr/mathexp/reduce.go: strict mode.
func TestReduceStrict(t *testing.T) {
	in := Result{Series: []Series{{Labels: data.Labels{"user": "a"}, Points: []*float64{F(1), nil, F(2)}}, {Labels: data.Labels{"user": "b"}}}}
	for reducer, want := range map[string][2]float64{
		// [with a null point, empty]
		"sum":   {math.NaN(), 0},
		"mean":  {math.NaN(), math.NaN()},
		"min":   {math.NaN(), math.NaN()},
		"max":   {math.NaN(), math.NaN()},
		"count": {3, 0},
	} {
		r, err := Reduce(in, reducer, Mode{})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			got := value(t, r.Numbers[i])
			if !(got == w || (math.IsNaN(got) && math.IsNaN(w))) {
				t.Errorf("%s[%d] = %v, want %v", reducer, i, got, w)
			}
		}
	}
	// last keeps a null last point as null.
	r, _ := Reduce(Result{Series: []Series{{Points: []*float64{F(1), nil}}}}, "last", Mode{})
	if r.Numbers[0].Value != nil {
		t.Fatal("last of [1, null] is null")
	}
	if _, err := Reduce(in, "median", Mode{}); err == nil || err.Error() != "reduction median not implemented" {
		t.Fatalf("unknown reducer: %v", err)
	}
}

// reduce.go mappers: dropNN drops null/NaN/Inf and turns a NaN result into null; replaceNN
// replaces them and a NaN result with the value.
func TestReduceModes(t *testing.T) {
	in := Result{Series: []Series{
		{Labels: data.Labels{"user": "a"}, Points: []*float64{F(1), nil, F(math.NaN()), F(math.Inf(1)), F(2)}},
		{Labels: data.Labels{"user": "b"}, Points: []*float64{nil}},
	}}
	drop, _ := Reduce(in, "sum", Mode{Name: "dropNN"})
	if value(t, drop.Numbers[0]) != 3 || value(t, drop.Numbers[1]) != 0 {
		t.Fatalf("dropNN sum: %+v", drop.Numbers)
	}
	dropMean, _ := Reduce(in, "mean", Mode{Name: "dropNN"})
	if dropMean.Numbers[1].Value != nil {
		t.Fatal("dropNN mean of nothing is null, not NaN")
	}
	replace, _ := Reduce(in, "sum", Mode{Name: "replaceNN", Replace: 10})
	if value(t, replace.Numbers[0]) != 33 || value(t, replace.Numbers[1]) != 10 {
		t.Fatalf("replaceNN sum: %+v", replace.Numbers)
	}
}

// pkg/expr/commands.go UnmarshalReduceCommand: strict is no mode at all; the word "strict" is refused.
func TestReduceCommandSettings(t *testing.T) {
	for _, c := range []struct {
		model map[string]any
		err   string
	}{
		{map[string]any{"type": "reduce", "expression": "A", "reducer": "sum"}, ""},
		{map[string]any{"type": "reduce", "expression": "$A", "reducer": "sum", "settings": map[string]any{"mode": "dropNN"}}, ""},
		{map[string]any{"type": "reduce", "expression": "A", "reducer": "sum", "settings": map[string]any{"mode": "strict"}}, "reducer mode 'strict' is not supported. Supported only: [dropNN,replaceNN]"},
		{map[string]any{"type": "reduce", "expression": "A", "reducer": "sum", "settings": map[string]any{"mode": "replaceNN"}}, "setting replaceWithValue must be specified when mode is 'replaceNN'"},
		{map[string]any{"type": "reduce", "expression": "A", "reducer": "sum", "settings": map[string]any{"mode": "replaceNN", "replaceWithValue": "0"}}, "setting replaceWithValue must be a number, got string"},
		{map[string]any{"type": "reduce", "reducer": "sum"}, "no expression ID is specified to reduce. Must be a reference to an existing query or expression"},
		{map[string]any{"type": "reduce", "expression": "A"}, "no reducer specified"},
		{map[string]any{"type": "nope"}, "'nope' is not a recognized expression type"},
	} {
		_, err := ParseCommand("B", c.model)
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
			t.Errorf("%v: got %v, want %q", c.model, err, c.err)
		}
	}
}

// pkg/expr/mathexp/exp.go (*State).union: which label sets a binary operator pairs.
func TestMathLabelMatching(t *testing.T) {
	n := func(v float64, kv ...string) Number {
		l := data.Labels{}
		for i := 0; i+1 < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return Number{Labels: l, Value: F(v)}
	}
	a := Result{Numbers: Numbers{n(1, "user", "a"), n(2, "user", "b")}}
	// Equal labels pair.
	r, _ := Math("$A + $B", map[string]Result{"A": a, "B": {Numbers: Numbers{n(10, "user", "b"), n(20, "user", "a")}}})
	if len(r.Numbers) != 2 || value(t, r.Numbers[0]) != 21 || value(t, r.Numbers[1]) != 12 {
		t.Fatalf("equal labels: %+v", r.Numbers)
	}
	// A subset pairs, and the bigger label set is kept.
	r, _ = Math("$A * $B", map[string]Result{"A": a, "B": {Numbers: Numbers{n(3, "user", "a", "name", "Ada")}}})
	if len(r.Numbers) != 1 || r.Numbers[0].Labels["name"] != "Ada" || value(t, r.Numbers[0]) != 3 {
		t.Fatalf("subset: %+v", r.Numbers)
	}
	// Same size, different labels: no pair (the error ratio rule relies on its two queries
	// labelling a user identically).
	r, _ = Math("$A + $B", map[string]Result{"A": a, "B": {Numbers: Numbers{n(1, "org", "x"), n(1, "org", "y")}}})
	if len(r.Numbers) != 0 {
		t.Fatalf("different labels must not pair: %+v", r.Numbers)
	}
	// One number on each side joins anyway, without labels.
	r, _ = Math("$A + $B", map[string]Result{"A": {Numbers: Numbers{n(1, "user", "a")}}, "B": {Numbers: Numbers{n(2, "org", "x")}}})
	if len(r.Numbers) != 1 || len(r.Numbers[0].Labels) != 0 || value(t, r.Numbers[0]) != 3 {
		t.Fatalf("1x1: %+v", r.Numbers)
	}
	// A constant pairs with every number.
	r, _ = Math("($A >= 2) * 5", map[string]Result{"A": a})
	if value(t, r.Numbers[0]) != 0 || value(t, r.Numbers[1]) != 5 {
		t.Fatalf("constant: %+v", r.Numbers)
	}
}

// exp.go binary operators: null is null, NaN is NaN, comparisons are 1 or 0, && and || look at
// the left side first.
func TestMathValues(t *testing.T) {
	vars := map[string]Result{"N": {Numbers: Numbers{{Value: nil}}}, "X": {Numbers: Numbers{{Value: F(math.NaN())}}}, "Z": {Numbers: Numbers{{Value: F(0)}}}}
	if r, _ := Math("$N + 1", vars); r.Numbers[0].Value != nil {
		t.Error("null + 1 is null")
	}
	if r, _ := Math("$X > 1", vars); !math.IsNaN(value(t, r.Numbers[0])) {
		t.Error("NaN > 1 is NaN")
	}
	if r, _ := Math("$Z && $X", vars); value(t, r.Numbers[0]) != 0 {
		t.Error("0 && NaN is 0")
	}
	if r, _ := Math("$Z / $Z", vars); !math.IsNaN(value(t, r.Numbers[0])) {
		t.Error("0/0 is NaN")
	}
	if _, err := Math("$A +", vars); err == nil {
		t.Error("a dangling operator is an error")
	}
	if _, err := Math("$Q", vars); err == nil {
		t.Error("an unknown variable is an error")
	}
	if r, _ := Math("$A + 1", map[string]Result{"A": {NoData: true}}); !r.NoData {
		t.Error("NoData in, NoData out")
	}
}

// pkg/expr/threshold.go: every evaluator type, parameter counts, null stays null.
func TestThreshold(t *testing.T) {
	in := Result{Numbers: Numbers{{Value: F(5)}, {Value: F(10)}, {Value: nil}, {Value: F(math.NaN())}}}
	for evaluator, c := range map[string]struct {
		params []float64
		want   [4]float64 // -1: null
	}{
		"gt":                     {[]float64{5}, [4]float64{0, 1, -1, 0}},
		"lt":                     {[]float64{10}, [4]float64{1, 0, -1, 0}},
		"eq":                     {[]float64{5}, [4]float64{1, 0, -1, 0}},
		"ne":                     {[]float64{5}, [4]float64{0, 1, -1, 1}},
		"gte":                    {[]float64{10}, [4]float64{0, 1, -1, 0}},
		"lte":                    {[]float64{5}, [4]float64{1, 0, -1, 0}},
		"within_range":           {[]float64{5, 10}, [4]float64{0, 0, -1, 0}},
		"within_range_included":  {[]float64{5, 10}, [4]float64{1, 1, -1, 0}},
		"outside_range":          {[]float64{5, 10}, [4]float64{0, 0, -1, 0}},
		"outside_range_included": {[]float64{5, 10}, [4]float64{1, 1, -1, 0}},
	} {
		r, err := Threshold(in, evaluator, c.params)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			got := r.Numbers[i].Value
			if (w == -1) != (got == nil) || (got != nil && *got != w) {
				t.Errorf("%s[%d]: %v, want %v", evaluator, i, got, w)
			}
		}
	}
	if _, err := Threshold(in, "within_range", []float64{1}); err == nil || err.Error() != "invalid condition: incorrect number of arguments for threshold function 'within_range': got 1 but need 2" {
		t.Errorf("argument count: %v", err)
	}
	if _, err := Threshold(in, "above", []float64{1}); err == nil || !strings.HasPrefix(err.Error(), "invalid condition: expected threshold function to be one of [gt, lt,") {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := ParseCommand("C", map[string]any{"type": "threshold", "expression": "B", "conditions": []any{}}); err == nil || err.Error() != "threshold expression requires exactly one condition" {
		t.Errorf("conditions: %v", err)
	}
}

// pkg/services/ngalert/eval/eval.go evaluateExecutionResult: the condition's value per instance.
func TestStates(t *testing.T) {
	states := States(Result{Numbers: Numbers{
		{Labels: data.Labels{"user": "a"}, Value: nil},
		{Labels: data.Labels{"user": "b"}, Value: F(0)},
		{Labels: data.Labels{"user": "c"}, Value: F(1)},
		{Labels: data.Labels{"user": "d"}, Value: F(math.NaN())},
		{Labels: data.Labels{"user": "e"}, Value: F(-2)},
	}})
	want := []State{NoData, Normal, Alerting, Alerting, Alerting}
	for i, s := range states {
		if s.State != want[i] {
			t.Errorf("%v: %s, want %s", s.Labels, s.State, want[i])
		}
	}
	dup := States(Result{Numbers: Numbers{{Labels: data.Labels{"user": "a"}, Value: F(1)}, {Labels: data.Labels{"user": "a"}, Value: F(0)}}})
	if len(dup) != 1 || dup[0].State != Error || !strings.Contains(dup[0].Error, "has duplicate results with labels") {
		t.Errorf("duplicate labels: %+v", dup)
	}
	if s := States(Result{Series: []Series{{}}}); s[0].State != Error || !strings.Contains(s[0].Error, "only reduced data can be alerted on") {
		t.Errorf("a series as condition: %+v", s)
	}
	if s := States(Result{NoData: true}); s[0].State != NoData {
		t.Errorf("no data: %+v", s)
	}
}
