package plugin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/models"
)

var (
	stringLiteral = regexp.MustCompile(`'(?:[^']|'')*'`)
	literalList   = regexp.MustCompile(`\('\?'(?:, '\?')*\)`)
	integer       = regexp.MustCompile(`\b\d+\b`)
)

// shapeOf is a statement with its values taken out: what the dialect checker judges.
func shapeOf(sql string) string {
	sql = stringLiteral.ReplaceAllString(sql, "'?'")
	sql = literalList.ReplaceAllString(sql, "('?'…)")
	return integer.ReplaceAllString(sql, "N")
}

// pkg/usage/testdata/sql-shapes.json lists the SQL the plugin sends, for the TypeScript side to
// check against AE's documented dialect. This drives the data source in sql mode through every
// query type, the dashboards' panels, the alert rules' queries, the health check and the
// variables, against an SQL API (a recording stand-in: what is sent is the point, not what AE
// answers) and fails on any statement whose shape the file does not list.
func TestEverySQLTheDataSourceSendsIsAListedShape(t *testing.T) {
	raw, err := os.ReadFile("../usage/testdata/sql-shapes.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Shapes []struct{ SQL string } `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, s := range file.Shapes {
		listed[shapeOf(s.SQL)] = true
	}

	var mu sync.Mutex
	var sent []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, string(body))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"meta":[],"data":[],"rows":0}`))
	}))
	defer api.Close()
	settings := &models.Settings{Mode: models.ModeSQL, AccountID: "acc", Dataset: "usage_analytics", SQLAPIBaseURL: api.URL, AEToken: "t", TimeoutSeconds: 5}
	d := newDatasource(settings, api.Client(), (&clock{now: now}).Now)

	queries := append(append([]json.RawMessage{}, overview...), userDetail...)
	for _, model := range []string{
		`{"queryType":"perUser","metric":"events","minEvents":20}`,
		`{"queryType":"perUser","metric":"error_rate","minEvents":20,"topN":50}`,
		`{"queryType":"perUser","metric":"events","minEvents":20,"minOverLimit":1}`,
		`{"queryType":"perUser","metric":"throttled","minEvents":20,"minOverLimit":1}`,
		`{"queryType":"totals","metric":"over_limit"}`,
		`{"queryType":"totals","metric":"throttled"}`,
		`{"queryType":"timeseries","groupBy":"user","metric":"over_limit","topN":10}`,
		`{"queryType":"timeseries","groupBy":"event","metric":"throttled"}`,
		`{"queryType":"totals","metric":"events"}`,
		`{"queryType":"timeseries","groupBy":"org","metric":"errors","orgs":["org_a"],"events":["sync"]}`,
		`{"queryType":"timeseries","groupBy":"user","metric":"events","users":["o'brien","back\\slash"]}`,
		`{"queryType":"timeseries","groupBy":"total","metric":"events"}`,
		`{"queryType":"users","topN":500,"orgs":["org_a"],"events":["chat","auth"]}`,
		`{"queryType":"orgs","users":["u"]}`,
	} {
		queries = append(queries, json.RawMessage(model))
	}
	for _, span := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour} {
		for i, model := range queries {
			req := &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: now.Add(-span), To: now.Add(999 * time.Millisecond)}}}}
			if i%2 == 0 {
				req.Headers = map[string]string{"FromAlert": "true"}
			}
			res, err := d.QueryData(context.Background(), req)
			if err != nil || res.Responses["A"].Error != nil {
				t.Fatalf("%s: %v %v", model, err, res.Responses["A"].Error)
			}
		}
	}
	if health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{}); health.Status != backend.HealthStatusOk {
		t.Fatalf("health: %s", health.Message)
	}
	for _, resource := range []string{"users", "orgs"} {
		var out captured
		if err := d.CallResource(context.Background(), &backend.CallResourceRequest{Path: resource, Method: http.MethodGet}, &out); err != nil || out.responses[0].Status != 200 {
			t.Fatalf("%s: %v %+v", resource, err, out.responses)
		}
	}

	unlisted := map[string]bool{}
	for _, sql := range sent {
		if !listed[shapeOf(sql)] {
			unlisted[sql] = true
		}
	}
	if len(unlisted) > 0 {
		var list []string
		for sql := range unlisted {
			list = append(list, sql)
		}
		sort.Strings(list)
		t.Fatalf("the data source sends SQL that pkg/usage/testdata/sql-shapes.json does not list (add its shape in pkg/usage/shapes_test.go):\n%s", strings.Join(list, "\n"))
	}
	if len(sent) < 10 {
		t.Fatalf("only %d statements were sent", len(sent))
	}
}

type captured struct {
	responses []*backend.CallResourceResponse
}

func (c *captured) Send(r *backend.CallResourceResponse) error {
	c.responses = append(c.responses, r)
	return nil
}
