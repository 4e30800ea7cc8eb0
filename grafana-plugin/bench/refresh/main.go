// Command refresh replays dashboard refreshes through the built plugin binary, each panel its own
// QueryData call as a browser makes them, and reports how many SQL API requests the local AE saw
// per refresh. It needs the stack environment of tooling/with-stack.ts (or the bench runner).
//
//	go run ./bench/refresh -refreshes 5
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/pluginhost"
	"github.com/usagelens/analytics/internal/provisioning"
)

type result struct {
	Dashboard       string  `json:"dashboard"`
	Panels          int     `json:"panels"`
	DistinctSets    int     `json:"distinctSets"`
	Refreshes       int     `json:"refreshes"`
	RequestsPerLoad float64 `json:"sqlRequestsPerRefresh"`
	MedianMillis    float64 `json:"medianRefreshMillis"`
}

func sqlQueries(aeURL string) (int, error) {
	res, err := http.Get(aeURL + "/stats")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var stats struct {
		SQLQueries int `json:"sqlQueries"`
	}
	return stats.SQLQueries, json.NewDecoder(res.Body).Decode(&stats)
}

func main() {
	refreshes := flag.Int("refreshes", 5, "refreshes per dashboard")
	flag.Parse()
	env := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			fmt.Fprintf(os.Stderr, "%s is not set\n", name)
			os.Exit(2)
		}
		return v
	}
	aeURL := env("USAGE_LENS_AE_URL")
	settings, err := provisioning.Datasources(
		map[string]string{"USAGE_LENS_WORKER_URL": env("USAGE_LENS_WORKER_URL"), "CF_ACCOUNT_ID": env("USAGE_LENS_ACCOUNT_ID"), "AE_DATASET": "usage_analytics", "AE_SQL_API_BASE_URL": aeURL},
		map[string]string{"/run/usage-lens/admin-api-key": env("USAGE_LENS_ADMIN_KEY"), "/run/usage-lens/ae-token": env("USAGE_LENS_AE_TOKEN")},
	)
	must(err)
	dashboards, err := provisioning.Dashboards()
	must(err)
	plugin, err := pluginhost.Launch(pluginhost.DefaultBinary(), nil)
	must(err)
	defer plugin.Close()

	var results []result
	for _, d := range dashboards {
		// A dashboard's variable takes a value from the plugin, as in Grafana.
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			answers, err := plugin.CallResource(context.Background(), &backend.CallResourceRequest{PluginContext: pluginhost.Context(settings[v.Datasource.UID]), Path: "users", URL: "users", Method: http.MethodGet})
			must(err)
			var options []struct{ Value string }
			must(json.Unmarshal(answers[0].Body, &options))
			if len(options) > 0 {
				vars[v.Name] = options[len(options)-1].Value
			}
		}
		sets := map[string]bool{}
		panels := 0
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				var q struct {
					Users  []string `json:"users"`
					Orgs   []string `json:"orgs"`
					Events []string `json:"events"`
				}
				_ = json.Unmarshal(t, &q)
				sets[fmt.Sprint(q.Users, q.Orgs, q.Events)] = true
			}
			panels++
		}
		var millis []float64
		before, err := sqlQueries(aeURL)
		must(err)
		for r := 0; r < *refreshes; r++ {
			now := time.Now()
			from, _ := provisioning.Relative(d.Time.From, now)
			started := time.Now()
			var wg sync.WaitGroup
			for i, p := range d.Panels {
				wg.Add(1)
				go func(i int, p provisioning.Panel) {
					defer wg.Done()
					// Each panel resolves "now" as it starts, a little apart.
					skew := time.Duration(i) * 3 * time.Millisecond
					time.Sleep(skew)
					req := &backend.QueryDataRequest{PluginContext: pluginhost.Context(settings[p.Datasource.UID])}
					for _, t := range p.Targets {
						text := string(t)
						for name, value := range vars {
							text = strings.ReplaceAll(text, `"$`+name+`"`, fmt.Sprintf("%q", value))
						}
						req.Queries = append(req.Queries, backend.DataQuery{RefID: "A", JSON: []byte(text), TimeRange: backend.TimeRange{From: from.Add(skew), To: now.Add(skew)}, Interval: time.Minute, MaxDataPoints: 1000})
					}
					res, err := plugin.QueryData(context.Background(), req)
					must(err)
					for _, r := range res.Responses {
						if r.Error != nil {
							must(fmt.Errorf("%s / %s: %w", d.Title, p.Title, r.Error))
						}
					}
				}(i, p)
			}
			wg.Wait()
			millis = append(millis, float64(time.Since(started).Microseconds())/1000)
			// The next refresh comes after the plugin's 10 s cache has let go, like a dashboard's 1m refresh.
			if r < *refreshes-1 {
				time.Sleep(11 * time.Second)
			}
		}
		after, err := sqlQueries(aeURL)
		must(err)
		sort.Float64s(millis)
		results = append(results, result{
			Dashboard: d.Title, Panels: panels, DistinctSets: len(sets), Refreshes: *refreshes,
			RequestsPerLoad: float64(after-before) / float64(*refreshes), MedianMillis: millis[len(millis)/2],
		})
	}
	must(json.NewEncoder(os.Stdout).Encode(results))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
