package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/upstream"
)

// CallResource serves template variable values: GET users (id and name), orgs, events.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	reply := func(status int, body any) error {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		return sender.Send(&backend.CallResourceResponse{Status: status, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: b})
	}
	if req.Method != http.MethodGet {
		return reply(http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
	}
	if err := d.settings.Validate(); err != nil {
		return reply(http.StatusBadRequest, map[string]string{"error": "data source settings: " + err.Error()})
	}
	var options []upstream.Option
	var err error
	switch strings.Trim(req.Path, "/") {
	case "events":
		for _, e := range contract.Events {
			options = append(options, upstream.Option{Value: e, Text: contract.EventLabels[e]})
		}
	case "users":
		options, err = d.users(ctx)
	case "orgs":
		options, err = d.orgs(ctx)
	default:
		return reply(http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no resource %q; use users, orgs or events", req.Path)})
	}
	if err != nil {
		status := http.StatusBadGateway
		if e, ok := upstream.AsError(err); ok && e.Status == http.StatusUnauthorized {
			status = http.StatusUnauthorized
		}
		return reply(status, map[string]string{"error": err.Error()})
	}
	if options == nil {
		options = []upstream.Option{}
	}
	return reply(http.StatusOK, options)
}

// In sql mode AE knows ids only: the values are the ids seen in the last 30 days, busiest first.
const distinctSQL = "SELECT %s AS id, SUM(_sample_interval) AS n FROM %s WHERE timestamp > NOW() - INTERVAL '30' DAY AND %s != '' GROUP BY id ORDER BY n DESC LIMIT 1000 FORMAT JSON"

func (d *Datasource) distinct(ctx context.Context, column string) ([]upstream.Option, error) {
	result, err := d.sql.Query(ctx, fmt.Sprintf(distinctSQL, column, d.settings.Dataset, column))
	if err != nil {
		return nil, err
	}
	options := make([]upstream.Option, 0, len(result.Data))
	for _, row := range result.Data {
		id, _ := row["id"].(string)
		options = append(options, upstream.Option{Value: id, Text: id})
	}
	return options, nil
}

func (d *Datasource) users(ctx context.Context) ([]upstream.Option, error) {
	if d.settings.Mode == models.ModeWorker {
		return d.worker.Users(ctx)
	}
	return d.distinct(ctx, contract.ColumnUserID)
}

func (d *Datasource) orgs(ctx context.Context) ([]upstream.Option, error) {
	if d.settings.Mode == models.ModeWorker {
		return d.worker.Orgs(ctx)
	}
	return d.distinct(ctx, contract.ColumnOrgID)
}
