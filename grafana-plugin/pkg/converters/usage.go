// Package converters turns usage answers and AE SQL results into Grafana data frames: numeric,
// typed and labelled, so that tables render, time series plot, and alert rules evaluate one
// series per user.
package converters

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

// UsersFrame is the seed's per-user table: User (name), User ID, Total, then one column per event
// in the seed's order. topN > 0 keeps the busiest users.
func UsersFrame(r *usage.Report, topN int) *data.Frame {
	users := r.Users
	if topN > 0 && len(users) > topN {
		users = users[:topN]
	}
	names := make([]string, len(users))
	ids := make([]string, len(users))
	totals := make([]float64, len(users))
	perEvent := make([][]float64, len(contract.Events))
	for i := range perEvent {
		perEvent[i] = make([]float64, len(users))
	}
	for i, u := range users {
		names[i] = u.Label()
		ids[i] = u.ID
		totals[i] = u.Total
		for j, e := range contract.Events {
			perEvent[j][i] = u.Events[e]
		}
	}
	frame := data.NewFrame("Usage by user",
		data.NewField("User", nil, names),
		data.NewField("User ID", nil, ids),
		data.NewField("Total", nil, totals),
	)
	for j, e := range contract.Events {
		frame.Fields = append(frame.Fields, data.NewField(contract.EventLabels[e], nil, perEvent[j]))
	}
	return frame
}

// TotalsFrame has one row: total events and active users in the window.
func TotalsFrame(r *usage.Report) *data.Frame {
	return data.NewFrame("Totals",
		data.NewField("Total events", nil, []float64{r.Totals.Events}),
		data.NewField("Active users", nil, []float64{float64(r.Totals.ActiveUsers)}),
	)
}

// CostFrame puts the window's AE writes (one per tracked event) in cost terms: writes per day
// against the free tier, and the projected month on the paid plan.
func CostFrame(r *usage.Report) *data.Frame {
	days := r.Window.To.Sub(r.Window.From).Hours() / 24
	if days <= 0 {
		days = 1
	}
	perDay := r.Totals.Events / days
	monthly := perDay * 30
	billable := monthly - contract.Pricing.PaidIncludedWritesPerMonth
	if billable < 0 {
		billable = 0
	}
	cost := billable / 1_000_000 * contract.Pricing.PaidUSDPerMillionWrites
	freeShare := perDay / contract.Pricing.FreeWritesPerDay * 100
	frame := data.NewFrame("Analytics Engine cost",
		data.NewField("AE writes per day", nil, []float64{perDay}),
		data.NewField("Free tier used", nil, []float64{freeShare}),
		data.NewField("Projected monthly writes", nil, []float64{monthly}),
		data.NewField("Projected monthly cost", nil, []float64{cost}),
	)
	frame.Fields[1].Config = &data.FieldConfig{Unit: "percent"}
	frame.Fields[3].Config = &data.FieldConfig{Unit: "currencyUSD", Decimals: ptr(uint16(2))}
	return frame
}

func ptr[T any](v T) *T { return &v }

// StatusFrame breaks the window's events down by HTTP status.
func StatusFrame(r *usage.Report) *data.Frame {
	byStatus := map[float64]float64{}
	for _, b := range r.Buckets {
		byStatus[b.Key.Status] += b.Total
	}
	statuses := make([]float64, 0, len(byStatus))
	for s := range byStatus {
		statuses = append(statuses, s)
	}
	sort.Slice(statuses, func(i, j int) bool {
		if byStatus[statuses[i]] != byStatus[statuses[j]] {
			return byStatus[statuses[i]] > byStatus[statuses[j]]
		}
		return statuses[i] < statuses[j]
	})
	codes := make([]string, len(statuses))
	classes := make([]string, len(statuses))
	counts := make([]float64, len(statuses))
	for i, s := range statuses {
		codes[i] = strconv.Itoa(int(s))
		classes[i] = statusClass(s)
		counts[i] = byStatus[s]
	}
	return data.NewFrame("Events by status",
		data.NewField("Status", nil, codes),
		data.NewField("Class", nil, classes),
		data.NewField("Events", nil, counts),
	)
}

