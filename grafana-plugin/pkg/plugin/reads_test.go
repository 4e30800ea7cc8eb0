package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/usage"
)

// memoryReads is a LABELLED FAKE upstream: it makes the four reads over points in memory the way
// the worker and AE make them (same filters, orders, HAVING and splits), and counts them. It lets
// these tests count reads per refresh at any number of users; the integration tests run the same
// queries against the real worker and local AE.
type memoryReads struct {
	points []point
	names  map[string]string

	mu     sync.Mutex
	reads  []string
	splits [][]string
}

type point struct {
	user, org, event string
	status           float64
	at               time.Time
	n                float64
	// over of the n calls were over their rate limit.
	over float64
}

func (m *memoryReads) log(read string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads = append(m.reads, read)
}

func (m *memoryReads) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.reads)
}

func (m *memoryReads) selected(f usage.Filter) []point {
	var out []point
	for _, p := range m.points {
		if p.at.Before(f.From) || !p.at.Before(f.End()) ||
			len(f.Events) > 0 && !slices.Contains(f.Events, p.event) ||
			len(f.Users) > 0 && !slices.Contains(f.Users, p.user) ||
			len(f.Orgs) > 0 && !slices.Contains(f.Orgs, p.org) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func (m *memoryReads) name(id string) *string {
	if n, ok := m.names[id]; ok {
		return &n
	}
	return nil
}

func (m *memoryReads) Totals(_ context.Context, f usage.Filter) (*usage.Totals, error) {
	m.log("totals")
	t := &usage.Totals{Dataset: "memory"}
	users := map[string]bool{}
	for _, p := range m.selected(f) {
		t.Events += p.n
		t.OverLimit += p.over
		if p.status >= 400 {
			t.Errors += p.n
		}
		users[p.user] = true
	}
	t.ActiveUsers = float64(len(users))
	return t, nil
}

func (m *memoryReads) Orgs(_ context.Context, f usage.Filter, limit int) ([]usage.OrgUsage, error) {
	m.log("orgs")
	byID := map[string]*usage.OrgUsage{}
	users := map[string]map[string]bool{}
	for _, p := range m.selected(f) {
		o := byID[p.org]
		if o == nil {
			o = &usage.OrgUsage{ID: p.org, Name: m.name(p.org)}
			byID[p.org], users[p.org] = o, map[string]bool{}
		}
		o.Total += p.n
		if p.status >= 400 {
			o.Errors += p.n
		}
		users[p.org][p.user] = true
	}
	var orgs []usage.OrgUsage
	for id, o := range byID {
		o.Users = float64(len(users[id]))
		orgs = append(orgs, *o)
	}
	sort.Slice(orgs, func(i, j int) bool {
		if orgs[i].Total != orgs[j].Total {
			return orgs[i].Total > orgs[j].Total
		}
		return orgs[i].ID < orgs[j].ID
	})
	return orgs[:min(limit, len(orgs))], nil
}

func (m *memoryReads) Users(_ context.Context, f usage.Filter, page usage.UsersPage) ([]usage.UserUsage, error) {
	read := fmt.Sprintf("users %s %s limit %d minEvents %d", page.Sort, page.Order, page.Limit, page.MinEvents)
	if page.MinOverLimit > 0 {
		read += fmt.Sprintf(" minOverLimit %d", page.MinOverLimit)
	}
	m.log(read)
	byID := map[string]*usage.UserUsage{}
	for _, p := range m.selected(f) {
		u := byID[p.user]
		if u == nil {
			u = &usage.UserUsage{ID: p.user, Name: m.name(p.user), Events: map[string]float64{}}
			byID[p.user] = u
		}
		u.Total += p.n
		u.OverLimit += p.over
		u.Events[p.event] += p.n
		if p.status >= 400 {
			u.Errors += p.n
		}
	}
	var users []usage.UserUsage
	// HAVING events >= minEvents OR over >= minOverLimit, each bound only when set.
	for _, u := range byID {
		if !page.Bounded() || page.MinEvents > 0 && u.Total >= float64(page.MinEvents) || page.MinOverLimit > 0 && u.OverLimit >= float64(page.MinOverLimit) {
			users = append(users, *u)
		}
	}
	value := func(u usage.UserUsage) float64 {
		if page.Sort == usage.SortErrors {
			return u.Errors
		}
		return u.Total
	}
	sort.Slice(users, func(i, j int) bool {
		if a, b := value(users[i]), value(users[j]); a != b {
			return a > b == (page.Order == "desc")
		}
		return users[i].ID < users[j].ID
	})
	users = users[min(page.Offset, len(users)):]
	return users[:min(page.Limit, len(users))], nil
}

func (m *memoryReads) Series(_ context.Context, f usage.Filter, s usage.SeriesParams) (*usage.Series, error) {
	m.log("series")
	m.mu.Lock()
	m.splits = append(m.splits, s.Top)
	m.mu.Unlock()
	type key struct {
		bucket       int64
		event, split string
		status       float64
	}
	step := int64(s.Interval / time.Second)
	cells, over := map[key]float64{}, map[key]float64{}
	for _, p := range m.selected(f) {
		k := key{bucket: p.at.Unix() / step * step, event: p.event, status: p.status}
		id := p.user
		if s.By == usage.SplitOrg {
			id = p.org
		}
		if slices.Contains(s.Top, id) {
			k.split = id
		}
		cells[k] += p.n
		over[k] += p.over
	}
	var buckets []usage.SeriesBucket
	for k, n := range cells {
		buckets = append(buckets, usage.SeriesBucket{Time: time.Unix(k.bucket, 0).UTC(), Event: k.event, Status: k.status, Split: k.split, Total: n, OverLimit: over[k]})
	}
	return usage.NewSeries(f, s, buckets), nil
}

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// population is n users over the last day, user i making i+1 calls (so u_00000 is the quietest),
// every seventh user failing a third of them, in 30 organisations (every tenth user in none).
func population(n int) *memoryReads {
	m := &memoryReads{names: map[string]string{}}
	for i := 0; i < n; i++ {
		user := fmt.Sprintf("u_%05d", i)
		org := fmt.Sprintf("org_%02d", i%30)
		if i%10 == 0 {
			org = ""
		}
		m.names[user] = fmt.Sprintf("User %d", i)
		calls := float64(i + 1)
		at := now.Add(-time.Duration(i%1440+1) * time.Minute)
		event := contract.Events[i%len(contract.Events)]
		if i%7 == 3 {
			m.points = append(m.points, point{user, org, event, 500, at, calls / 3, 0}, point{user, org, event, 200, at, calls - calls/3, 0})
		} else {
			m.points = append(m.points, point{user, org, event, 200, at, calls, 0})
		}
	}
	return m
}

func settingsForTests() *models.Settings {
	return &models.Settings{Mode: models.ModeWorker, WorkerURL: "http://worker.test", APIKey: "k", TimeoutSeconds: 5}
}

// panel is one panel's query as a dashboard JSON target has it.
func panel(model string) json.RawMessage { return json.RawMessage(model) }

// The Usage overview's panels, as the read path serves them (the queries the provisioned dashboard
// is to use): totals ×2, cost ×2, the users table, events by type, top 10 users, usage by org,
// error rate of the top 10.
var overview = []json.RawMessage{
	panel(`{"queryType":"totals"}`),
	panel(`{"queryType":"totals"}`),
	panel(`{"queryType":"cost"}`),
	panel(`{"queryType":"cost"}`),
	panel(`{"queryType":"users"}`),
	panel(`{"queryType":"timeseries","groupBy":"event","metric":"events"}`),
	panel(`{"queryType":"timeseries","groupBy":"user","metric":"events","topN":10}`),
	panel(`{"queryType":"orgs"}`),
	panel(`{"queryType":"timeseries","groupBy":"user","metric":"error_rate","topN":10}`),
}

var userDetail = []json.RawMessage{
	panel(`{"queryType":"totals","users":["u_00042"]}`),
	panel(`{"queryType":"status","users":["u_00042"]}`),
	panel(`{"queryType":"timeseries","users":["u_00042"],"groupBy":"event","metric":"events"}`),
	panel(`{"queryType":"timeseries","users":["u_00042"],"groupBy":"status","metric":"events"}`),
}

// refresh runs each panel as its own concurrent request, resolving "now" a few milliseconds apart
// as a browser's panels do, and returns their answers in panel order.
func refresh(t *testing.T, d *Datasource, span time.Duration, panels []json.RawMessage, at time.Time) []backend.DataResponse {
	t.Helper()
	answers := make([]backend.DataResponse, len(panels))
	var wg sync.WaitGroup
	for i, model := range panels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			end := at.Add(time.Duration(i) * 3 * time.Millisecond)
			res, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
				RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: end.Add(-span), To: end}, Interval: time.Minute, MaxDataPoints: 1000,
			}}})
			if err != nil {
				t.Error(err)
				return
			}
			answers[i] = res.Responses["A"]
			if answers[i].Error != nil {
				t.Errorf("panel %d: %v", i, answers[i].Error)
			}
		}()
	}
	wg.Wait()
	return answers
}

