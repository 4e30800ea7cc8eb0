package stacktest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Fixture is known usage for two users in the last hour: Ivy, a real app user (so worker mode
// shows her name), and an id the app does not know.
type Fixture struct {
	Ivy, Other string
	Org        string
	From, To   time.Time
}

// Expected counts of the fixture.
const (
	FixtureEvents = 15
	FixtureErrors = 1
	FixtureIvy    = 10
)

// Seed writes the fixture into the dataset.
func Seed(t testing.TB, s Stack, dataset string) Fixture {
	t.Helper()
	f := Fixture{
		Ivy:   s.SignUp(t, "Integration Ivy"),
		Other: UniqueID("intg"),
		Org:   UniqueID("org"),
		To:    time.Now().Add(time.Minute).Truncate(time.Second),
	}
	f.From = f.To.Add(-time.Hour)
	at := func(minutesAgo int) time.Time { return f.To.Add(-time.Duration(minutesAgo+1) * time.Minute) }
	var points []Point
	for i := 0; i < 4; i++ {
		points = append(points, Point{User: f.Ivy, Event: "sync", Org: f.Org, Status: 101, At: at(50 - i)})
	}
	points = append(points,
		Point{User: f.Ivy, Event: "auth", Org: f.Org, Status: 200, At: at(30)},
		Point{User: f.Ivy, Event: "auth", Org: f.Org, Status: 200, At: at(29)},
		Point{User: f.Ivy, Event: "auth", Org: f.Org, Status: 401, At: at(28)},
		Point{User: f.Ivy, Event: "ingest", Org: f.Org, Status: 201, At: at(10), Sample: 3},
		Point{User: f.Other, Event: "chat", Org: "", Status: 101, At: at(5), Sample: 5},
	)
	s.Write(t, dataset, points)
	return f
}

// Query builds a panel query of the fixture's users over its window.
func (f Fixture) Query(refID string, model map[string]any) backend.DataQuery {
	model["refId"] = refID
	if _, ok := model["users"]; !ok && model["queryType"] != "sql" {
		model["users"] = []string{f.Ivy, f.Other}
	}
	raw, _ := json.Marshal(model)
	return backend.DataQuery{
		RefID:         refID,
		QueryType:     model["queryType"].(string),
		JSON:          raw,
		TimeRange:     backend.TimeRange{From: f.From, To: f.To},
		Interval:      time.Minute,
		MaxDataPoints: 500,
	}
}
