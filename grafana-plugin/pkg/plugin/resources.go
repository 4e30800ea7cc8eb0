package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
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
	if err := d.check(); err != nil {
		return reply(http.StatusBadRequest, map[string]string{"error": "data source settings: " + err.Error()})
	}
	var options []Option
	var err error
	switch strings.Trim(req.Path, "/") {
	case "events":
		for _, e := range contract.Events {
			options = append(options, Option{Value: e, Text: contract.EventLabels[e]})
		}
	case "users":
		options, err = d.userOptions(ctx)
	case "orgs":
		options, err = d.orgOptions(ctx)
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
		options = []Option{}
	}
	return reply(http.StatusOK, options)
}

// Option is a template variable value.
type Option struct {
	Value string `json:"value"`
	Text  string `json:"text"`
}

// variableSpan is how far back the variables look for users and orgs.
const variableSpan = 30 * 24 * time.Hour

// variables reads through the dashboard cache, so every variable of a dashboard load (and the
// reloads within the TTL) share one read; in sql mode it is one of the four documented reads.
func (d *Datasource) variables() (*cachedReader, usage.Filter) {
	now := d.now()
	return &cachedReader{cache: d.cache, upstream: d.reads}, usage.Filter{From: now.Add(-variableSpan), To: now}
}

// userOptions are the busiest users of the last 30 days, by name where the worker knows it.
func (d *Datasource) userOptions(ctx context.Context) ([]Option, error) {
	reader, f := d.variables()
	users, err := reader.Users(ctx, f, usage.UsersPage{Sort: usage.SortTotal, Order: "desc", Limit: contract.ReadLimits.MaxPageSize})
	if err != nil {
		return nil, err
	}
	options := make([]Option, 0, len(users))
	for _, u := range users {
		options = append(options, Option{Value: u.ID, Text: u.Label()})
	}
	return options, nil
}

// orgOptions are the organisations of the last 30 days; users in none are not an option.
func (d *Datasource) orgOptions(ctx context.Context) ([]Option, error) {
	reader, f := d.variables()
	orgs, err := reader.Orgs(ctx, f, contract.ReadLimits.MaxOrgs)
	if err != nil {
		return nil, err
	}
	options := make([]Option, 0, len(orgs))
	for _, o := range orgs {
		if o.ID != "" {
			options = append(options, Option{Value: o.ID, Text: o.Label()})
		}
	}
	return options, nil
}
