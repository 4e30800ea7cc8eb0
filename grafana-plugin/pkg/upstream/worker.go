package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/usagelens/analytics/pkg/usage"
)

// Worker is the worker's admin API, authenticated with an admin API key.
type Worker struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

func (w *Worker) get(ctx context.Context, path string, query url.Values, out any) error {
	target := strings.TrimRight(w.BaseURL, "/") + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return &Error{Kind: Invalid, Message: fmt.Sprintf("bad worker URL %q: %v", w.BaseURL, err)}
	}
	req.Header.Set("Authorization", "Bearer "+w.APIKey)
	req.Header.Set("Accept", "application/json")
	res, body, err := exchange(ctx, w.HTTP, req, "the worker", w.BaseURL)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return workerError(res, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Kind: Malformed, Status: res.StatusCode, Message: fmt.Sprintf("the worker answered %s with malformed JSON: %v", path, err)}
	}
	return nil
}

func workerError(res *http.Response, body []byte) *Error {
	msg := bodyMessage(body)
	switch {
	case res.StatusCode == http.StatusUnauthorized:
		return &Error{Kind: Unauthorized, Status: 401, Message: "the worker rejected the API key (401): check the key in the data source settings, it may have been revoked"}
	case res.StatusCode == http.StatusForbidden:
		return &Error{Kind: Forbidden, Status: 403, Message: "the API key is not an admin key (403): create one with scope admin"}
	case res.StatusCode == http.StatusBadRequest:
		return &Error{Kind: Invalid, Status: 400, Message: "the worker refused the query: " + msg}
	case res.StatusCode == http.StatusNotFound:
		return &Error{Kind: Invalid, Status: 404, Message: "the worker has no usage API at this URL (404): check the Worker URL"}
	case res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusTooManyRequests:
		retry := res.Header.Get("Retry-After")
		if retry != "" {
			msg += " (retry after " + retry + " s)"
		}
		return &Error{Kind: Throttled, Status: res.StatusCode, Message: msg}
	case res.StatusCode == http.StatusGatewayTimeout:
		return &Error{Kind: Timeout, Status: res.StatusCode, Message: msg}
	default:
		return &Error{Kind: Failed, Status: res.StatusCode, Message: fmt.Sprintf("the worker failed (%d): %s", res.StatusCode, msg)}
	}
}

// Usage asks /api/admin/usage for the cube of p: every dimension and time buckets.
func (w *Worker) Usage(ctx context.Context, p usage.Params) (*usage.Report, error) {
	q := url.Values{}
	q.Set("from", strconv.FormatInt(p.From.UnixMilli(), 10))
	q.Set("to", strconv.FormatInt(p.To.UnixMilli(), 10))
	q.Set("interval", strconv.FormatInt(int64(p.Interval/time.Second), 10))
	q.Set("group", "user,event,org,status")
	for _, u := range p.Users {
		q.Add("user", u)
	}
	for _, o := range p.Orgs {
		q.Add("org", o)
	}
	if len(p.Events) > 0 {
		q.Set("event", strings.Join(p.Events, ","))
	}
	var r usage.Report
	if err := w.get(ctx, "/api/admin/usage", q, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Option is a template variable value.
type Option struct {
	Value string `json:"value"`
	Text  string `json:"text"`
}

// named lists id/name records that the admin API returns under key.
func (w *Worker) named(ctx context.Context, path, key string) ([]Option, error) {
	var out map[string][]struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := w.get(ctx, path, nil, &out); err != nil {
		return nil, err
	}
	options := make([]Option, 0, len(out[key]))
	for _, r := range out[key] {
		options = append(options, Option{Value: r.ID, Text: r.Name})
	}
	return options, nil
}

// Users lists the app's users (id and name).
func (w *Worker) Users(ctx context.Context) ([]Option, error) {
	return w.named(ctx, "/api/admin/users", "users")
}

// Orgs lists the app's organisations.
func (w *Worker) Orgs(ctx context.Context) ([]Option, error) {
	return w.named(ctx, "/api/admin/orgs", "orgs")
}

// Summary is the last 24 hours' usage, for the health check.
func (w *Worker) Summary(ctx context.Context) (*usage.Report, error) {
	var r usage.Report
	if err := w.get(ctx, "/api/admin/usage", url.Values{"period": {"24h"}}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
