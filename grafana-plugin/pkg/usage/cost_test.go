package usage

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// The Go formula is the contract's: every case of contract/fixtures/cost.json (copied to
// testdata/cost.json by the contract's generator), which the worker's tests run too.
func TestCostIsTheContractsRule(t *testing.T) {
	raw, err := os.ReadFile("testdata/cost.json")
	must(t, err)
	var fixtures struct {
		Cases []struct {
			Name          string  `json:"name"`
			WindowSeconds float64 `json:"windowSeconds"`
			TotalWrites   float64 `json:"totalWrites"`
			UserWrites    float64 `json:"userWrites"`
			Result        struct {
				AccountMonthlyWrites float64 `json:"accountMonthlyWrites"`
				AccountMonthlyUSD    float64 `json:"accountMonthlyUsd"`
				Share                float64 `json:"share"`
				UserMonthlyWrites    float64 `json:"userMonthlyWrites"`
				UserMonthlyUSD       float64 `json:"userMonthlyUsd"`
			} `json:"result"`
		} `json:"cases"`
	}
	must(t, json.Unmarshal(raw, &fixtures))
	if len(fixtures.Cases) < 3 {
		t.Fatalf("%d cost cases", len(fixtures.Cases))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, c := range fixtures.Cases {
		t.Run(c.Name, func(t *testing.T) {
			monthly := MonthlyFromWindow(c.TotalWrites, c.WindowSeconds)
			got := UserCost(c.UserWrites, c.TotalWrites, c.WindowSeconds)
			if !near(monthly, c.Result.AccountMonthlyWrites) || !near(MonthlyWritesCostUSD(monthly), c.Result.AccountMonthlyUSD) ||
				!near(got.Share, c.Result.Share) || !near(got.MonthlyWrites, c.Result.UserMonthlyWrites) || !near(got.MonthlyUSD, c.Result.UserMonthlyUSD) {
				t.Fatalf("account %v writes $%v, user %+v; want %+v", monthly, MonthlyWritesCostUSD(monthly), got, c.Result)
			}
		})
	}
}
