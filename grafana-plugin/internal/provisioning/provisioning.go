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
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"
)

// Dir is the repository's provisioning folder, wherever the caller runs from.
func Dir() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..", "provisioning")
}

// Datasources loads datasources/usage-lens.yaml as Grafana would with env and files: every
// field is a provisioning value, expanded (pkg/services/provisioning/datasources/types.go).
func Datasources(env Env, files Files) (map[string]backend.DataSourceInstanceSettings, error) {
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
		jsonData, err := expandTree(ds.JSONData, env, files)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ds.Name, err)
		}
		secure := map[string]string{}
		for k, v := range ds.SecureJSONData {
			if secure[k], err = Expand(v, env, files); err != nil {
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
	ID         int64             `json:"id"`
	Title      string            `json:"title"`
	Type       string            `json:"type"`
	Datasource Ref               `json:"datasource"`
	Targets    []json.RawMessage `json:"targets"`
	Options    struct {
		FrameIndex int `json:"frameIndex"`
	} `json:"options"`
}

// Shown is what a panel shows of its query's frames: a table panel one frame, options.frameIndex
// when it is in range, else the first (getCurrentFrameIndex in
// public/app/plugins/panel/table/TablePanel.tsx, grafana/grafana: `options.frameIndex > 0 &&
// options.frameIndex < frames.length ? options.frameIndex : 0`); other panels all of them.
func (p Panel) Shown(frames data.Frames) data.Frames {
	if p.Type != "table" || len(frames) <= 1 {
		return frames
	}
	i := 0
	if p.Options.FrameIndex > 0 && p.Options.FrameIndex < len(frames) {
		i = p.Options.FrameIndex
	}
	return data.Frames{frames[i]}
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