func TestOverviewRefreshCostsFourReadsWhateverTheUsers(t *testing.T) {
	for _, users := range []int{50, 5000} {
		upstream := population(users)
		clk := &clock{now: now}
		d := New(settingsForTests(), upstream, nil, clk.Now)
		answers := refresh(t, d, 24*time.Hour, overview, now)
		if upstream.count() != 4 {
			t.Fatalf("%d users: a refresh made %d reads, want 4: %v", users, upstream.count(), upstream.reads)
		}
		// The table is the ranked read: the 100 busiest, the busiest first.
		table := answers[4].Frames[0]
		if table.Rows() != min(users, 100) || table.Fields[1].At(0) != fmt.Sprintf("u_%05d", users-1) || table.Fields[0].At(0) != fmt.Sprintf("User %d", users-1) {
			t.Fatalf("%d users: the table has %d rows, first %v", users, table.Rows(), table.Fields[0].At(0))
		}
		// Events by type adds up to the Total events panel.
		graphed := 0.0
		for _, f := range answers[5].Frames {
			for i := 0; i < f.Rows(); i++ {
				graphed += f.Fields[1].At(i).(float64)
			}
		}
		if total := answers[0].Frames[0].Fields[0].At(0).(float64); graphed != total {
			t.Fatalf("%d users: events by type graph %v events, the total is %v", users, graphed, total)
		}
		// The top users are the busiest ten, named.
		top := answers[6].Frames
		if len(top) != 10 || top[0].Fields[1].Labels["user"] != fmt.Sprintf("u_%05d", users-1) || top[0].Name != fmt.Sprintf("User %d", users-1) {
			t.Fatalf("%d users: top users %d series, first %v", users, len(top), top[0].Fields[1].Labels)
		}
		// The error rates are of the users with most errors, which failing users are (every seventh).
		for _, f := range answers[8].Frames {
			var id int
			fmt.Sscanf(f.Fields[1].Labels["user"], "u_%d", &id)
			if id%7 != 3 {
				t.Errorf("%d users: error rate series of %s, who never fails", users, f.Fields[1].Labels["user"])
			}
		}
		if split := upstream.splits[0]; len(split) > 20 || !slices.IsSorted(split) {
			t.Fatalf("the series splits out the 10 busiest and 10 most failing, in order: %v", split)
		}
		// A minute later the next refresh is answered from the same reads.
		clk.Add(time.Minute)
		refresh(t, d, 24*time.Hour, overview, now.Add(time.Minute))
		if upstream.count() != 4 {
			t.Fatalf("the 1-minute refresh read again within the TTL: %v", upstream.reads)
		}
	}
}