func statusClass(s float64) string {
	if s <= 0 {
		return "none"
	}
	return fmt.Sprintf("%dxx", int(s)/100)
}

// NoOrg labels usage of users who belong to no organisation.
const NoOrg = "(none)"

type series struct {
	labels  data.Labels
	display string
	events  map[int64]float64
	errors  map[int64]float64
	total   float64
}

// value is the series' metric in one bucket; an error rate of a bucket without events is 0.
func (s *series) value(metric string, t int64) float64 {
	switch metric {
	case "errors":
		return s.errors[t]
	case "error_rate":
		if s.events[t] == 0 {
			return 0
		}
		return s.errors[t] / s.events[t]
	default:
		return s.events[t]
	}
}

// TimeSeries is one frame per event, user, org or status (groupBy; "total" gives one unlabelled
// series), each a zero-filled series of the metric per bucket, labelled so alert rules get one
// instance per series. topN > 0 keeps the biggest series (by events, or by errors for the error
// metrics).
func TimeSeries(r *usage.Report, groupBy, metric string, topN int, from, to time.Time, interval time.Duration) data.Frames {
	names := map[string]string{}
	for _, u := range r.Users {
		names[u.ID] = u.Label()
	}
	all := map[string]*series{}
	for _, b := range r.Buckets {
		var id, display string
		switch groupBy {
		case "user":
			id, display = b.Key.User, names[b.Key.User]
			if display == "" {
				display = b.Key.User
			}
		case "org":
			// An empty label value reads as no label in Grafana, merging series: name it.
			id = b.Key.Org
			if id == "" {
				id = NoOrg
			}
			display = id
		case "status":
			id = strconv.Itoa(int(b.Key.Status))
			display = id
		case "total":
			id, display = "", "All events"
		default:
			id, display = b.Key.Event, contract.EventLabels[b.Key.Event]
		}
		s := all[id]
		if s == nil {
			s = &series{display: display, events: map[int64]float64{}, errors: map[int64]float64{}}
			if groupBy != "total" {
				s.labels = data.Labels{groupBy: id}
			}
			all[id] = s
		}
		s.events[b.Time.Unix()] += b.Total
		s.errors[b.Time.Unix()] += b.Errors
		if metric == "events" {
			s.total += b.Total
		} else {
			s.total += b.Errors
		}
	}
	ordered := make([]*series, 0, len(all))
	for _, s := range all {
		ordered = append(ordered, s)
	}
	sort.Slice(ordered, func(i, j int) bool {
		if groupBy == "event" {
			return eventIndex(ordered[i].labels["event"]) < eventIndex(ordered[j].labels["event"])
		}
		if ordered[i].total != ordered[j].total {
			return ordered[i].total > ordered[j].total
		}
		return ordered[i].display < ordered[j].display
	})
	if topN > 0 && len(ordered) > topN {
		ordered = ordered[:topN]
	}
	step := int64(interval / time.Second)
	if step <= 0 {
		step = 60
	}
	start := (from.Unix() / step) * step
	var times []time.Time
	for t := start; t < to.Unix(); t += step {
		times = append(times, time.Unix(t, 0).UTC())
	}
	frames := make(data.Frames, 0, len(ordered))
	for _, s := range ordered {
		values := make([]float64, len(times))
		for i, t := range times {
			values[i] = s.value(metric, t.Unix())
		}
		valueField := data.NewField(metric, s.labels, values)
		valueField.Config = &data.FieldConfig{DisplayNameFromDS: s.display}
		if metric == "error_rate" {
			valueField.Config.Unit = "percentunit"
		}
		frame := data.NewFrame(s.display, data.NewField("time", nil, times), valueField)
		frame.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		frames = append(frames, frame)
	}
	return frames
}

func eventIndex(e string) int {
	for i, name := range contract.Events {
		if name == e {
			return i
		}
	}
	return len(contract.Events)
}
