// Package plugin is the Usage Lens data source: QueryData for panels and alert rules, CheckHealth
// for "Save & test", CallResource for template variables.
package plugin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/converters"
	"github.com/usagelens/analytics/pkg/macros"
	"github.com/usagelens/analytics/pkg/models"
	"github.com/usagelens/analytics/pkg/upstream"
	"github.com/usagelens/analytics/pkg/usage"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// How long one upstream answer serves other panels, and how far apart their "now" may be.
const (
	cacheTTL       = 10 * time.Second
	cacheTolerance = 5 * time.Second
)

// Datasource is one configured instance.
type Datasource struct {
	settings *models.Settings
	worker   *upstream.Worker
	sql      *upstream.SQLAPI
	cache    *reportCache
	client   *http.Client
}

// NewDatasource builds an instance from its settings. Invalid settings still give an instance, so
// that CheckHealth and queries can say what is wrong instead of Grafana's generic failure.
func NewDatasource(_ context.Context, source backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := models.LoadSettings(source)
	if err != nil {
		return &Datasource{settings: settings, cache: newReportCache(cacheTTL, cacheTolerance)}, nil
	}
	opts, err := source.HTTPClientOptions(context.Background())
	if err != nil {
		return nil, fmt.Errorf("http client options: %w", err)
	}
	opts.Timeouts.Timeout = settings.Timeout()
	client, err := httpclient.New(opts)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return newDatasource(settings, client), nil
}

func newDatasource(settings *models.Settings, client *http.Client) *Datasource {
	return &Datasource{
		settings: settings,
		client:   client,
		worker:   &upstream.Worker{BaseURL: settings.WorkerURL, APIKey: settings.APIKey, HTTP: client},
		sql:      &upstream.SQLAPI{BaseURL: settings.SQLAPIBaseURL, AccountID: settings.AccountID, Token: settings.AEToken, HTTP: client},
		cache:    newReportCache(cacheTTL, cacheTolerance),
	}
}

// Dispose closes idle connections when Grafana replaces the instance after a settings change.
func (d *Datasource) Dispose() {
	if d.client != nil {
		d.client.CloseIdleConnections()
	}
}

// QueryData answers each query; queries sharing range and filters share one upstream request.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		response.Responses[q.RefID] = d.query(ctx, q)
	}
	return response, nil
}

// fetchReport gets the usage cube for params from the configured mode.
func (d *Datasource) fetchReport(ctx context.Context, p usage.Params) (*usage.Report, error) {
	if d.settings.Mode == models.ModeWorker {
		return d.worker.Usage(ctx, p)
	}
	result, err := d.sql.Query(ctx, usage.CubeSQL(p, d.settings.Dataset))
	if err != nil {
		return nil, err
	}
	report, err := usage.RollUp(result.Data, p, d.settings.Dataset)
	if err != nil {
		return nil, &upstream.Error{Kind: upstream.Malformed, Message: "Analytics Engine's answer did not have the expected columns: " + err.Error()}
	}
	return report, nil
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery) backend.DataResponse {
	if err := d.settings.Validate(); err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, "data source settings: "+err.Error())
	}
	q, err := models.ParseQuery(dq.JSON)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourcePlugin, err.Error())
	}
	from, to := dq.TimeRange.From.UTC(), dq.TimeRange.To.UTC()
	if !from.Before(to) {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourcePlugin, "the time range is empty")
	}

	if q.QueryType == contract.QueryTypeSQL {
		return d.rawSQL(ctx, q, dq)
	}

	params := usage.Params{From: from, To: to, Interval: usage.IntervalFor(to.Sub(from)), Users: q.Users, Orgs: q.Orgs, Events: q.Events}
	report, err := d.cache.get(ctx, params, d.fetchReport)
	if err != nil {
		return errorResponse(err)
	}
	var frames data.Frames
	switch q.QueryType {
	case contract.QueryTypeUsers:
		frames = data.Frames{converters.UsersFrame(report, q.TopN)}
	case contract.QueryTypeTotals:
		frames = data.Frames{converters.TotalsFrame(report)}
	case contract.QueryTypeCost:
		frames = data.Frames{converters.CostFrame(report)}
	case contract.QueryTypeStatus:
		frames = data.Frames{converters.StatusFrame(report)}
	case contract.QueryTypeTimeseries:
		frames = converters.TimeSeries(report, q.GroupBy, q.Metric, q.TopN, from, to, params.Interval)
	}
	for _, f := range frames {
		f.RefID = dq.RefID
	}
	return backend.DataResponse{Frames: frames}
}

func (d *Datasource) rawSQL(ctx context.Context, q models.Query, dq backend.DataQuery) backend.DataResponse {
	if d.settings.Mode != models.ModeSQL {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
			"raw SQL needs the data source in sql mode (account ID + API token); worker mode can only ask the usage API")
	}
	sql, err := macros.Expand(q.RawSQL, macros.Context{From: dq.TimeRange.From, To: dq.TimeRange.To, Interval: dq.Interval, Dataset: d.settings.Dataset})
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourcePlugin, err.Error())
	}
	result, err := d.sql.Query(ctx, withJSONFormat(sql))
	if err != nil {
		return errorResponse(err)
	}
	frame, err := converters.FromAE(result, q.Format)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourcePlugin, err.Error())
	}
	frame.RefID = dq.RefID
	frame.Meta = &data.FrameMeta{ExecutedQueryString: sql}
	return backend.DataResponse{Frames: data.Frames{frame}}
}

func errorResponse(err error) backend.DataResponse {
	if e, ok := upstream.AsError(err); ok {
		status := backend.StatusBadGateway
		switch e.Kind {
		case upstream.Unauthorized:
			status = backend.StatusUnauthorized
		case upstream.Forbidden:
			status = backend.StatusForbidden
		case upstream.Invalid:
			status = backend.StatusBadRequest
		case upstream.Throttled:
			status = backend.StatusTooManyRequests
		case upstream.Timeout:
			status = backend.StatusTimeout
		}
		return backend.ErrDataResponseWithSource(status, backend.ErrorSourceDownstream, e.Message)
	}
	log.DefaultLogger.Error("query failed", "error", err)
	return backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin, err.Error())
}