func TestUserDetailRefreshCostsTwoReads(t *testing.T) {
	upstream := population(500)
	d := New(settingsForTests(), upstream, nil, (&clock{now: now}).Now)
	answers := refresh(t, d, 7*24*time.Hour, userDetail, now)
	if got := strings.Join(upstream.reads, ", "); upstream.count() != 2 || !strings.Contains(got, "totals") || !strings.Contains(got, "series") {
		t.Fatalf("User detail made %s, want totals and series", got)
	}
	if split := upstream.splits[0]; len(split) != 1 || split[0] != "u_00042" {
		t.Fatalf("the series splits out the user asked for: %v", split)
	}
	// u_00042 made 43 calls, all 200.
	if n := answers[0].Frames[0].Fields[0].At(0); n != 43.0 {
		t.Fatalf("calls of the user: %v", n)
	}
	if status := answers[1].Frames[0]; status.Fields[0].At(0) != "200" || status.Fields[2].At(0) != 43.0 {
		t.Fatalf("statuses of the user: %v %v", status.Fields[0].At(0), status.Fields[2].At(0))
	}
}

func TestUsageByOrgSplitsTheBusiestOrgsAndNamesTheRest(t *testing.T) {
	upstream := population(600)
	upstream.names["org_29"] = "Acme"
	d := New(settingsForTests(), upstream, nil, (&clock{now: now}).Now)
	answers := refresh(t, d, 24*time.Hour, []json.RawMessage{panel(`{"queryType":"timeseries","groupBy":"org","metric":"events","topN":5}`)}, now)
	if got := strings.Join(upstream.reads, ", "); got != "orgs, series" {
		t.Fatalf("reads %s", got)
	}
	frames := answers[0].Frames
	labels := []string{}
	for _, f := range frames {
		labels = append(labels, f.Fields[1].Labels["org"])
	}
	// 27 organisations and users in none: the ten busiest are split out (K = max(topN, 10)), the
	// other 17 summed with users in none as "(other)", the biggest; then org_29, named Acme.
	if len(upstream.splits[0]) != 10 || len(frames) != 5 || labels[0] != "(other)" || labels[1] != "org_29" || frames[1].Name != "Acme" {
		t.Fatalf("split %v, series %v (%s)", upstream.splits[0], labels, frames[1].Name)
	}
}

