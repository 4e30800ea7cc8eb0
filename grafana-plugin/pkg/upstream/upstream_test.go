package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/usagelens/analytics/pkg/usage"
)

// A FAKE upstream for answers the real worker and local AE cannot be made to give on demand
// (throttling, queueing, AE's timeout, broken bodies, slowness). 401, 403, 422 and unreachable
// are covered against the real stack in the integration tests.
func fake(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return server.URL
}

func status(code int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

var params = usage.Params{From: time.Unix(0, 0), To: time.Unix(3600, 0), Interval: time.Minute}

func TestSQLAPIFailuresInWords(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		kind    Kind
		want    string
	}{
		{"429", status(429, "Too many requests"), Throttled, "rate-limited"},
		{"503", status(503, "busy"), Throttled, "queued the query too long"},
		{"504", status(504, "timeout"), Timeout, "narrow the time range"},
		{"malformed JSON", status(200, `{"meta": [`), Malformed, "malformed JSON"},
		{"JSON without meta", status(200, `{"rows": 1}`), Malformed, "malformed JSON"},
		{"gateway JSON error", status(400, `{"success":false,"errors":[{"code":7003,"message":"Could not route"}]}`), Invalid, "Could not route"},
		{"cut off", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"meta":[`))
		}, Malformed, "cut off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := &SQLAPI{BaseURL: fake(t, c.handler), AccountID: "acc", Token: "secret-token", HTTP: http.DefaultClient}
			_, err := api.Query(context.Background(), "SELECT 1 FORMAT JSON")
			e, ok := AsError(err)
			if !ok || e.Kind != c.kind || !strings.Contains(e.Message, c.want) {
				t.Fatalf("got %v (%+v), want kind %s with %q", err, e, c.kind, c.want)
			}
			if strings.Contains(e.Message, "secret-token") {
				t.Fatal("the token must never appear in a message")
			}
		})
	}
}

func TestSlowUpstreamTimesOut(t *testing.T) {
	url := fake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	})
	api := &SQLAPI{BaseURL: url, AccountID: "acc", Token: "t", HTTP: &http.Client{Timeout: 200 * time.Millisecond}}
	_, err := api.Query(context.Background(), "SELECT 1")
	if e, ok := AsError(err); !ok || e.Kind != Timeout {
		t.Fatalf("want a timeout, got %v", err)
	}
}

func TestWorkerFailuresInWords(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		kind    Kind
		want    string
	}{
		{"503 with Retry-After", status(503, `{"error":"Analytics Engine SQL API rate-limited the query (429); try again later"}`, "Retry-After", "7"), Throttled, "retry after 7 s"},
		{"502 AE not enabled", status(502, `{"error":"Analytics Engine SQL API refused the credentials (403): Analytics Engine may not be enabled"}`), Failed, "may not be enabled"},
		{"404", status(404, `{"error":"no route"}`), Invalid, "check the Worker URL"},
		{"500 without a body", status(500, ""), Failed, "failed (500): (empty answer)"},
		{"malformed", status(200, `not json`), Malformed, "malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := &Worker{BaseURL: fake(t, c.handler), APIKey: "ul_admin_secret", HTTP: http.DefaultClient}
			_, err := w.Usage(context.Background(), params)
			e, ok := AsError(err)
			if !ok || e.Kind != c.kind || !strings.Contains(e.Message, c.want) {
				t.Fatalf("got %v, want kind %s with %q", err, c.kind, c.want)
			}
			if strings.Contains(e.Message, "ul_admin_secret") {
				t.Fatal("the key must never appear in a message")
			}
		})
	}
}

func TestWorkerAsksForTheWholeCube(t *testing.T) {
	var got string
	url := fake(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RawQuery
		_, _ = w.Write([]byte(`{"users":[],"buckets":[]}`))
	})
	w := &Worker{BaseURL: url, APIKey: "k", HTTP: http.DefaultClient}
	p := params
	p.Users = []string{"a,b", "c"}
	p.Events = []string{"sync", "auth"}
	if _, err := w.Usage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := "event=sync%2Cauth&from=0&group=user%2Cevent%2Corg%2Cstatus&interval=60&to=3600000&user=a%2Cb&user=c"
	if got != want {
		t.Fatalf("query string\n got %s\nwant %s", got, want)
	}
}
