// Command refresh measures what the provisioned dashboards and alert rules cost through the plugin:
//
//   - Refreshes: each provisioned dashboard over 24 h, 7 d and 30 d, in each mode, replayed through
//     the built plugin binary over gRPC as Grafana drives it (each panel its own concurrent
//     QueryData call, "now" resolved a few milliseconds apart): AE read queries per refresh (counted
//     by the local AE: SQL API requests and Analytics SQL binding queries), upstream requests and
//     bytes (worker or SQL API answers, through a counting proxy), the bytes of the answers to
//     Grafana, and the refresh time. Every refresh starts cold (a fresh data source instance), so
//     it is what one refresh costs when the cache cannot help.
//   - Reads per day of the default provisioning (-reads-per-day): every alert rule at its group's
//     interval and the Usage overview on its 1-minute refresh for 24 hours, driven through the
//     plugin's real query path and cache with a virtual clock (see readsperday.go).
//
// The refreshes need the stack environment of tooling/with-stack.ts (or the bench runner), and
// read whatever data is in it: generate a large data set first to measure at scale (for sql mode,
// into the dataset -dataset names).
//
//	go run ./bench/refresh -refreshes 3 -ranges 24h,7d,30d -modes worker,sql
//	go run ./bench/refresh -reads-per-day
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/internal/pluginhost"
	"github.com/usagelens/analytics/internal/provisioning"
	"google.golang.org/protobuf/proto"
)

// Refresh is one dashboard, range and mode's figures (medians over the refreshes).
type Refresh struct {
	Dashboard string `json:"dashboard"`
	Range     string `json:"range"`
	Mode      string `json:"mode"`
	Panels    int    `json:"panels"`
	Refreshes int    `json:"refreshes"`
	// ReadsPerRefresh are AE read queries, as the local AE counted them.
	ReadsPerRefresh float64 `json:"readsPerRefresh"`
	// UpstreamRequests and UpstreamBytes are the plugin's requests to the worker or the SQL API
	// and the bytes of their answers.
	UpstreamRequests float64 `json:"upstreamRequestsPerRefresh"`
	UpstreamBytes    float64 `json:"upstreamBytesPerRefresh"`
	// ResponseBytes are the plugin's answers to Grafana (QueryData responses, protobuf).
	ResponseBytes float64  `json:"responseBytesPerRefresh"`
	MedianMillis  float64  `json:"medianRefreshMillis"`
	Errors        []string `json:"errors,omitempty"`
}

// Output is what the command prints (JSON).
type Output struct {
	Refreshes   []Refresh    `json:"refreshes,omitempty"`
	ReadsPerDay *ReadsPerDay `json:"readsPerDay,omitempty"`
}

func main() {
	refreshes := flag.Int("refreshes", 3, "cold refreshes per dashboard, range and mode")
	ranges := flag.String("ranges", "24h,7d,30d", "time ranges, as Grafana's now-<range>")
	modes := flag.String("modes", "worker,sql", "data source modes: worker (the provisioned Usage Lens), sql (Usage Lens (SQL))")
	dataset := flag.String("dataset", "usage_analytics", "the AE dataset sql mode reads")
	dashboardsDir := flag.String("dashboards", filepath.Join(provisioning.Dir(), "dashboards"), "folder of the dashboards to replay")
	rulesFile := flag.String("rules", filepath.Join(provisioning.Dir(), "alerting", "rules.yaml"), "alert rules file (reads per day)")
	readsPerDay := flag.Bool("reads-per-day", false, "only compute reads per day of the rules and the overview, with a virtual clock (no stack needed)")
	flag.Parse()

	dashboards, err := loadDashboards(*dashboardsDir)
	must(err)
	var out Output
	if *readsPerDay {
		r, err := computeReadsPerDay(dashboards, *dashboardsDir, *rulesFile)
		must(err)
		out.ReadsPerDay = r
	} else {
		out.Refreshes, err = measureRefreshes(dashboards, strings.Split(*ranges, ","), strings.Split(*modes, ","), *dataset, *refreshes)
		must(err)
	}
	must(json.NewEncoder(os.Stdout).Encode(out))
}

func loadDashboards(dir string) ([]provisioning.Dashboard, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no dashboards in %s: %v", dir, err)
	}
	sort.Strings(paths)
	var out []provisioning.Dashboard
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var d provisioning.Dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		must(fmt.Errorf("%s is not set: run through node tooling/with-stack.ts or the bench runner", name))
	}
	return v
}

// readsSoFar is how many AE read queries the local AE has answered: SQL API requests (sql mode)
// and Analytics SQL binding queries (the worker).
func readsSoFar(aeURL string) (int, error) {
	res, err := http.Get(aeURL + "/stats")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var stats struct {
		SQLQueries          int `json:"sqlQueries"`
		AnalyticsSQLQueries int `json:"analyticsSqlQueries"`
	}
	err = json.NewDecoder(res.Body).Decode(&stats)
	return stats.SQLQueries + stats.AnalyticsSQLQueries, err
}

var modeUIDs = map[string]string{"worker": "usage-lens", "sql": "usage-lens-sql"}

