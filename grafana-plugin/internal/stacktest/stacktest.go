// Package stacktest gives integration tests the running local stack (worker and local Analytics
// Engine, started by tooling/with-stack.ts) and known data in it.
package stacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// PluginID is the data source's id (src/plugin.json).
const PluginID = "usagelens-analytics-datasource"

// Stack is where the running stack listens and how to get in.
type Stack struct {
	WorkerURL string
	AdminKey  string
	AEURL     string
	AccountID string
	AEToken   string
}

// FromEnv reads the stack from the environment tooling/with-stack.ts sets. Without it the test
// fails (these tests only make sense against the real stack).
func FromEnv(t testing.TB) Stack {
	t.Helper()
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			t.Fatalf("%s is not set: run integration tests through npm test (node tooling/with-stack.ts -- go test -tags integration ./...)", name)
		}
		return v
	}
	return Stack{
		WorkerURL: get("USAGE_LENS_WORKER_URL"),
		AdminKey:  get("USAGE_LENS_ADMIN_KEY"),
		AEURL:     get("USAGE_LENS_AE_URL"),
		AccountID: get("USAGE_LENS_ACCOUNT_ID"),
		AEToken:   get("USAGE_LENS_AE_TOKEN"),
	}
}

// WorkerSettings configures the data source in worker mode with key.
func (s Stack) WorkerSettings(key string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{
		UID:                     "usage-worker",
		Name:                    "Usage Lens (worker)",
		Type:                    PluginID,
		JSONData:                mustJSON(map[string]any{"mode": "worker", "workerUrl": s.WorkerURL, "timeoutSeconds": 20}),
		DecryptedSecureJSONData: map[string]string{"apiKey": key},
	}
}

// SQLSettings configures the data source in sql mode against the local AE.
func (s Stack) SQLSettings(token, dataset string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{
		UID:                     "usage-sql",
		Name:                    "Usage Lens (sql)",
		Type:                    PluginID,
		JSONData:                mustJSON(map[string]any{"mode": "sql", "accountId": s.AccountID, "dataset": dataset, "sqlApiBaseUrl": s.AEURL, "timeoutSeconds": 20}),
		DecryptedSecureJSONData: map[string]string{"aeToken": token},
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (s Stack) do(t testing.TB, method, url, auth string, body any, out any) int {
	t.Helper()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(mustJSON(body))
	}
	req, err := http.NewRequest(method, url, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.WorkerURL)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
	return res.StatusCode
}

// CreateKey makes an API key with the admin key.
func (s Stack) CreateKey(t testing.TB, scope string) string {
	t.Helper()
	var out struct {
		Key string `json:"key"`
	}
	if status := s.do(t, "POST", s.WorkerURL+"/api/admin/api-keys", s.AdminKey, map[string]string{"name": "test " + scope, "scope": scope}, &out); status != 201 {
		t.Fatalf("creating a %s key: %d", scope, status)
	}
	return out.Key
}

// SignUp creates an app user and returns its id.
func (s Stack) SignUp(t testing.TB, name string) string {
	t.Helper()
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	email := fmt.Sprintf("%s-%d@example.com", strings.ToLower(strings.ReplaceAll(name, " ", "-")), rand.Int63())
	if status := s.do(t, "POST", s.WorkerURL+"/api/auth/sign-up/email", "", map[string]string{"name": name, "email": email, "password": "integration-password"}, &out); status != 200 {
		t.Fatalf("sign-up of %s: %d", name, status)
	}
	return out.User.ID
}

// Point is one usage event to write. OverLimit marks it over the user's rate limit (doubles[1] = 1,
// as the worker writes it: contract/src/events.ts toDataPoint).
type Point struct {
	User, Event, Org string
	Status           float64
	At               time.Time
	Sample           int
	OverLimit        bool
}

// Write puts points straight into the local AE (its batch write endpoint).
func (s Stack) Write(t testing.TB, dataset string, points []Point) {
	t.Helper()
	payload := make([]map[string]any, len(points))
	for i, p := range points {
		sample := p.Sample
		if sample == 0 {
			sample = 1
		}
		over := 0.0
		if p.OverLimit {
			over = 1
		}
		payload[i] = map[string]any{
			"indexes":          []string{p.User},
			"blobs":            []string{p.Event, p.Org},
			"doubles":          []float64{p.Status, over},
			"timestamp":        p.At.UnixMilli(),
			"_sample_interval": sample,
		}
	}
	// The local AE takes writes only with its token.
	if status := s.do(t, "POST", fmt.Sprintf("%s/datasets/%s/points", s.AEURL, dataset), s.AEToken, map[string]any{"points": payload}, nil); status != 200 {
		t.Fatalf("writing %d points: %d", len(points), status)
	}
}

// Reads is how many AE read queries the local AE has answered so far: requests to its SQL API (the
// plugin's sql mode) and queries through its Analytics SQL binding (the worker).
func (s Stack) Reads(t testing.TB) int {
	t.Helper()
	var out struct {
		SQLQueries          int `json:"sqlQueries"`
		AnalyticsSQLQueries int `json:"analyticsSqlQueries"`
	}
	if status := s.do(t, "GET", s.AEURL+"/stats", "", nil, &out); status != 200 {
		t.Fatalf("local AE stats: %d", status)
	}
	return out.SQLQueries + out.AnalyticsSQLQueries
}

// UniqueID is an id no other test uses.
func UniqueID(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano(), rand.Intn(1_000_000))
}
