package plugin

import (
	"context"
	"fmt"
	"regexp"
	"time"

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

// CheckHealth makes one real read, the totals of the last 24 hours (the same totals read the
// panels use, so in sql mode the health check sends only documented SQL), and says what it found:
// the figure on success, or what is wrong (unreachable, bad key, AE not enabled, unknown dataset)
// in words.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	fail := func(msg string) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg}, nil
	}
	if err := d.check(); err != nil {
		return fail("Settings: " + err.Error())
	}
	now := d.now()
	totals, err := d.reads.Totals(ctx, usage.Filter{From: now.Add(-24 * time.Hour), To: now})
	if err != nil {
		if e, ok := upstream.AsError(err); ok && d.settings.Mode == models.ModeSQL && e.Kind == upstream.Invalid && unknownDataset.MatchString(e.Message) {
			return fail(fmt.Sprintf("Dataset %s was not found in account %s: nothing has been written to it yet, or the name is wrong", d.settings.Dataset, d.settings.AccountID))
		}
		return fail(capitalise(err.Error()))
	}
	where := "the worker"
	if d.settings.Mode == models.ModeSQL {
		where = "Analytics Engine"
	}
	return &backend.CheckHealthResult{
		Status: backend.HealthStatusOk,
		Message: printer.Sprintf("Connected to %s (dataset %s): %d events from %d users in the last 24 h",
			where, totals.Dataset, int64(totals.Events), int64(totals.ActiveUsers)),
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
