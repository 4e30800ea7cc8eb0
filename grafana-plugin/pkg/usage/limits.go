package usage

import (
	"context"
	"time"
)

// Limits are the worker's recommendations (GET /api/admin/limits, limits spec): per event, what
// users did on their active days (the day's calls and its busiest minute, as percentiles), the
// per-minute and per-day limits recommended from that, the per-minute limits configured for each
// tier; and the users who went over them. Only the worker can answer: configured limits and tiers
// live in the app, and the distributions need nested aggregation that only the worker's reads ask.
type Limits struct {
	// Window is the period's whole UTC days, ending at today's midnight (the worker leaves the
	// running day out: it would enter the day distributions as a low total).
	Window struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"window"`
	Dataset string `json:"dataset"`
	// Mode is the worker's LIMITS_MODE: off, observe or enforce.
	Mode      string          `json:"mode"`
	Headroom  float64         `json:"headroom"`
	Events    []EventLimits   `json:"events"`
	UsersOver []UserOverLimit `json:"usersOver"`
}

// Percentiles of a distribution over active user-days.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// EventLimits is one event's row of the recommendations.
type EventLimits struct {
	Event    string  `json:"event"`
	Class    string  `json:"class"`
	Users    float64 `json:"users"`
	UserDays float64 `json:"userDays"`
	// Day is the distribution of a user-day's calls; Minute of its busiest minute's.
	Day         Percentiles `json:"day"`
	Minute      Percentiles `json:"minute"`
	Recommended struct {
		PerMinute float64 `json:"perMinute"`
		PerDay    float64 `json:"perDay"`
	} `json:"recommended"`
	Configured struct {
		PerMinute struct {
			Standard float64 `json:"standard"`
			High     float64 `json:"high"`
		} `json:"perMinute"`
	} `json:"configured"`
}

// UserOverLimit is a user who went over a limit of an event: the recommended per-day and
// per-minute limits, and the per-minute limit configured for the user's tier.
type UserOverLimit struct {
	ID                            string  `json:"id"`
	Name                          *string `json:"name"`
	Email                         *string `json:"email"`
	Tier                          string  `json:"tier"`
	Event                         string  `json:"event"`
	DaysOverRecommended           float64 `json:"daysOverRecommended"`
	CallsOverRecommendedPerDay    float64 `json:"callsOverRecommendedPerDay"`
	MinutesOverRecommended        float64 `json:"minutesOverRecommended"`
	CallsOverRecommendedPerMinute float64 `json:"callsOverRecommendedPerMinute"`
	MinutesOverConfigured         float64 `json:"minutesOverConfigured"`
	CallsOverConfigured           float64 `json:"callsOverConfigured"`
}

// Label is the user's name, else the id.
func (u UserOverLimit) Label() string { return label(u.Name, u.ID) }

// LimitsParams ask for recommendations over the last Period (LimitsPeriod), with Headroom over the
// 99th percentile (0: the worker's default), for Events (none: all).
type LimitsParams struct {
	Period   string
	Headroom float64
	Events   []string
}

// The periods the worker recommends from (contract RECOMMENDATION.periods).
const (
	LimitsWeek  = "7d"
	LimitsMonth = "30d"
)

// LimitsPeriod is the period a dashboard range asks recommendations for: a range of up to 7 days
// the last week, a longer one the last 30 days.
func LimitsPeriod(span time.Duration) string {
	if span <= 7*24*time.Hour {
		return LimitsWeek
	}
	return LimitsMonth
}

// LimitsReader answers recommendations: the worker does; AE's SQL API (sql mode) cannot.
type LimitsReader interface {
	Limits(ctx context.Context, p LimitsParams) (*Limits, error)
}
