package converters

import (
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

// LimitsFrames are the worker's recommendations as two tables: the limits per event (what users did,
// what is recommended, what is configured), and the users over a limit. A table panel shows one of
// them by its frameIndex option, so both panels of a dashboard ask the same query (and read).
func LimitsFrames(l *usage.Limits) data.Frames {
	n := len(l.Events)
	events := make([]string, n)
	columns := make([][]float64, 13)
	for i := range columns {
		columns[i] = make([]float64, n)
	}
	for i, e := range l.Events {
		events[i] = eventLabel(e.Event)
		for j, v := range []float64{
			e.Users,
			e.Day.P50, e.Day.P90, e.Day.P99, e.Day.Max,
			e.Minute.P50, e.Minute.P90, e.Minute.P99, e.Minute.Max,
			e.Recommended.PerMinute, e.Recommended.PerDay,
			e.Configured.PerMinute.Standard, e.Configured.PerMinute.High,
		} {
			columns[j][i] = v
		}
	}
	headroom := fmt.Sprintf("%g", l.Headroom)
	perEvent := data.NewFrame("Limits per event", data.NewField("Event", nil, events))
	for j, name := range []string{
		"Users",
		"Day p50", "Day p90", "Day p99", "Day max",
		"Minute p50", "Minute p90", "Minute p99", "Minute max",
		"Recommended per minute", "Recommended per day",
		"Configured per minute (standard)", "Configured per minute (high)",
	} {
		perEvent.Fields = append(perEvent.Fields, data.NewField(name, nil, columns[j]))
	}
	describe := func(name, text string) {
		if f, _ := perEvent.FieldByName(name); f != nil {
			f.Config = &data.FieldConfig{Description: text}
		}
	}
	describe("Users", "Users who made at least one call of the event in the period")
	for _, q := range []string{"p50", "p90", "p99", "max"} {
		describe("Day "+q, q+" of a user's calls on a day they were active")
		describe("Minute "+q, q+" of a user's calls in the busiest minute of a day they were active")
	}
	describe("Recommended per minute", "Minute p99 × headroom "+headroom+", rounded up, never below the floor")
	describe("Recommended per day", "Day p99 × headroom "+headroom+", rounded up, never below the floor")
	describe("Configured per minute (standard)", "What the worker enforces per user and minute for the standard tier")
	describe("Configured per minute (high)", "What the worker enforces per user and minute for the high tier")
	mode := ""
	if l.Mode != "" {
		mode = fmt.Sprintf("; the worker's limits mode is %s", l.Mode)
	}
	perEvent.Meta = &data.FrameMeta{Notices: []data.Notice{{
		Severity: data.NoticeSeverityInfo,
		Text:     fmt.Sprintf("Recommended from %s to %s (%s), headroom %s× over the 99th percentile%s", l.Window.From, l.Window.To, l.Dataset, headroom, mode),
	}}}

	m := len(l.UsersOver)
	names, ids, tiers, overEvents := make([]string, m), make([]string, m), make([]string, m), make([]string, m)
	minutesConfigured, callsConfigured, daysRecommended, minutesRecommended := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	for i, u := range l.UsersOver {
		names[i], ids[i], tiers[i], overEvents[i] = u.Label(), u.ID, u.Tier, eventLabel(u.Event)
		minutesConfigured[i], callsConfigured[i] = u.MinutesOverConfigured, u.CallsOverConfigured
		daysRecommended[i], minutesRecommended[i] = u.DaysOverRecommended, u.MinutesOverRecommended
	}
	usersOver := data.NewFrame("Users over the limit",
		data.NewField("User", nil, names),
		data.NewField("User ID", nil, ids),
		data.NewField("Tier", nil, tiers),
		data.NewField("Event", nil, overEvents),
		data.NewField("Minutes over (configured)", nil, minutesConfigured),
		data.NewField("Calls over (configured)", nil, callsConfigured),
		data.NewField("Days over (recommended)", nil, daysRecommended),
		data.NewField("Minutes over (recommended)", nil, minutesRecommended),
	)
	return data.Frames{perEvent, usersOver}
}

func eventLabel(event string) string {
	if label := contract.EventLabels[event]; label != "" {
		return label
	}
	return event
}