func measureRefreshes(dashboards []provisioning.Dashboard, ranges, modes []string, dataset string, refreshes int) ([]Refresh, error) {
	aeURL := env("USAGE_LENS_AE_URL")
	workerProxy, err := newCountingProxy(env("USAGE_LENS_WORKER_URL"))
	if err != nil {
		return nil, err
	}
	defer workerProxy.Close()
	aeProxy, err := newCountingProxy(aeURL)
	if err != nil {
		return nil, err
	}
	defer aeProxy.Close()
	// What Grafana gets in compose, with the URLs through the counting proxies.
	settings, err := provisioning.Datasources(
		map[string]string{"USAGE_LENS_WORKER_URL": workerProxy.URL, "CF_ACCOUNT_ID": env("USAGE_LENS_ACCOUNT_ID"), "AE_DATASET": dataset, "AE_SQL_API_BASE_URL": aeProxy.URL},
		map[string]string{"/run/usage-lens/admin-api-key": env("USAGE_LENS_ADMIN_KEY"), "/run/usage-lens/ae-token": env("USAGE_LENS_AE_TOKEN")},
	)
	if err != nil {
		return nil, err
	}
	plugin, err := pluginhost.Launch(pluginhost.DefaultBinary(), os.Stderr)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()

	var results []Refresh
	generation := 0
	for _, mode := range modes {
		ds, ok := settings[modeUIDs[mode]]
		if !ok {
			return nil, fmt.Errorf("mode %q: no provisioned data source %s", mode, modeUIDs[mode])
		}
		for _, d := range dashboards {
			if mode == "sql" && workerOnly(d) {
				// The limits query asks the worker (configured limits live in the app).
				continue
			}
			// A dashboard's variables take their first value from the plugin, as in Grafana.
			vars := map[string]string{}
			for _, v := range d.Templating.List {
				answers, err := plugin.CallResource(context.Background(), &backend.CallResourceRequest{PluginContext: pluginhost.Context(ds), Path: "users", URL: "users", Method: http.MethodGet})
				if err != nil || len(answers) == 0 || answers[0].Status != http.StatusOK {
					return nil, fmt.Errorf("%s variable %s: %v %v", d.Title, v.Name, err, answers)
				}
				var options []struct{ Value string }
				if err := json.Unmarshal(answers[0].Body, &options); err != nil {
					return nil, err
				}
				if len(options) > 0 {
					vars[v.Name] = options[0].Value
				}
			}
			for _, span := range ranges {
				r := Refresh{Dashboard: d.Title, Range: span, Mode: mode, Panels: len(d.Panels), Refreshes: refreshes}
				var reads, requests, upstreamBytes, responseBytes, millis []float64
				for i := 0; i < refreshes; i++ {
					generation++
					// A new Updated time is a new data source instance: a cold cache, as after a restart.
					fresh := ds
					fresh.Updated = time.Unix(int64(generation), 0)
					before, err := readsSoFar(aeURL)
					if err != nil {
						return nil, err
					}
					proxy := workerProxy
					if mode == "sql" {
						proxy = aeProxy
					}
					proxy.reset()
					took, size, errs := refresh(plugin, fresh, d, vars, span)
					after, err := readsSoFar(aeURL)
					if err != nil {
						return nil, err
					}
					n, b := proxy.totals()
					reads = append(reads, float64(after-before))
					requests = append(requests, float64(n))
					upstreamBytes = append(upstreamBytes, float64(b))
					responseBytes = append(responseBytes, float64(size))
					millis = append(millis, float64(took.Microseconds())/1000)
					for _, e := range errs {
						if !slices.Contains(r.Errors, e) {
							r.Errors = append(r.Errors, e)
						}
					}
				}
				r.ReadsPerRefresh, r.UpstreamRequests, r.UpstreamBytes = median(reads), median(requests), median(upstreamBytes)
				r.ResponseBytes, r.MedianMillis = median(responseBytes), median(millis)
				results = append(results, r)
				fmt.Fprintf(os.Stderr, "%s %s (%s): %v reads, %v upstream bytes, %v response bytes, %.0f ms %v\n", d.Title, span, mode, r.ReadsPerRefresh, r.UpstreamBytes, r.ResponseBytes, r.MedianMillis, r.Errors)
			}
		}
	}
	return results, nil
}

// refresh replays one refresh of d over now-span..now: every panel its own concurrent QueryData
// call, through ds's instance. It returns the time until the last panel's answer, the answers'
// size and the panels' errors.
func refresh(plugin *pluginhost.Plugin, ds backend.DataSourceInstanceSettings, d provisioning.Dashboard, vars map[string]string, span string) (time.Duration, int, []string) {
	now := time.Now()
	from, err := provisioning.Relative("now-"+span, now)
	must(err)
	var mu sync.Mutex
	var size int
	var errs []string
	var wg sync.WaitGroup
	started := time.Now()
	for i, p := range d.Panels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each panel resolves "now" as it starts, a little apart.
			skew := time.Duration(i) * 3 * time.Millisecond
			req := &backend.QueryDataRequest{PluginContext: pluginhost.Context(ds)}
			for j, t := range p.Targets {
				text := string(t)
				for name, value := range vars {
					quoted, _ := json.Marshal(value)
					text = strings.ReplaceAll(text, `"$`+name+`"`, string(quoted))
				}
				req.Queries = append(req.Queries, backend.DataQuery{RefID: fmt.Sprint("A", j), JSON: []byte(text), TimeRange: backend.TimeRange{From: from.Add(skew), To: now.Add(skew)}, Interval: time.Minute, MaxDataPoints: 1000})
			}
			res, err := plugin.QueryData(context.Background(), req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", p.Title, err))
				return
			}
			// The answer as the plugin sends it to Grafana: Arrow frames in protobuf.
			encoded, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, res)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", p.Title, err))
				return
			}
			size += proto.Size(encoded)
			for _, r := range res.Responses {
				if r.Error != nil {
					errs = append(errs, fmt.Sprintf("%s: %v", p.Title, r.Error))
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(started), size, errs
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// workerOnly says whether a dashboard has a query only worker mode answers (limits).
func workerOnly(d provisioning.Dashboard) bool {
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			var q struct{ QueryType string }
			if json.Unmarshal(target, &q) == nil && q.QueryType == "limits" {
				return true
			}
		}
	}
	return false
}
