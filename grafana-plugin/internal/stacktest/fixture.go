package stacktest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Fixture is known usage in the last hour: Ivy, a real app user (so worker mode shows her name),
// an id the app does not know (Other), an id full of quotes and backslashes (Tricky), a user
// with an event exactly on a minute (Edge, at EdgeAt) for the time series axis, and a user over
// their rate limit, let through and refused (Capped). Ivy and Other went over their limit too.
type Fixture struct {
	Ivy, Other, Tricky, Edge, Capped string
	Org                              string
	From, To                         time.Time
	EdgeAt                           time.Time
}

// Expected counts of the fixture (Ivy and Other unless said).
const (
	FixtureEvents = 15
	FixtureErrors = 1
	FixtureIvy    = 10
	FixtureTricky = 2
	FixtureEdge   = 2
	// Calls over the limit: Ivy's two 200s on auth, Other's chat (sampled 1 in 5); Capped's five
	// auth calls, three of them refused (429).
	FixtureIvyOver       = 2
	FixtureOtherOver     = 5
	FixtureCappedOver    = 5
	FixtureCappedRefused = 3
)

// Seed writes the fixture into the dataset.
func Seed(t testing.TB, s Stack, dataset string) Fixture {
	t.Helper()
	f := Fixture{
		Ivy:   s.SignUp(t, "Integration Ivy"),
		Other: UniqueID("intg"),
		// AE SQL has no documented escapes: these must survive the plugin's literals (quotes and
		// backslashes doubled) and the worker's bound parameters alike.
		Tricky: UniqueID(`o'brien\'q''x\`),
		Edge:   UniqueID("edge"),
		Capped: UniqueID("capped"),
		Org:    UniqueID("org"),
		To:     time.Now().Add(time.Minute).Truncate(time.Second),
	}
	f.From = f.To.Add(-time.Hour)
	f.EdgeAt = f.To.Truncate(time.Minute).Add(-3 * time.Minute)
	at := func(minutesAgo int) time.Time { return f.To.Add(-time.Duration(minutesAgo+1) * time.Minute) }
	var points []Point
	for i := 0; i < 4; i++ {
		points = append(points, Point{User: f.Ivy, Event: "sync", Org: f.Org, Status: 101, At: at(50 - i)})
	}
	points = append(points,
		Point{User: f.Ivy, Event: "auth", Org: f.Org, Status: 200, At: at(30), OverLimit: true},
		Point{User: f.Ivy, Event: "auth", Org: f.Org, Status: 200, At: at(29), OverLimit: true},
		Point{User: f.Ivy, Event: "auth", Org: f.Org, Status: 401, At: at(28)},
		Point{User: f.Ivy, Event: "ingest", Org: f.Org, Status: 201, At: at(10), Sample: 3},
		Point{User: f.Other, Event: "chat", Org: "", Status: 101, At: at(5), Sample: 5, OverLimit: true},
		Point{User: f.Tricky, Event: "auth", Org: "", Status: 200, At: at(20)},
		Point{User: f.Tricky, Event: "auth", Org: "", Status: 200, At: at(19)},
		Point{User: f.Edge, Event: "sync", Org: "", Status: 101, At: f.EdgeAt.Add(-2 * time.Minute)},
		Point{User: f.Edge, Event: "sync", Org: "", Status: 101, At: f.EdgeAt},
		Point{User: f.Capped, Event: "auth", Org: "", Status: 200, At: at(15), OverLimit: true},
		Point{User: f.Capped, Event: "auth", Org: "", Status: 200, At: at(15), OverLimit: true},
		Point{User: f.Capped, Event: "auth", Org: "", Status: 429, At: at(14), OverLimit: true},
		Point{User: f.Capped, Event: "auth", Org: "", Status: 429, At: at(14), OverLimit: true},
		Point{User: f.Capped, Event: "auth", Org: "", Status: 429, At: at(13), OverLimit: true},
	)
	s.Write(t, dataset, points)
	return f
}

// Query builds a panel query of the fixture's window, for Ivy and Other unless it names users.
func (f Fixture) Query(refID string, model map[string]any) backend.DataQuery {
	return f.QueryOver(refID, model, f.From, f.To)
}

// QueryOver builds a panel query over [from, to).
func (f Fixture) QueryOver(refID string, model map[string]any, from, to time.Time) backend.DataQuery {
	model["refId"] = refID
	if _, ok := model["users"]; !ok && model["queryType"] != "sql" {
		model["users"] = []string{f.Ivy, f.Other}
	}
	raw, _ := json.Marshal(model)
	return backend.DataQuery{
		RefID:         refID,
		QueryType:     model["queryType"].(string),
		JSON:          raw,
		TimeRange:     backend.TimeRange{From: from, To: to},
		Interval:      time.Minute,
		MaxDataPoints: 500,
	}
}
