package pluginhost

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/workerfake"
)

// The built binary, over gRPC as Grafana drives it, answers the limits query with the two tables,
// from the labelled fake of the worker's /api/admin/limits (until the worker's route lands on this
// branch; the integration tests then ask the real worker), and refuses it in sql mode in words.
func TestBinaryAnswersTheLimitsQuery(t *testing.T) {
	p, err := Launch(DefaultBinary(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	fake := &workerfake.Limits{}
	worker := backend.DataSourceInstanceSettings{
		UID: "limits-fake", Type: "usagelens-analytics-datasource",
		JSONData:                json.RawMessage(fmt.Sprintf(`{"mode":"worker","workerUrl":%q,"timeoutSeconds":5}`, workerfake.Start(t, fake))),
		DecryptedSecureJSONData: map[string]string{"apiKey": workerfake.Key},
	}
	sql := backend.DataSourceInstanceSettings{
		UID: "limits-sql", Type: "usagelens-analytics-datasource",
		JSONData:                json.RawMessage(`{"mode":"sql","accountId":"acc","dataset":"usage_analytics","sqlApiBaseUrl":"http://127.0.0.1:9","timeoutSeconds":5}`),
		DecryptedSecureJSONData: map[string]string{"aeToken": "t"},
	}
	to := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	query := func(settings backend.DataSourceInstanceSettings, model string) backend.DataResponse {
		res, err := p.QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: Context(settings), Queries: []backend.DataQuery{{
			RefID: "A", JSON: json.RawMessage(model), TimeRange: backend.TimeRange{From: to.Add(-24 * time.Hour), To: to}, Interval: time.Minute, MaxDataPoints: 1000,
		}}})
		if err != nil {
			t.Fatalf("QueryData over gRPC: %v", err)
		}
		return res.Responses["A"]
	}
	r := query(worker, `{"queryType":"limits","headroom":2}`)
	if r.Error != nil || len(r.Frames) != 2 {
		t.Fatalf("%v, %d frames", r.Error, len(r.Frames))
	}
	rows := func(i int) []string {
		f := r.Frames[i]
		var out []string
		for row := 0; row < f.Rows(); row++ {
			var cells []string
			for _, field := range f.Fields {
				cells = append(cells, fmt.Sprint(field.At(row)))
			}
			out = append(out, strings.Join(cells, " "))
		}
		return out
	}
	if got := rows(0); fmt.Sprint(got) != "[Sync 40 12 60 140 300 1 4 9 31 18 280 60 600 Ingest 5 30 200 950 990 3 20 70 75 140 1900 60 600]" {
		t.Fatalf("limits per event %v", got)
	}
	if got := rows(1); fmt.Sprint(got) != "[Ada Lovelace usr_ada high Sync 0 0 1 3 svc_9 svc_9 standard Ingest 4 39 0 0]" {
		t.Fatalf("users over the limit %v", got)
	}
	if got := fake.Requests(); fmt.Sprint(got) != "[headroom=2&period=7d]" {
		t.Fatalf("requests %v", got)
	}
	if r := query(sql, `{"queryType":"limits"}`); r.Error == nil || !strings.Contains(r.Error.Error(), "needs the data source in worker mode") || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Fatalf("sql mode: %v (%s)", r.Error, r.ErrorSource)
	}
}
