// Package converters turns the reads' results and AE SQL results into Grafana data frames:
// numeric, typed and labelled, so that tables render, time series plot, and alert rules evaluate
// one instance per user.
//
// Frame types follow Grafana's dataplane contract (grafana/dataplane sdata/timeseries/multi.go,
// sdata/numeric/multi.go), which server-side expressions read when a frame declares its type and
// version (pkg/expr/converter.go, pkg/expr/dataplane.go in grafana/grafana; notes in
// /tmp/notes/grafana.md §6): `timeseries-multi` is one frame per series with the labels on the
// value field; `numeric-multi` is one frame per number, labels on its one value field, and a first
// frame without fields means "no data".
package converters

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

var dataplaneVersion = data.FrameTypeVersion{0, 1}

func ptr[T any](v T) *T { return &v }

// ThrottledStatus is the status of a call refused for its rate limit: the worker answers 429 in
// enforce mode and tracks the call with it (limits spec; contract METRICS: "Throttled (429)").
const ThrottledStatus = 429

// Counts are what a metric is taken from: calls, failed calls (status >= 400), calls over their
// rate limit (let through or refused), and calls refused for it (status 429).
type Counts struct {
	Events, Errors, OverLimit, Throttled float64
}

// Add counts a series cell in.
func (c *Counts) Add(b usage.SeriesBucket) {
	c.Events += b.Total
	c.OverLimit += b.OverLimit
	if b.Status >= contract.ErrorStatus {
		c.Errors += b.Total
	}
	if b.Status == ThrottledStatus {
		c.Throttled += b.Total
	}
}

// Value is the metric of c; an error rate without events is 0, not NaN, which Grafana's alerting
// would take for a firing value.
func (c Counts) Value(metric string) float64 {
	switch metric {
	case contract.MetricErrors:
		return c.Errors
	case contract.MetricErrorRate:
		if c.Events == 0 {
			return 0
		}
		return c.Errors / c.Events
	case contract.MetricOverLimit:
		return c.OverLimit
	case contract.MetricThrottled:
		return c.Throttled
	default:
		return c.Events
	}
}

var metricTitles = map[string]string{
	contract.MetricEvents:    "Total events",
	contract.MetricErrors:    "Errors",
	contract.MetricErrorRate: "Error rate",
	contract.MetricOverLimit: "Calls over the limit",
	contract.MetricThrottled: "Throttled calls",
}

func metricConfig(metric string) *data.FieldConfig {
	if metric == contract.MetricErrorRate {
		return &data.FieldConfig{Unit: "percentunit"}
	}
	return nil
}

// UsersFrame is the per-user table: User (name, else id), User ID, Total, then one column per
// event in the seed's order, then what the user's writes cost (usage.UserCost): their Share of
// writes among the account's totalWrites of the window (span long) and their part of the
// account's Monthly AE cost; in the read's order (busiest first); topN > 0 keeps the first N.
func UsersFrame(users []usage.UserUsage, topN int, totalWrites float64, span time.Duration) *data.Frame {
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
	shares := make([]float64, len(users))
	costs := make([]float64, len(users))
	for i, u := range users {
		names[i], ids[i], totals[i] = u.Label(), u.ID, u.Total
		for j, e := range contract.Events {
			perEvent[j][i] = u.Events[e]
		}
		cost := usage.UserCost(u.Total, totalWrites, span.Seconds())
		shares[i], costs[i] = cost.Share, cost.MonthlyUSD
	}
	frame := data.NewFrame("Usage by user",
		data.NewField("User", nil, names),
		data.NewField("User ID", nil, ids),
		data.NewField("Total", nil, totals),
	)
	for j, e := range contract.Events {
		frame.Fields = append(frame.Fields, data.NewField(contract.EventLabels[e], nil, perEvent[j]))
	}
	share := data.NewField("Share of writes", nil, shares)
	share.Config = &data.FieldConfig{Unit: "percentunit", Description: "The user's calls among every AE write of the period (one tracked call is one write)"}
	cost := data.NewField("Monthly AE cost", nil, costs)
	cost.Config = &data.FieldConfig{Unit: "currencyUSD", Decimals: ptr(uint16(2)),
		Description: "The user's share of the account's AE write cost, projected over a month at the period's rate (paid plan, past its included writes)"}
	frame.Fields = append(frame.Fields, share, cost)
	return frame
}

// NoOrg labels users who belong to no organisation; an empty label value would read as no label
// in Grafana and merge series.
const NoOrg = "(none)"

// OtherOrgs labels the organisations a series did not split out, together with users in none.
const OtherOrgs = "(other)"

