package plugin

import (
	"context"
	"fmt"
	"regexp"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var (
	printer        = message.NewPrinter(language.English)
	unknownDataset = regexp.MustCompile(`(?i)unknown dataset|unknown table|does not exist|UNKNOWN_TABLE`)
)

// CheckHealth makes one real request and says what it found: the figure on success, or what is
// wrong (unreachable, bad key, AE not enabled, unknown dataset) in words.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	fail := func(msg string) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg}, nil
	}
	if err := d.settings.Validate(); err != nil {
		return fail("Settings: " + err.Error())
	}
	if d.settings.Mode == models.ModeWorker {
		report, err := d.worker.Summary(ctx)
		if err != nil {
			return fail(capitalise(err.Error()))
		}
		return &backend.CheckHealthResult{
			Status: backend.HealthStatusOk,
			Message: printer.Sprintf("Connected to the worker (dataset %s): %d events from %d users in the last 24 h",
				report.Dataset, int64(report.Totals.Events), report.Totals.ActiveUsers),
		}, nil
	}
	sql := fmt.Sprintf("SELECT SUM(_sample_interval) AS events, uniq(index1) AS users FROM %s WHERE timestamp > NOW() - INTERVAL '1' DAY FORMAT JSON", d.settings.Dataset)
	result, err := d.sql.Query(ctx, sql)
	if err != nil {
		if e, ok := upstream.AsError(err); ok && e.Kind == upstream.Invalid && unknownDataset.MatchString(e.Message) {
			return fail(fmt.Sprintf("Dataset %s was not found in account %s: nothing has been written to it yet, or the name is wrong", d.settings.Dataset, d.settings.AccountID))
		}
		return fail(capitalise(err.Error()))
	}
	var events, users float64
	if len(result.Data) == 1 {
		events, _ = usage.Number(result.Data[0]["events"])
		users, _ = usage.Number(result.Data[0]["users"])
	}
	return &backend.CheckHealthResult{
		Status:  backend.HealthStatusOk,
		Message: printer.Sprintf("Connected to Analytics Engine (dataset %s): %d events from %d users in the last 24 h", d.settings.Dataset, int64(events), int64(users)),
	}, nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
