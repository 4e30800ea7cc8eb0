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

	"github.com/usagelens/analytics/pkg/contract"
	"github.com/usagelens/analytics/pkg/usage"
)

// Worker is the worker's admin usage API (worker mode), authenticated with an admin API key. Each
// of its read endpoints makes exactly one AE read.
type Worker struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

var (
	_ usage.Reader       = (*Worker)(nil)
	_ usage.LimitsReader = (*Worker)(nil)
)

// get asks path and decodes the JSON answer into each of outs.
func (w *Worker) get(ctx context.Context, path string, query url.Values, outs ...any) error {
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
		return workerError(path, res, body)
	}
	for _, out := range outs {
		if err := json.Unmarshal(body, out); err != nil {
			return &Error{Kind: Malformed, Status: res.StatusCode, Message: fmt.Sprintf("the worker answered %s with malformed JSON: %v", path, err)}
		}
	}
	return nil
}

func workerError(path string, res *http.Response, body []byte) *Error {
	msg := bodyMessage(body)
	switch {
	case res.StatusCode == http.StatusUnauthorized:
		return &Error{Kind: Unauthorized, Status: 401, Message: "the worker rejected the API key (401): check the key in the data source settings, it may have been revoked"}
	case res.StatusCode == http.StatusForbidden:
		return &Error{Kind: Forbidden, Status: 403, Message: "the API key is not an admin key (403): create one with scope admin"}
	case res.StatusCode == http.StatusBadRequest:
		return &Error{Kind: Invalid, Status: 400, Message: "the worker refused the query: " + msg}
	case res.StatusCode == http.StatusNotFound:
		return &Error{Kind: Invalid, Status: 404, Message: fmt.Sprintf("the worker has no %s (404): check the Worker URL, and that the worker is recent enough to serve it", path)}
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

// filterQuery is the window and filters every read takes, as the worker's query string has them:
// epoch milliseconds, a repeat per user and org (ids may hold commas), events as a comma list.
func filterQuery(f usage.Filter) url.Values {
	q := url.Values{}
	q.Set("from", strconv.FormatInt(f.From.UnixMilli(), 10))
	q.Set("to", strconv.FormatInt(f.To.UnixMilli(), 10))
	for _, u := range f.Users {
		q.Add("user", u)
	}
	for _, o := range f.Orgs {
		q.Add("org", o)
	}
	if len(f.Events) > 0 {
		q.Set("event", strings.Join(f.Events, ","))
	}
	return q
}

func missing(path, field string) *Error {
	return &Error{Kind: Malformed, Status: http.StatusOK, Message: fmt.Sprintf("the worker answered %s without %s: is the worker the version this plugin expects?", path, field)}
}

// overLimit is the over-limit count a worker answer carries per result (contract/src/reads.ts:
// UsageTotals, UserUsage and SeriesBucket have overLimit), decoded beside the result itself. A
// worker from before rate limits sends none, which would read as zero calls over the limit: it is
// reported instead.
type overLimit struct {
	OverLimit *float64 `json:"overLimit"`
}

func checkOverLimit(path string, results []overLimit) error {
	for _, r := range results {
		if r.OverLimit == nil {
			return &Error{Kind: Malformed, Status: http.StatusOK, Message: fmt.Sprintf(
				"the worker answered %s without overLimit: it predates rate limits (issue 13); update the worker so calls over the limit are counted", path)}
		}
	}
	return nil
}

// Totals asks /api/admin/usage/totals, which also says how many AE reads the worker made today.
func (w *Worker) Totals(ctx context.Context, f usage.Filter) (*usage.Totals, error) {
	var answer struct {
		Dataset string        `json:"dataset"`
		Totals  *usage.Totals `json:"totals"`
		// The worker answers {day, count} (worker/src/usage/query-usage.ts readsToday); the spec
		// drafted {today, day}.
		Reads struct {
			Count float64 `json:"count"`
		} `json:"reads"`
	}
	var present struct {
		Totals overLimit `json:"totals"`
	}
	if err := w.get(ctx, "/api/admin/usage/totals", filterQuery(f), &answer, &present); err != nil {
		return nil, err
	}
	if answer.Totals == nil {
		return nil, missing("/api/admin/usage/totals", "totals")
	}
	if err := checkOverLimit("/api/admin/usage/totals", []overLimit{present.Totals}); err != nil {
		return nil, err
	}
	t := answer.Totals
	t.Dataset, t.ReadsToday = answer.Dataset, answer.Reads.Count
	return t, nil
}

// Orgs asks /api/admin/usage/orgs; the worker names them from the app's tables.
func (w *Worker) Orgs(ctx context.Context, f usage.Filter, limit int) ([]usage.OrgUsage, error) {
	q := filterQuery(f)
	q.Set("limit", strconv.Itoa(limit))
	var answer struct {
		Orgs *[]usage.OrgUsage `json:"orgs"`
	}
	if err := w.get(ctx, "/api/admin/usage/orgs", q, &answer); err != nil {
		return nil, err
	}
	if answer.Orgs == nil {
		return nil, missing("/api/admin/usage/orgs", "orgs")
	}
	return *answer.Orgs, nil
}

// Users asks /api/admin/usage/users for page. The worker's pages hold at most
// contract.ReadLimits.MaxPageSize users, or MaxThresholdPageSize for a page bounded by MinEvents or
// MinOverLimit (worker/src/usage/params.ts; the per-user alert rules' read, which then stays one
// read per evaluation tick); a larger page is asked for in pages, each one more read, until it is
// full or the worker has no more.
func (w *Worker) Users(ctx context.Context, f usage.Filter, page usage.UsersPage) ([]usage.UserUsage, error) {
	var users []usage.UserUsage
	offset := page.Offset
	pageSize := contract.ReadLimits.MaxPageSize
	if page.Bounded() {
		pageSize = contract.ReadLimits.MaxThresholdPageSize
	}
	for len(users) < page.Limit {
		q := filterQuery(f)
		q.Set("sort", page.Sort)
		q.Set("order", page.Order)
		q.Set("limit", strconv.Itoa(min(page.Limit-len(users), pageSize)))
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		if page.MinEvents > 0 {
			q.Set("minEvents", strconv.Itoa(page.MinEvents))
		}
		if page.MinOverLimit > 0 {
			q.Set("minOverLimit", strconv.Itoa(page.MinOverLimit))
		}
		var answer struct {
			Users *[]usage.UserUsage `json:"users"`
			Page  struct {
				NextOffset *int `json:"nextOffset"`
			} `json:"page"`
		}
		var present struct {
			Users []overLimit `json:"users"`
		}
		if err := w.get(ctx, "/api/admin/usage/users", q, &answer, &present); err != nil {
			return nil, err
		}
		if answer.Users == nil {
			return nil, missing("/api/admin/usage/users", "users")
		}
		if err := checkOverLimit("/api/admin/usage/users", present.Users); err != nil {
			return nil, err
		}
		users = append(users, *answer.Users...)
		if answer.Page.NextOffset == nil || len(*answer.Users) == 0 || *answer.Page.NextOffset <= offset {
			break
		}
		offset = *answer.Page.NextOffset
	}
	if users == nil {
		users = []usage.UserUsage{}
	}
	return users, nil
}

// Series asks /api/admin/usage/series, split by the top users or orgs when there are any.
func (w *Worker) Series(ctx context.Context, f usage.Filter, p usage.SeriesParams) (*usage.Series, error) {
	q := filterQuery(f)
	q.Set("interval", strconv.FormatInt(int64(p.Interval/time.Second), 10))
	if len(p.Top) > 0 {
		q.Set("split", p.By)
		for _, id := range p.Top {
			q.Add("top", id)
		}
	}
	var answer struct {
		Buckets *[]usage.SeriesBucket `json:"buckets"`
	}
	var present struct {
		Buckets []overLimit `json:"buckets"`
	}
	if err := w.get(ctx, "/api/admin/usage/series", q, &answer, &present); err != nil {
		return nil, err
	}
	if answer.Buckets == nil {
		return nil, missing("/api/admin/usage/series", "buckets")
	}
	if err := checkOverLimit("/api/admin/usage/series", present.Buckets); err != nil {
		return nil, err
	}
	return usage.NewSeries(f, p, *answer.Buckets), nil
}

// Limits asks /api/admin/limits for the recommendations of a period (the worker makes at most two
// AE reads for it).
func (w *Worker) Limits(ctx context.Context, p usage.LimitsParams) (*usage.Limits, error) {
	q := url.Values{}
	q.Set("period", p.Period)
	if p.Headroom > 0 {
		q.Set("headroom", strconv.FormatFloat(p.Headroom, 'f', -1, 64))
	}
	if len(p.Events) > 0 {
		q.Set("event", strings.Join(p.Events, ","))
	}
	var answer usage.Limits
	var present struct {
		Events    *[]json.RawMessage `json:"events"`
		UsersOver *[]json.RawMessage `json:"usersOver"`
	}
	if err := w.get(ctx, "/api/admin/limits", q, &answer, &present); err != nil {
		return nil, err
	}
	if present.Events == nil {
		return nil, missing("/api/admin/limits", "events")
	}
	if present.UsersOver == nil {
		return nil, missing("/api/admin/limits", "usersOver")
	}
	return &answer, nil
}
