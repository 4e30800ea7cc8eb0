// Command gomanifest writes dist/go_plugin_build_manifest with the plugin SDK's own function, as
// the SDK's mage build does after each backend build (build.Build.GenerateManifestFile in
// grafana-plugin-sdk-go build/common.go): utils.GenerateManifest walks the plugin root (the
// current directory) and lists every .go file as "<sha256>:<path>". Grafana's plugin validator
// checks the manifest against the plugin's source. Run from the plugin root: go run ./scripts/gomanifest
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-plugin-sdk-go/build/utils"
)

func main() {
	content, err := utils.GenerateManifest()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go manifest:", err)
		os.Exit(1)
	}
	out := filepath.Join("dist", "go_plugin_build_manifest")
	if err := os.MkdirAll("dist", 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// 0755, as the SDK writes it.
	if err := os.WriteFile(out, []byte(content), 0o755); err != nil { // #nosec G306 -- the SDK's mode
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s\n", out)
}
