// Package provisioning reads what Grafana provisions for Usage Lens (data sources, dashboards,
// alert rules in ../provisioning) the way Grafana reads it, so tests can run every panel target
// and alert rule through the plugin backend.
package provisioning

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/usagelens/analytics/internal/grafanaexpr"
	"go.yaml.in/yaml/v3"
)

// Dir is the repository's provisioning folder, wherever the caller runs from.
func Dir() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..", "provisioning")
}

var (
	envRef  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	fileRef = regexp.MustCompile(`\$__file\{([^}]+)\}`)
)

// expand does Grafana's provisioning expansion: ${VAR} from env, $__file{path} from files.
func expand(value string, env, files map[string]string) (string, error) {
	var missing error
	value = fileRef.ReplaceAllStringFunc(value, func(m string) string {
		path := fileRef.FindStringSubmatch(m)[1]
		content, ok := files[path]
		if !ok {
			missing = fmt.Errorf("no file %s", path)
		}
		return strings.TrimSpace(content)
	})
	value = envRef.ReplaceAllStringFunc(value, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		v, ok := env[name]
		if !ok {
			missing = fmt.Errorf("environment variable %s is not set", name)
		}
		return v
	})
	return value, missing
}

// Datasources loads datasources/usage-lens.yaml as Grafana would with env and files.
func Datasources(env, files map[string]string) (map[string]backend.DataSourceInstanceSettings, error) {
	raw, err := os.ReadFile(filepath.Join(Dir(), "datasources", "usage-lens.yaml"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Datasources []struct {
			Name           string            `yaml:"name"`
			UID            string            `yaml:"uid"`
			Type           string            `yaml:"type"`
			JSONData       map[string]any    `yaml:"jsonData"`
			SecureJSONData map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return nil, err
	}
	out := map[string]backend.DataSourceInstanceSettings{}
	for i, ds := range file.Datasources {
		jsonData := map[string]any{}
		for k, v := range ds.JSONData {
			if s, ok := v.(string); ok {
				if v, err = expand(s, env, files); err != nil {
					return nil, fmt.Errorf("%s %s: %w", ds.Name, k, err)
				}
			}
			jsonData[k] = v
		}
		secure := map[string]string{}
		for k, v := range ds.SecureJSONData {
			if secure[k], err = expand(v, env, files); err != nil {
				return nil, fmt.Errorf("%s %s: %w", ds.Name, k, err)
			}
		}
		encoded, _ := json.Marshal(jsonData)
		out[ds.UID] = backend.DataSourceInstanceSettings{ID: int64(100 + i), UID: ds.UID, Name: ds.Name, Type: ds.Type, JSONData: encoded, DecryptedSecureJSONData: secure}
	}
	return out, nil
}

// Ref names a data source.
type Ref struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is a dashboard panel and its targets.
type Panel struct {
	Title      string            `json:"title"`
	Type       string            `json:"type"`
	Datasource Ref               `json:"datasource"`
	Targets    []json.RawMessage `json:"targets"`
}

// Dashboard is a provisioned dashboard.
type Dashboard struct {
	UID   string `json:"uid"`
	Title string `json:"title"`
	Time  struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource Ref             `json:"datasource"`
			Query      json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []Panel `json:"panels"`
}

// Dashboards loads every dashboard JSON in dashboards/.
func Dashboards() ([]Dashboard, error) {
	paths, err := filepath.Glob(filepath.Join(Dir(), "dashboards", "*.json"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no dashboards found: %v", err)
	}
	sort.Strings(paths)
	var out []Dashboard
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var d Dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, d)
	}
	return out, nil
}

var relative = regexp.MustCompile(`^now(?:-(\d+)([smhdw]))?$`)

// Relative resolves Grafana's now, now-24h, now-7d… against now.
func Relative(expr string, now time.Time) (time.Time, error) {
	m := relative.FindStringSubmatch(expr)
	if m == nil {
		return time.Time{}, fmt.Errorf("unsupported time %q", expr)
	}
	if m[1] == "" {
		return now, nil
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return now.Add(-time.Duration(n) * unit), nil
}

// RuleQuery is one entry of a rule's data.
type RuleQuery struct {
	RefID             string `yaml:"refId"`
	DatasourceUID     string `yaml:"datasourceUid"`
	RelativeTimeRange struct {
		From int64 `yaml:"from"`
		To   int64 `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	Model map[string]any `yaml:"model"`
}

// Rule is a provisioned alert rule.
type Rule struct {
	UID       string      `yaml:"uid"`
	Title     string      `yaml:"title"`
	Condition string      `yaml:"condition"`
	Data      []RuleQuery `yaml:"data"`
}

// Rules loads alerting/rules.yaml.
func Rules() ([]Rule, error) {
	raw, err := os.ReadFile(filepath.Join(Dir(), "alerting", "rules.yaml"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Groups []struct {
			Rules []Rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return nil, err
	}
	var out []Rule
	for _, g := range file.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

// ExprUID is the data source UID of server-side expressions.
const ExprUID = "__expr__"

// Evaluate runs a rule as Grafana's scheduler would: each data query through query, then the
// expressions in order. It returns every step's numbers and the label sets the condition fires for.
func (r Rule) Evaluate(query func(RuleQuery) (data.Frames, error)) (map[string]grafanaexpr.Numbers, []data.Labels, error) {
	frames := map[string]data.Frames{}
	numbers := map[string]grafanaexpr.Numbers{}
	for _, q := range r.Data {
		if q.DatasourceUID != ExprUID {
			f, err := query(q)
			if err != nil {
				return nil, nil, fmt.Errorf("%s query %s: %w", r.Title, q.RefID, err)
			}
			frames[q.RefID] = f
			continue
		}
		kind, _ := q.Model["type"].(string)
		expression, _ := q.Model["expression"].(string)
		var err error
		switch kind {
		case "reduce":
			reducer, _ := q.Model["reducer"].(string)
			numbers[q.RefID], err = grafanaexpr.Reduce(frames[expression], reducer)
		case "math":
			numbers[q.RefID], err = grafanaexpr.Math(expression, numbers)
		case "threshold":
			conditions, _ := q.Model["conditions"].([]any)
			if len(conditions) != 1 {
				return nil, nil, fmt.Errorf("%s: one threshold condition expected", r.Title)
			}
			evaluator := conditions[0].(map[string]any)["evaluator"].(map[string]any)
			var params []float64
			for _, p := range evaluator["params"].([]any) {
				switch v := p.(type) {
				case int:
					params = append(params, float64(v))
				case float64:
					params = append(params, v)
				}
			}
			numbers[q.RefID], err = grafanaexpr.Threshold(numbers[expression], evaluator["type"].(string), params)
		default:
			return nil, nil, fmt.Errorf("%s: expression type %q is not supported here", r.Title, kind)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", r.Title, q.RefID, err)
		}
	}
	var firing []data.Labels
	for _, n := range numbers[r.Condition] {
		if n.Value != 0 {
			firing = append(firing, n.Labels)
		}
	}
	return numbers, firing, nil
}
