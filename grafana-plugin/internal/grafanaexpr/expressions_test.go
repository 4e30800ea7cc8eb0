package grafanaexpr

import (
	"math"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func series(user string, values ...float64) *data.Frame {
	times := make([]time.Time, len(values))
	for i := range values {
		times[i] = time.Unix(int64(i*60), 0)
	}
	return data.NewFrame(user, data.NewField("time", nil, times), data.NewField("events", data.Labels{"user": user}, values))
}

func TestReduceThresholdAndMath(t *testing.T) {
	events, err := Reduce(data.Frames{series("a", 1, 2, 3), series("b", 10, 20, 30)}, "sum")
	if err != nil || events[0].Value != 6 || events[1].Value != 60 || events[1].Labels["user"] != "b" {
		t.Fatalf("sum: %v %v", events, err)
	}
	errors, _ := Reduce(data.Frames{series("a", 0, 3, 0), series("b", 0, 0, 0)}, "sum")
	ratio, err := Math("($D >= 20) * ($C / ($D + ($D == 0)))", map[string]Numbers{"C": errors, "D": events})
	if err != nil {
		t.Fatal(err)
	}
	// a has 6 calls (< 20): 0. b: 0 errors of 60: 0.
	if ratio[0].Value != 0 || ratio[1].Value != 0 {
		t.Fatalf("ratio %v", ratio)
	}
	hot, _ := Math("$C / $D", map[string]Numbers{"C": errors, "D": events})
	if hot[0].Value != 0.5 {
		t.Fatalf("3/6 = %v", hot[0].Value)
	}
	fired, err := Threshold(events, "gt", []float64{50})
	if err != nil || fired[0].Value != 0 || fired[1].Value != 1 {
		t.Fatalf("threshold %v %v", fired, err)
	}
	scalar, _ := Math("$A * 2 + 1", map[string]Numbers{"A": events})
	if scalar[1].Value != 121 {
		t.Fatalf("scalar math %v", scalar)
	}
}

func TestEdges(t *testing.T) {
	mean, _ := Reduce(data.Frames{series("a")}, "mean")
	if !math.IsNaN(mean[0].Value) {
		t.Fatal("mean of nothing is NaN")
	}
	if _, err := Math("$A +", map[string]Numbers{"A": nil}); err == nil {
		t.Fatal("a dangling operator is an error")
	}
	if _, err := Math("$Z", nil); err == nil {
		t.Fatal("an unknown variable is an error")
	}
	if _, err := Reduce(data.Frames{series("a", 1)}, "median"); err == nil {
		t.Fatal("unsupported reducers are refused, not guessed")
	}
}
