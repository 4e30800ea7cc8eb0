// Package plugin is the Usage Lens data source: QueryData for panels and alert rules, CheckHealth
// for "Save & test", CallResource for template variables.
package plugin

import (
	"context"
	"fmt"
	"net/http"
	"sync"
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

// Datasource is one configured instance.
type Datasource struct {
	settings *models.Settings
	// reads is the configured mode's upstream: the worker's read endpoints, or AE's SQL API.
	reads usage.Reader
	// sql is AE's SQL API in sql mode (raw SQL queries), nil in worker mode.
	sql    *upstream.SQLAPI
	cache  *readCache
	now    func() time.Time
	client *http.Client
	// invalid is why the settings could not be loaded, if they could not.
	invalid error
}

// check says what is wrong with the settings, if anything.
func (d *Datasource) check() error {
	if d.invalid != nil {
		return d.invalid
	}
	return d.settings.Validate()
}

// NewDatasource builds an instance from its settings. Invalid settings still give an instance, so
// that CheckHealth and queries can say what is wrong instead of Grafana's generic failure.
func NewDatasource(_ context.Context, source backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := models.LoadSettings(source)
	if err != nil {
		d := New(&models.Settings{}, nil, nil, time.Now)
		d.invalid = err
		return d, nil
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
	d := newDatasource(settings, client, time.Now)
	d.client = client
	return d, nil
}

// newDatasource reads from the configured mode's upstream through client.
func newDatasource(settings *models.Settings, client *http.Client, now func() time.Time) *Datasource {
	if settings.Mode == models.ModeSQL {
		api := &upstream.SQLAPI{BaseURL: settings.SQLAPIBaseURL, AccountID: settings.AccountID, Token: settings.AEToken, HTTP: client, Now: now}
		return New(settings, &upstream.SQLReads{API: api, Dataset: settings.Dataset}, api, now)
	}
	return New(settings, &upstream.Worker{BaseURL: settings.WorkerURL, APIKey: settings.APIKey, HTTP: client}, nil, now)
}

// New is an instance that makes its reads with reads (and raw SQL with sql, in sql mode), caching
// them by the clock now. The bench drives it with a counting reader and a virtual clock.
func New(settings *models.Settings, reads usage.Reader, sql *upstream.SQLAPI, now func() time.Time) *Datasource {
	return &Datasource{settings: settings, reads: reads, sql: sql, cache: newReadCache(now), now: now}
}

// Dispose closes idle connections when Grafana replaces the instance after a settings change.
func (d *Datasource) Dispose() {
	if d.client != nil {
		d.client.CloseIdleConnections()
	}
}

// QueryData answers each query, concurrently; queries of the same window and filters share reads
// through the cache, within a request and across the requests of a dashboard refresh. Alert rule
// evaluations read in their own namespace of the cache (see fromAlert).
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	reader := &cachedReader{cache: d.cache, upstream: d.reads, alert: fromAlert(req.Headers)}
	response := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, q := range req.Queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := d.query(ctx, reader, q)
			mu.Lock()
			response.Responses[q.RefID] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return response, nil
}

func (d *Datasource) query(ctx context.Context, reader usage.Reader, dq backend.DataQuery) backend.DataResponse {
	if err := d.check(); err != nil {
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
	result, err := frames(ctx, reader, q, usage.Filter{From: from, To: to, Users: q.Users, Orgs: q.Orgs, Events: q.Events})
	if err != nil {
		return errorResponse(err)
	}
	for _, f := range result {
		f.RefID = dq.RefID
	}
	return backend.DataResponse{Frames: result}
}

func (d *Datasource) rawSQL(ctx context.Context, q models.Query, dq backend.DataQuery) backend.DataResponse {
	if d.settings.Mode != models.ModeSQL {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
			"raw SQL needs the data source in sql mode (account ID + API token); worker mode can only ask the usage API")
	}
	sql, err := macros.Prepare(q.RawSQL, macros.Context{From: dq.TimeRange.From, To: dq.TimeRange.To, Interval: dq.Interval, Dataset: d.settings.Dataset})
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourcePlugin, err.Error())
	}
	result, err := d.sql.Query(ctx, sql)
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