// OrgsFrame is the per-org table: Org (name, else id), Org ID, Total, Errors, Active users, busiest
// first; topN > 0 keeps the first N.
func OrgsFrame(orgs []usage.OrgUsage, topN int) *data.Frame {
	if topN > 0 && len(orgs) > topN {
		orgs = orgs[:topN]
	}
	names := make([]string, len(orgs))
	ids := make([]string, len(orgs))
	totals := make([]float64, len(orgs))
	errors := make([]float64, len(orgs))
	users := make([]float64, len(orgs))
	for i, o := range orgs {
		names[i], ids[i], totals[i], errors[i], users[i] = o.Label(), o.ID, o.Total, o.Errors, o.Users
		if o.ID == "" {
			names[i] = NoOrg
		}
	}
	return data.NewFrame("Usage by org",
		data.NewField("Org", nil, names),
		data.NewField("Org ID", nil, ids),
		data.NewField("Total", nil, totals),
		data.NewField("Errors", nil, errors),
		data.NewField("Active users", nil, users),
	)
}

// TotalsFrame is the window's total events and active users; with a metric it is that one number
// alone (MetricFrame). The totals read has no statuses: throttled calls are counted from a series
// read (MetricFrame of its Counts).
func TotalsFrame(t *usage.Totals, metric string) *data.Frame {
	if metric == "" {
		return data.NewFrame("Totals",
			data.NewField("Total events", nil, []float64{t.Events}),
			data.NewField("Active users", nil, []float64{t.ActiveUsers}),
		)
	}
	return MetricFrame(Counts{Events: t.Events, Errors: t.Errors, OverLimit: t.OverLimit}, metric)
}

// MetricFrame is one metric of the window's counts as a numeric-multi frame, so an alert rule's
// condition reads one value.
func MetricFrame(c Counts, metric string) *data.Frame {
	field := data.NewField(metricTitles[metric], nil, []float64{c.Value(metric)})
	field.Config = metricConfig(metric)
	frame := data.NewFrame("Totals", field)
	frame.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: dataplaneVersion}
	return frame
}

// SeriesCounts sums a series read's cells, whatever their split.
func SeriesCounts(s *usage.Series) Counts {
	var c Counts
	for _, b := range s.Buckets {
		c.Add(b)
	}
	return c
}

// CostFrame puts the window's AE usage in cost terms: writes (one per tracked event) per day
// against the free tier and projected over a month on the paid plan, and the AE read queries made
// today against the free plan's daily allowance.
func CostFrame(t *usage.Totals, span time.Duration) *data.Frame {
	monthly := usage.MonthlyFromWindow(t.Events, span.Seconds())
	perDay := monthly / 30
	frame := data.NewFrame("Analytics Engine cost",
		data.NewField("AE writes per day", nil, []float64{perDay}),
		data.NewField("Free tier used", nil, []float64{perDay / contract.Pricing.FreeWritesPerDay * 100}),
		data.NewField("Projected monthly writes", nil, []float64{monthly}),
		data.NewField("Projected monthly cost", nil, []float64{usage.MonthlyWritesCostUSD(monthly)}),
		data.NewField("AE reads today", nil, []float64{t.ReadsToday}),
		data.NewField("Free reads used", nil, []float64{t.ReadsToday / contract.Pricing.FreeReadsPerDay * 100}),
	)
	frame.Fields[1].Config = &data.FieldConfig{Unit: "percent"}
	frame.Fields[3].Config = &data.FieldConfig{Unit: "currencyUSD", Decimals: ptr(uint16(2))}
	frame.Fields[4].Config = &data.FieldConfig{Description: "AE read queries made today (UTC): the worker's count in worker mode, this data source's own in sql mode"}
	frame.Fields[5].Config = &data.FieldConfig{Unit: "percent", Description: fmt.Sprintf("of the free plan's %.0f read queries a day", contract.Pricing.FreeReadsPerDay)}
	return frame
}

// PerUserFrames is one number per user over the range, the metric of that user, as numeric-multi
// frames labelled {user, name}: Grafana's alerting makes one alert instance per label set, and
// notifications can say the name. No user gives one frame without fields: "no data". The users
// read has no statuses: throttled calls per user come in throttled (by id; absent is none).
func PerUserFrames(users []usage.UserUsage, metric string, throttled map[string]float64) data.Frames {
	if len(users) == 0 {
		return data.Frames{{Name: "Per user", Meta: &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: dataplaneVersion}}}
	}
	frames := make(data.Frames, 0, len(users))
	for _, u := range users {
		c := Counts{Events: u.Total, Errors: u.Errors, OverLimit: u.OverLimit, Throttled: throttled[u.ID]}
		field := data.NewField(metric, data.Labels{"user": u.ID, "name": u.Label()}, []float64{c.Value(metric)})
		field.Config = metricConfig(metric)
		frame := data.NewFrame(u.Label(), field)
		frame.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: dataplaneVersion}
		frames = append(frames, frame)
	}
	return frames
}