// The alert rules' per-user values: one read for every rule of a tick with the same minEvents,
// HAVING in the read, one numeric-multi frame per user labelled {user, name}.
func TestPerUserRulesOfATickShareOneRead(t *testing.T) {
	upstream := population(300)
	d := New(settingsForTests(), upstream, nil, (&clock{now: now}).Now)
	alert := map[string]string{"FromAlert": "true", "X-Cache-Skip": "true", "X-Grafana-Org-Id": "1"}
	rule := func(model string) *backend.QueryDataResponse {
		res, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Headers: alert, Queries: []backend.DataQuery{{
			RefID: "A", JSON: json.RawMessage(model), TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	events := rule(`{"queryType":"perUser","metric":"events","minEvents":250}`).Responses["A"]
	rates := rule(`{"queryType":"perUser","metric":"error_rate","minEvents":250}`).Responses["A"]
	if upstream.count() != 1 || upstream.reads[0] != "users total desc limit 10000 minEvents 250" {
		t.Fatalf("two rules of one tick made %v", upstream.reads)
	}
	// Users u_00249…u_00299 made 250 to 300 calls.
	if len(events.Frames) != 51 || len(rates.Frames) != 51 {
		t.Fatalf("want the 51 users with at least 250 calls, got %d and %d", len(events.Frames), len(rates.Frames))
	}
	first := events.Frames[0]
	if first.Meta.Type != data.FrameTypeNumericMulti || first.Fields[0].Labels["user"] != "u_00299" || first.Fields[0].Labels["name"] != "User 299" || first.Fields[0].At(0) != 300.0 {
		t.Fatalf("first per-user value: %v %v", first.Fields[0].Labels, first.Fields[0].At(0))
	}
	for _, f := range rates.Frames {
		var id int
		fmt.Sscanf(f.Fields[0].Labels["user"], "u_%d", &id)
		if rate := f.Fields[0].At(0).(float64); (id%7 == 3) != (rate > 0.3) {
			t.Errorf("%s: error rate %v", f.Fields[0].Labels["user"], rate)
		}
	}
	none := rule(`{"queryType":"perUser","metric":"events","minEvents":100000}`).Responses["A"]
	if len(none.Frames) != 1 || len(none.Frames[0].Fields) != 0 {
		t.Fatalf("no user over the bar is no data: %d frames", len(none.Frames))
	}
}

func TestTotalsWithAMetricIsOneNumberForAlertRules(t *testing.T) {
	upstream := population(10)
	d := New(settingsForTests(), upstream, nil, (&clock{now: now}).Now)
	res, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", JSON: panel(`{"queryType":"totals","metric":"events"}`), TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now}},
		{RefID: "B", JSON: panel(`{"queryType":"totals"}`), TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	one, two := res.Responses["A"].Frames[0], res.Responses["B"].Frames[0]
	if len(one.Fields) != 1 || one.Fields[0].At(0) != 55.0 || one.Meta.Type != data.FrameTypeNumericMulti || len(two.Fields) != 2 {
		t.Fatalf("totals with a metric: %d fields = %v; without: %d fields", len(one.Fields), one.Fields[0].At(0), len(two.Fields))
	}
	if upstream.count() != 1 {
		t.Fatalf("both queries of the request are one totals read: %v", upstream.reads)
	}
}

func TestQueriesSayWhatIsWrong(t *testing.T) {
	d := New(settingsForTests(), population(1), nil, (&clock{now: now}).Now)
	for model, want := range map[string]string{
		`{"queryType":"perUser","minEvents":-1}`:         "minimum events",
		`{"queryType":"totals","users":["a\nb"]}`:        "control character",
		`{"queryType":"sql","rawSql":"SELECT 1"}`:        "needs the data source in sql mode",
		`{"queryType":"timeseries","groupBy":"country"}`: "group by",
	} {
		res, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(model), TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}}}})
		if err := res.Responses["A"].Error; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error about %q, got %v", model, want, err)
		}
	}
	res, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: panel(`{"queryType":"totals"}`), TimeRange: backend.TimeRange{From: now, To: now}}}})
	if err := res.Responses["A"].Error; err == nil || !strings.Contains(err.Error(), "time range is empty") {
		t.Errorf("an empty range: %v", err)
	}
}

