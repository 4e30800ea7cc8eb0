package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// SQLAPI is Analytics Engine's SQL API (Cloudflare's, or the local AE at the same path).
type SQLAPI struct {
	BaseURL   string
	AccountID string
	Token     string
	HTTP      *http.Client
	// Now is the clock the read count goes by (time.Now when nil).
	Now func() time.Time

	mu        sync.Mutex
	readsDay  string
	readCount int
}

// ReadsToday is how many requests this client sent to the SQL API today (UTC). AE bills each as one
// read query whatever it asks or answers ("Every time you post to Workers Analytics Engine's SQL
// API, this counts as one read query", https://developers.cloudflare.com/analytics/analytics-engine/pricing/).
func (s *SQLAPI) ReadsToday() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readsDay != s.today() {
		return 0
	}
	return s.readCount
}

func (s *SQLAPI) today() string {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Format(time.DateOnly)
}

func (s *SQLAPI) countRead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if day := s.today(); day != s.readsDay {
		s.readsDay, s.readCount = day, 0
	}
	s.readCount++
}

// Column is a result column as AE describes it in meta.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is AE's FORMAT JSON answer.
type Result struct {
	Meta []Column         `json:"meta"`
	Data []map[string]any `json:"data"`
	Rows int              `json:"rows"`
}

// URL is the SQL API endpoint for the account.
func (s *SQLAPI) URL() string {
	return fmt.Sprintf("%s/client/v4/accounts/%s/analytics_engine/sql", strings.TrimRight(s.BaseURL, "/"), url.PathEscape(s.AccountID))
}

// Query runs sql, which must end in FORMAT JSON (the caller's macros and builders ensure it).
func (s *SQLAPI) Query(ctx context.Context, sql string) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL(), strings.NewReader(sql))
	if err != nil {
		return nil, &Error{Kind: Invalid, Message: fmt.Sprintf("bad SQL API URL %q: %v", s.BaseURL, err)}
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "text/plain")
	// Counted when sent: a request AE refuses or never answers may still be billed.
	s.countRead()
	res, body, err := exchange(ctx, s.HTTP, req, "the Analytics Engine SQL API", s.BaseURL)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, s.sqlError(res, body)
	}
	var r Result
	if err := json.Unmarshal(body, &r); err != nil || r.Meta == nil {
		return nil, &Error{Kind: Malformed, Status: res.StatusCode, Message: "Analytics Engine answered with malformed JSON (does the query end in FORMAT JSON?)"}
	}
	return &r, nil
}

func (s *SQLAPI) sqlError(res *http.Response, body []byte) *Error {
	msg := bodyMessage(body)
	switch res.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &Error{Kind: Forbidden, Status: res.StatusCode, Message: fmt.Sprintf(
			"Analytics Engine refused the token (%d): AE may not be enabled for account %s yet, or the token lacks Account Analytics Read", res.StatusCode, s.AccountID)}
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return &Error{Kind: Invalid, Status: res.StatusCode, Message: "Analytics Engine rejected the query: " + msg}
	case http.StatusTooManyRequests:
		return &Error{Kind: Throttled, Status: res.StatusCode, Message: "Analytics Engine rate-limited the query (429); try again later"}
	case http.StatusServiceUnavailable:
		return &Error{Kind: Throttled, Status: res.StatusCode, Message: "Analytics Engine queued the query too long (503); try again later"}
	case http.StatusGatewayTimeout:
		return &Error{Kind: Timeout, Status: res.StatusCode, Message: "Analytics Engine timed out on the query (504): narrow the time range"}
	default:
		return &Error{Kind: Failed, Status: res.StatusCode, Message: fmt.Sprintf("Analytics Engine failed (%d): %s", res.StatusCode, msg)}
	}
}