// StatusFrame breaks the window's events down by HTTP status, most frequent first.
func StatusFrame(s *usage.Series) *data.Frame {
	byStatus := map[float64]float64{}
	for _, b := range s.Buckets {
		byStatus[b.Status] += b.Total
	}
	statuses := make([]float64, 0, len(byStatus))
	for status := range byStatus {
		statuses = append(statuses, status)
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
	for i, status := range statuses {
		codes[i] = strconv.Itoa(int(status))
		classes[i] = statusClass(status)
		counts[i] = byStatus[status]
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

type series struct {
	id, display string
	labels      data.Labels
	// buckets are the counts per bucket start (unix seconds), all their sum.
	buckets map[int64]*Counts
	all     Counts
}

// axis is the series' bucket starts: from the bucket holding the window's start up to, not
// including, its end — the same rounded-up end the read used (usage.Filter.End), so a range ending
// partway into a bucket's first second keeps that bucket and its events.
func axis(s *usage.Series) []time.Time {
	step := int64(s.Params.Interval / time.Second)
	if step <= 0 {
		return nil
	}
	var times []time.Time
	for t := s.From.Unix() / step * step; t < s.End.Unix(); t += step {
		times = append(times, time.Unix(t, 0).UTC())
	}
	return times
}

// TimeSeries is one timeseries-multi frame per event, user, org or status of a series read
// (groupBy; "total" gives one unlabelled series), the metric per bucket, zero-filled. Users are
// the split-out ones, labelled {user, name} and named by name (names: id → name); organisations are
// labelled {org} and named from names, and the rest of their split ("") is NoOrg unless names[""]
// says otherwise (OtherOrgs, when organisations were left out of the split). topN > 0 keeps the
// biggest series: by events, by errors for the error metrics, by calls over the limit or throttled
// calls for those, leaving out users without any (events by type stay in the seed's order).
func TimeSeries(s *usage.Series, groupBy, metric string, topN int, names map[string]string) data.Frames {
	all := map[string]*series{}
	for _, b := range s.Buckets {
		var id, display string
		var labels data.Labels
		switch groupBy {
		case contract.GroupByUser:
			if b.Split == "" {
				continue
			}
			id, display = b.Split, nameOf(names, b.Split)
			labels = data.Labels{"user": id, "name": display}
		case contract.GroupByOrg:
			id = b.Split
			if id == "" {
				id = NoOrg
				if rest := names[""]; rest != "" {
					id = rest
				}
			}
			display, labels = nameOf(names, id), data.Labels{"org": id}
		case contract.GroupByStatus:
			id = strconv.Itoa(int(b.Status))
			display, labels = id, data.Labels{"status": id}
		case contract.GroupByTotal:
			display = "All events"
		default:
			id, display = b.Event, contract.EventLabels[b.Event]
			if display == "" {
				display = b.Event
			}
			labels = data.Labels{"event": id}
		}
		cell := all[id]
		if cell == nil {
			cell = &series{id: id, display: display, labels: labels, buckets: map[int64]*Counts{}}
			all[id] = cell
		}
		t := b.Time.Unix()
		if cell.buckets[t] == nil {
			cell.buckets[t] = &Counts{}
		}
		cell.buckets[t].Add(b)
		cell.all.Add(b)
	}
	if groupBy == contract.GroupByTotal && len(all) == 0 {
		// No events is a total of zero, not a missing series.
		all[""] = &series{display: "All events", buckets: map[int64]*Counts{}}
	}
	// Series rank by what they count: errors for the error metrics (an error rate of 1 call in 1
	// is not the worst user), calls over the limit, throttled calls; and users without any are not
	// among "the users with most" of it.
	size := func(c *series) float64 {
		switch metric {
		case contract.MetricErrors, contract.MetricErrorRate:
			return c.all.Errors
		default:
			return c.all.Value(metric)
		}
	}
	ordered := make([]*series, 0, len(all))
	for _, cell := range all {
		if groupBy == contract.GroupByUser && size(cell) == 0 {
			continue
		}
		ordered = append(ordered, cell)
	}
	sort.Slice(ordered, func(i, j int) bool {
		a, b := ordered[i], ordered[j]
		if groupBy == contract.GroupByEvent {
			return slices.Index(contract.Events, a.id) < slices.Index(contract.Events, b.id)
		}
		if size(a) != size(b) {
			return size(a) > size(b)
		}
		return a.display < b.display
	})
	if topN > 0 && len(ordered) > topN {
		ordered = ordered[:topN]
	}
	times := axis(s)
	frames := make(data.Frames, 0, len(ordered))
	for _, cell := range ordered {
		values := make([]float64, len(times))
		for i, t := range times {
			if c := cell.buckets[t.Unix()]; c != nil {
				values[i] = c.Value(metric)
			}
		}
		field := data.NewField(metric, cell.labels, values)
		field.Config = metricConfig(metric)
		if field.Config == nil {
			field.Config = &data.FieldConfig{}
		}
		field.Config.DisplayNameFromDS = cell.display
		frame := data.NewFrame(cell.display, data.NewField("time", nil, times), field)
		frame.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: dataplaneVersion}
		frames = append(frames, frame)
	}
	return frames
}

func nameOf(names map[string]string, id string) string {
	if name, ok := names[id]; ok && name != "" {
		return name
	}
	return id
}