func TestSettingsThatDoNotLoadAreReportedNotPanicked(t *testing.T) {
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{JSONData: []byte(`{`)})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	res, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: panel(`{"queryType":"totals"}`), TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}}}})
	if err := res.Responses["A"].Error; err == nil || !strings.Contains(err.Error(), "settings are not valid JSON") {
		t.Fatalf("query: %v", err)
	}
	if health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{}); health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "not valid JSON") {
		t.Fatalf("health: %+v", health)
	}
}

// overLimitPopulation is population(n) with every 25th user over the limit in the hour before now:
// user i (i%25 == 4) made i+1 calls of which i%100+1 were marked over (observed), and 2 more
// refused (429, also over).
func overLimitPopulation(n int) *memoryReads {
	m := population(n)
	for i := 4; i < n; i += 25 {
		user := fmt.Sprintf("u_%05d", i)
		at := now.Add(-30 * time.Minute)
		m.points = append(m.points,
			point{user, "", "auth", 200, at, float64(i%100 + 1), float64(i%100 + 1)},
			point{user, "", "auth", 429, at, 2, 2})
	}
	return m
}

// The Limits dashboard's series panels (over the limit and throttled, by user) choose their users
// among those with a call over the limit, and share that read and one series read; its stat of
// calls over the limit is the totals read.
func TestOverLimitPanelsShareTheirReads(t *testing.T) {
	upstream := overLimitPopulation(1000)
	d := New(settingsForTests(), upstream, nil, (&clock{now: now}).Now)
	answers := refresh(t, d, 24*time.Hour, []json.RawMessage{
		panel(`{"queryType":"totals","metric":"over_limit"}`),
		panel(`{"queryType":"timeseries","groupBy":"user","metric":"over_limit","topN":10}`),
		panel(`{"queryType":"timeseries","groupBy":"user","metric":"throttled","topN":10}`),
	}, now)
	reads := slices.Clone(upstream.reads)
	slices.Sort(reads)
	if want := []string{"series", "totals", "users total desc limit 100 minEvents 0 minOverLimit 1"}; fmt.Sprint(reads) != fmt.Sprint(want) {
		t.Fatalf("reads %v, want %v", reads, want)
	}
	// 40 users over: i = 4, 29, …, 979; over counts i%100+1 (+2 refused), so the most over are
	// those with i%100 = 79 (u_00079, u_00179, …, u_00979: 82 each), then i%100 = 54 (57 each).
	if total := answers[0].Frames[0].Fields[0].At(0); total != 40*2.0+func() float64 {
		s := 0.0
		for i := 4; i < 1000; i += 25 {
			s += float64(i%100 + 1)
		}
		return s
	}() {
		t.Fatalf("calls over the limit in the range: %v", total)
	}
	over := answers[1].Frames
	if len(over) != 10 {
		t.Fatalf("the 10 users most over: %d series", len(over))
	}
	for _, f := range over {
		var id int
		fmt.Sscanf(f.Fields[1].Labels["user"], "u_%d", &id)
		if id%100 != 79 || sum(f) != 82 || f.Name != fmt.Sprintf("User %d", id) {
			t.Fatalf("%s (%v) is not one of the ten 82 times over the limit: %v", f.Name, f.Fields[1].Labels, sum(f))
		}
	}
	for _, f := range answers[2].Frames {
		if sum(f) != 2 {
			t.Fatalf("%s was refused twice, not %v times", f.Name, sum(f))
		}
	}
	split := upstream.splits[0]
	for i := 79; i < 1000; i += 100 {
		if !slices.Contains(split, fmt.Sprintf("u_%05d", i)) {
			t.Fatalf("the series splits out the 10 most over the limit (and the 10 with most errors among them): %v", split)
		}
	}
	if len(split) > 20 || !slices.IsSorted(split) {
		t.Fatalf("at most 10 + 10, in order: %v", split)
	}
	for _, id := range split {
		var i int
		fmt.Sscanf(id, "u_%d", &i)
		if i%25 != 4 {
			t.Fatalf("%s was never over the limit", id)
		}
	}
}

