// Package schema is the Go home of Usage Lens's event schema and Analytics Engine facts. The
// TypeScript home is worker/src/analytics/schema.ts; schema_test.go fails when the two disagree.
package schema

// Events are the tracked events, in the order the per-user table shows them.
var Events = []string{"sync", "sync_auth", "auth", "chat", "ingest"}

// EventLabels are the column and legend titles of the events.
var EventLabels = map[string]string{
	"sync":      "Sync",
	"sync_auth": "Sync auth",
	"auth":      "Auth",
	"chat":      "Chat",
	"ingest":    "Ingest",
}

// Columns say where each field of a usage event is stored in AE's table.
var Columns = map[string]string{
	"userId": "index1",
	"event":  "blob1",
	"orgId":  "blob2",
	"status": "double1",
}

// Datasets are AE dataset names by deployment.
var Datasets = map[string]string{
	"production": "usage_analytics",
	"staging":    "usage_analytics_staging",
}

// Pricing holds AE's published limits and prices, used to put usage in cost terms.
var Pricing = struct {
	FreeWritesPerDay           float64
	PaidIncludedWritesPerMonth float64
	PaidUSDPerMillionWrites    float64
}{
	FreeWritesPerDay:           100_000,
	PaidIncludedWritesPerMonth: 10_000_000,
	PaidUSDPerMillionWrites:    0.25,
}

// IsEvent reports whether name is a tracked event.
func IsEvent(name string) bool {
	for _, e := range Events {
		if e == name {
			return true
		}
	}
	return false
}
