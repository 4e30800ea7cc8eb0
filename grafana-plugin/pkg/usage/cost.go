package usage

import "github.com/usagelens/analytics/pkg/contract"

// What writes cost, the contract's rule (contract/src/analytics-engine.ts monthlyFromWindow,
// monthlyWritesCostUsd, userCost), pinned by testdata/cost.json, which the worker's tests run too:
// one tracked call is one AE write; a window's writes are projected over a month of 30 days at the
// same rate; the paid plan bills the writes past those it includes; each user carries the account's
// bill in proportion to what they wrote.

// MonthlyFromWindow is a window's writes as a month (30 days) of the same rate. It multiplies before
// it divides (the contract divides first: the same up to the last bit), so whole numbers of writes
// a day stay whole: 23 writes in a day are 690 a month, not 690.0000000000001.
func MonthlyFromWindow(writes, windowSeconds float64) float64 {
	if windowSeconds <= 0 {
		return 0
	}
	return writes * 30 * 86_400 / windowSeconds
}

// MonthlyWritesCostUSD is what a month of writes costs on the paid plan, past the writes it includes.
func MonthlyWritesCostUSD(monthlyWrites float64) float64 {
	billable := max(0, monthlyWrites-contract.Pricing.PaidIncludedWritesPerMonth)
	return billable / 1_000_000 * contract.Pricing.PaidUSDPerMillionWrites
}

// Cost is one user's part of the account's writes and of their monthly cost.
type Cost struct {
	// Share of the window's writes, 0 to 1.
	Share float64 `json:"share"`
	// MonthlyWrites are the user's writes projected over a month.
	MonthlyWrites float64 `json:"monthlyWrites"`
	// MonthlyUSD is the user's share of the account's projected monthly cost.
	MonthlyUSD float64 `json:"monthlyUsd"`
}

// UserCost is the cost of userWrites of a window of windowSeconds in which the account made
// totalWrites.
func UserCost(userWrites, totalWrites, windowSeconds float64) Cost {
	share := 0.0
	if totalWrites > 0 {
		share = userWrites / totalWrites
	}
	return Cost{
		Share:         share,
		MonthlyWrites: MonthlyFromWindow(userWrites, windowSeconds),
		MonthlyUSD:    share * MonthlyWritesCostUSD(MonthlyFromWindow(totalWrites, windowSeconds)),
	}
}