func sum(f *data.Frame) float64 {
	s := 0.0
	for i := 0; i < f.Rows(); i++ {
		v, _ := f.Fields[1].FloatAt(i)
		s += v
	}
	return s
}

// Throttled calls per user: the users read has no statuses, so the 429s of the users with a call
// over the limit come from series reads split by them, 50 at a time; nobody over, no series read.
func TestPerUserThrottledReadsOnlyTheUsersOverTheLimit(t *testing.T) {
	alert := map[string]string{"FromAlert": "true", "X-Cache-Skip": "true"}
	ask := func(d *Datasource, model string) backend.DataResponse {
		res, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Headers: alert, Queries: []backend.DataQuery{{
			RefID: "A", JSON: json.RawMessage(model), TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now},
		}}})
		if err != nil || res.Responses["A"].Error != nil {
			t.Fatalf("%v %v", err, res.Responses["A"].Error)
		}
		return res.Responses["A"]
	}
	upstream := overLimitPopulation(3000)
	d := New(settingsForTests(), upstream, nil, (&clock{now: now}).Now)
	throttled := ask(d, `{"queryType":"perUser","metric":"throttled","minEvents":20,"minOverLimit":1}`)
	over := ask(d, `{"queryType":"perUser","metric":"over_limit","minEvents":20,"minOverLimit":1}`)
	// 120 users over the limit: the users read, then three series reads of 50, 50 and 20 of them.
	if fmt.Sprint(upstream.reads) != "[users total desc limit 10000 minEvents 20 minOverLimit 1 series series series]" {
		t.Fatalf("reads %v", upstream.reads)
	}
	if sizes := []int{len(upstream.splits[0]), len(upstream.splits[1]), len(upstream.splits[2])}; fmt.Sprint(sizes) != "[50 50 20]" {
		t.Fatalf("splits of %v users", sizes)
	}
	values := map[string]float64{}
	for _, f := range throttled.Frames {
		values[f.Fields[0].Labels["user"]] = f.Fields[0].At(0).(float64)
	}
	overValues := map[string]float64{}
	for _, f := range over.Frames {
		overValues[f.Fields[0].Labels["user"]] = f.Fields[0].At(0).(float64)
	}
	// Every user over the limit (minOverLimit 1) is an instance, refused twice, over i%100+3
	// times; the users with 20 calls in the hour are instances too, never refused.
	refused, overLimit := 0, 0
	for id, v := range values {
		if v != 0 {
			refused++
			if v != 2 || overValues[id] == 0 {
				t.Fatalf("%s: %v throttled, %v over", id, v, overValues[id])
			}
		}
		if overValues[id] != 0 {
			overLimit++
		}
	}
	if refused != 120 || overLimit != 120 || len(values) != len(overValues) || len(values) <= 120 || overValues["u_00079"] != 82 {
		t.Fatalf("%d of %d users throttled, %d over the limit (u_00079 %v)", refused, len(values), overLimit, overValues["u_00079"])
	}

	quiet := population(300)
	d = New(settingsForTests(), quiet, nil, (&clock{now: now}).Now)
	ask(d, `{"queryType":"perUser","metric":"throttled","minEvents":20,"minOverLimit":1}`)
	if fmt.Sprint(quiet.reads) != "[users total desc limit 10000 minEvents 20 minOverLimit 1]" {
		t.Fatalf("nobody over the limit: reads %v", quiet.reads)
	}
	total := ask(d, `{"queryType":"totals","metric":"throttled"}`)
	if v := total.Frames[0].Fields[0].At(0); v != 0.0 || quiet.reads[1] != "series" {
		t.Fatalf("throttled in all: %v from %v", v, quiet.reads)
	}
}

