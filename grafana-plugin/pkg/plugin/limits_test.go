package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/workerfake"
	"github.com/usagelens/analytics/pkg/models"
)

// The limits query in worker mode, against the labelled fake of the worker's route: the Limits
// dashboard's two tables (the same query, each showing one frame) make one request per refresh, for
// the last 7 days on a range of up to 7 days and the last 30 on a longer one.
func TestLimitsQueryAsksTheWorkerOncePerRefresh(t *testing.T) {
	fake := &workerfake.Limits{}
	settings := &models.Settings{Mode: models.ModeWorker, WorkerURL: workerfake.Start(t, fake), APIKey: workerfake.Key, TimeoutSeconds: 5}
	clk := &clock{now: now}
	d := newDatasource(settings, http.DefaultClient, clk.Now)
	tables := []json.RawMessage{panel(`{"queryType":"limits"}`), panel(`{"queryType":"limits"}`)}
	answers := refresh(t, d, 7*24*time.Hour, tables, now)
	if got := fake.Requests(); fmt.Sprint(got) != "[period=7d]" {
		t.Fatalf("two tables of a 7-day range asked %v", got)
	}
	for _, a := range answers {
		if len(a.Frames) != 2 || a.Frames[0].Name != "Limits per event" || a.Frames[1].Name != "Users over the limit" || a.Frames[0].RefID != "A" {
			t.Fatalf("frames %v", a.Frames)
		}
	}
	if got := answers[0].Frames[1].Fields[0].At(0); got != "Ada Lovelace" {
		t.Fatalf("first user over: %v", got)
	}
	// A minute later, the same answer; a 24-hour range asks the same week; 30 days the month.
	clk.Add(time.Minute)
	refresh(t, d, 24*time.Hour, tables, now.Add(time.Minute))
	refresh(t, d, 30*24*time.Hour, []json.RawMessage{panel(`{"queryType":"limits","headroom":3,"events":["ingest"]}`)}, now.Add(time.Minute))
	if got := fake.Requests(); fmt.Sprint(got) != "[period=7d event=ingest&headroom=3&period=30d]" {
		t.Fatalf("requests %v", got)
	}
	// After the TTL the week is asked again.
	clk.Add(maxTTL)
	refresh(t, d, 7*24*time.Hour, tables[:1], now.Add(maxTTL+time.Minute))
	if got := fake.Requests(); len(got) != 3 || got[2] != "period=7d" {
		t.Fatalf("requests %v", got)
	}
}

func TestLimitsQuerySaysWhatItCannotDo(t *testing.T) {
	ask := func(d *Datasource, model string) error {
		res, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
			RefID: "A", JSON: json.RawMessage(model), TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now},
		}}})
		return res.Responses["A"].Error
	}
	sqlMode := &models.Settings{Mode: models.ModeSQL, AccountID: "acc", Dataset: "usage_analytics", SQLAPIBaseURL: "http://ae.invalid", AEToken: "t", TimeoutSeconds: 5}
	if err := ask(newDatasource(sqlMode, http.DefaultClient, (&clock{now: now}).Now), `{"queryType":"limits"}`); err == nil ||
		!strings.Contains(err.Error(), "the limits query needs the data source in worker mode: the configured limits and tiers live in the app") {
		t.Fatalf("sql mode: %v", err)
	}
	fake := &workerfake.Limits{}
	worker := &models.Settings{Mode: models.ModeWorker, WorkerURL: workerfake.Start(t, fake), APIKey: workerfake.Key, TimeoutSeconds: 5}
	d := newDatasource(worker, http.DefaultClient, (&clock{now: now}).Now)
	if err := ask(d, `{"queryType":"limits","users":["u_1"]}`); err == nil || !strings.Contains(err.Error(), "takes no user or org filter") {
		t.Fatalf("a user filter: %v", err)
	}
	if err := ask(d, `{"queryType":"limits","headroom":50}`); err == nil || !strings.Contains(err.Error(), "headroom: must be a number from 1 to 10") {
		t.Fatalf("a headroom the worker refuses: %v", err)
	}
	if len(fake.Requests()) != 1 {
		t.Fatalf("only the last query reached the worker: %v", fake.Requests())
	}
}
