package models

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/contract"
)

func TestLoadSettings(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{
		JSONData:                []byte(`{"mode":"sql","accountId":"acc"}`),
		DecryptedSecureJSONData: map[string]string{"aeToken": " tok "},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Dataset != "usage_analytics" || s.SQLAPIBaseURL != CloudflareAPI || s.AEToken != "tok" || s.TimeoutSeconds != 65 {
		t.Fatalf("defaults not applied: %+v", s)
	}
}

func TestSettingsNameWhatIsWrong(t *testing.T) {
	cases := map[string]backend.DataSourceInstanceSettings{
		"Worker URL is missing":       {JSONData: []byte(`{}`), DecryptedSecureJSONData: map[string]string{"apiKey": "k"}},
		"not an http(s) URL":          {JSONData: []byte(`{"workerUrl":"ftp://x"}`), DecryptedSecureJSONData: map[string]string{"apiKey": "k"}},
		"API key is missing":          {JSONData: []byte(`{"workerUrl":"http://w"}`)},
		"account ID is missing":       {JSONData: []byte(`{"mode":"sql"}`), DecryptedSecureJSONData: map[string]string{"aeToken": "t"}},
		"not a valid dataset name":    {JSONData: []byte(`{"mode":"sql","accountId":"a","dataset":"x; DROP"}`), DecryptedSecureJSONData: map[string]string{"aeToken": "t"}},
		"API token is missing":        {JSONData: []byte(`{"mode":"sql","accountId":"a"}`)},
		`mode "graphql" is unknown`:   {JSONData: []byte(`{"mode":"graphql"}`)},
		"settings are not valid JSON": {JSONData: []byte(`{`)},
	}
	for want, settings := range cases {
		if _, err := LoadSettings(settings); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error containing %q, got %v", want, err)
		}
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery([]byte(`{"refId":"A"}`))
	if err != nil || q.QueryType != contract.QueryTypeUsers || q.GroupBy != "event" || q.Metric != "" || q.Format != "table" {
		t.Fatalf("defaults: %+v %v", q, err)
	}
	for queryType, metric := range map[string]string{"timeseries": "events", "perUser": "events", "totals": "", "cost": ""} {
		q, err := ParseQuery([]byte(`{"queryType":"` + queryType + `"}`))
		if err != nil || q.Metric != metric {
			t.Errorf("%s: the default metric is %q, want %q (%v)", queryType, q.Metric, metric, err)
		}
	}
	q, err = ParseQuery([]byte(`{"queryType":"perUser","metric":"error_rate","minEvents":20,"users":["o'brien\\x"]}`))
	if err != nil || q.Metric != "error_rate" || q.MinEvents != 20 || q.Users[0] != `o'brien\x` {
		t.Fatalf("perUser: %+v %v", q, err)
	}
	q, err = ParseQuery([]byte(`{"queryType":"perUser","metric":"over_limit","minEvents":20,"minOverLimit":1}`))
	if err != nil || q.Metric != "over_limit" || q.MinOverLimit != 1 {
		t.Fatalf("perUser over the limit: %+v %v", q, err)
	}
	for raw, want := range map[string]string{
		`{"queryType":"pie"}`:                            "query type",
		`{"queryType":"timeseries","groupBy":"country"}`: "group by",
		`{"queryType":"timeseries","metric":"latency"}`:  "metric",
		`{"topN":-1}`:                                            "top N",
		`{"topN":10001}`:                                         "top N",
		`{"queryType":"perUser","minEvents":-1}`:                 "minimum events",
		`{"queryType":"perUser","minOverLimit":-1}`:              "minimum calls over the limit",
		`{"queryType":"limits","headroom":-2}`:                   "headroom",
		`{"queryType":"totals","metric":"p99"}`:                  "metric",
		`{"users":["a\nb"]}`:                                     "user filter",
		`{"orgs":["\u0000"]}`:                                    "org filter",
		`{"queryType":"sql"}`:                                    "raw SQL is empty",
		`{"events":["login"]}`:                                   "event",
		`{"queryType":"sql","rawSql":"SELECT 1","format":"csv"}`: "format",
		`[`: "not valid JSON",
	} {
		if _, err := ParseQuery([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error about %q, got %v", raw, want, err)
		}
	}
}