// The per-user table prices each user's writes with the window's totals, the read the overview's
// Total events panel makes; a table filtered to some users still divides by every write, which
// then is a read of its own.
func TestUsersTablePricesEachUsersWrites(t *testing.T) {
	// The busy week of contract/fixtures/cost.json: 7,000,000 writes, 700,000 of them one user's.
	m := &memoryReads{names: map[string]string{"big": "Big Co"}}
	m.points = append(m.points,
		point{"big", "", "ingest", 201, now.Add(-24 * time.Hour), 700_000, 0},
		point{"rest", "", "sync", 101, now.Add(-48 * time.Hour), 6_300_000, 0})
	d := New(settingsForTests(), m, nil, (&clock{now: now}).Now)
	answers := refresh(t, d, 7*24*time.Hour, []json.RawMessage{panel(`{"queryType":"totals"}`), panel(`{"queryType":"users"}`)}, now)
	if reads := slices.Sorted(slices.Values(m.reads)); fmt.Sprint(reads) != "[totals users total desc limit 100 minEvents 0]" {
		t.Fatalf("reads %v", reads)
	}
	table := answers[1].Frames[0]
	share, cost := table.Fields[8], table.Fields[9]
	if table.Fields[0].At(1) != "Big Co" || share.Name != "Share of writes" || share.At(1) != 0.1 || cost.Name != "Monthly AE cost" || math.Abs(cost.At(1).(float64)-0.5) > 1e-12 || math.Abs(cost.At(0).(float64)-4.5) > 1e-12 {
		t.Fatalf("Big Co: %v of the writes, $%v a month; the rest $%v", share.At(1), cost.At(1), cost.At(0))
	}
	before := len(m.reads)
	answers = refresh(t, d, 7*24*time.Hour, []json.RawMessage{panel(`{"queryType":"users","users":["big"]}`)}, now)
	if got := m.reads[before:]; fmt.Sprint(slices.Sorted(slices.Values(got))) != "[users total desc limit 100 minEvents 0]" {
		t.Fatalf("the unfiltered totals are already read: %v", got)
	}
	if v := answers[0].Frames[0].Fields[8].At(0); v != 0.1 {
		t.Fatalf("filtered to Big Co, the share is still of every write: %v", v)
	}
}
