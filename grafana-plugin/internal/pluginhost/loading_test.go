package pluginhost

// The built dist/ as Grafana 12 loads it, rule by rule from Grafana's code (grafana/grafana
// 12.x) and the plugin SDK's build (grafana-plugin-sdk-go build/). Needs the built plugin:
// npm run build --workspace grafana-plugin (npm test builds it first).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/build/utils"
	"go.yaml.in/yaml/v3"
)

func pluginRoot() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..")
}

type pluginJSON struct {
	ID         string `json:"id"`
	Executable string `json:"executable"`
	Backend    bool   `json:"backend"`
	Alerting   bool   `json:"alerting"`
}

func readDist(t *testing.T) (string, pluginJSON) {
	t.Helper()
	dist := filepath.Join(pluginRoot(), "dist")
	raw, err := os.ReadFile(filepath.Join(dist, "plugin.json"))
	if err != nil {
		t.Fatalf("%v: build the plugin first (npm run build --workspace grafana-plugin)", err)
	}
	var p pluginJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return dist, p
}

// pkg/plugins/plugins.go (*Plugin).executablePath: Grafana starts
// <plugin dir>/<executable>_<goos>_<goarch>, beside plugin.json; and
// pkg/plugins/manager/pipeline/validation/steps.go ModuleJSValidator: module.js at the same root
// (missing only warns, but then the frontend does not load).
func TestDistIsLaidOutAsGrafanaLoadsIt(t *testing.T) {
	dist, p := readDist(t)
	if !p.Backend || !p.Alerting || p.Executable == "" {
		t.Fatalf("plugin.json: %+v", p)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		exe := filepath.Join(dist, p.Executable+"_linux_"+arch)
		info, err := os.Stat(exe)
		if arch == runtime.GOARCH || err == nil {
			if err != nil {
				t.Fatalf("Grafana on linux/%s starts %s: %v", arch, exe, err)
			}
			if info.Mode().Perm()&0o111 == 0 {
				t.Fatalf("%s is not executable", exe)
			}
		}
	}
	if got, want := DefaultBinary(), filepath.Join(dist, p.Executable+"_linux_"+runtime.GOARCH); filepath.Clean(got) != filepath.Clean(want) && os.Getenv("USAGE_LENS_PLUGIN_BINARY") == "" {
		t.Fatalf("the tests launch %s, Grafana would launch %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dist, "module.js")); err != nil {
		t.Fatal("module.js must sit beside plugin.json")
	}
	// pkg/plugins/manager/signature: a MANIFEST.txt that does not match makes the plugin
	// "modified", which is never loaded, allow-listed or not. Ours is unsigned: no manifest.
	if _, err := os.Stat(filepath.Join(dist, "MANIFEST.txt")); err == nil {
		t.Fatal("dist/MANIFEST.txt: an unsigned plugin must not carry a signature manifest")
	}
}

// grafana-plugin-sdk-go build/common.go GenerateManifestFile + build/utils/manifest.go: after each
// backend build, dist/go_plugin_build_manifest lists every .go file of the plugin as
// "<sha256>:<path>"; Grafana's plugin validator compares it with the source.
func TestGoBuildManifestIsTheSDKs(t *testing.T) {
	dist, _ := readDist(t)
	written, err := os.ReadFile(filepath.Join(dist, "go_plugin_build_manifest"))
	if err != nil {
		t.Fatal(err)
	}
	here, _ := os.Getwd()
	if err := os.Chdir(pluginRoot()); err != nil {
		t.Fatal(err)
	}
	want, err := utils.GenerateManifest()
	_ = os.Chdir(here)
	if err != nil {
		t.Fatal(err)
	}
	if string(written) != want {
		t.Fatalf("dist/go_plugin_build_manifest is not what the SDK writes for this source (rebuild?)\n--- written\n%s\n--- SDK\n%s", written, want)
	}
	if !strings.Contains(want, ":pkg/main.go\n") || !strings.Contains(want, ":internal/pluginhost/loading_test.go\n") {
		t.Fatalf("the manifest should list every .go file, tests too:\n%s", want)
	}
}

// pkg/setting/setting_plugins.go readPluginSettings: [plugins] allow_loading_unsigned_plugins
// (GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS) is a list of plugin ids split by util.SplitString
// (commas or spaces); pkg/plugins/manager/signature/authorizer.go lets an unsigned plugin load
// only if its exact id is listed. Compose mounts dist/ as one folder of Grafana's plugins dir.
func TestComposeAllowsAndMountsThePluginAsGrafanaReadsIt(t *testing.T) {
	_, p := readDist(t)
	raw, err := os.ReadFile(filepath.Join(pluginRoot(), "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	grafana := compose.Services["grafana"]
	allowed := strings.FieldsFunc(grafana.Environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"], func(r rune) bool { return r == ',' || r == ' ' })
	found := false
	for _, id := range allowed {
		found = found || id == p.ID
	}
	if !found {
		t.Fatalf("unsigned %s is not allowed: %v", p.ID, allowed)
	}
	mounted := false
	for _, v := range grafana.Volumes {
		parts := strings.Split(v, ":")
		mounted = mounted || (parts[0] == "./grafana-plugin/dist" && filepath.Dir(parts[1]) == "/var/lib/grafana/plugins")
	}
	if !mounted {
		t.Fatalf("dist/ is not mounted as a folder of /var/lib/grafana/plugins: %v", grafana.Volumes)
	}
}
