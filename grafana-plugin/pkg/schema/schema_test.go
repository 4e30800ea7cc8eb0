package schema

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// The TypeScript schema is the other home of these facts; node imports it and prints it as JSON.
func TestAgreesWithTheTypeScriptSchema(t *testing.T) {
	tsFile, err := filepath.Abs("../../../worker/src/analytics/schema.ts")
	if err != nil {
		t.Fatal(err)
	}
	script := `import(process.argv[1]).then((m) => console.log(JSON.stringify({
		events: m.USAGE_EVENTS, labels: m.EVENT_LABELS, columns: m.AE_COLUMNS, datasets: m.DATASETS,
		pricing: m.AE_PRICING })))`
	cmd := exec.Command("node", "--input-type=module", "-e", script, tsFile)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("node (>= 22.18, for TypeScript) could not load %s: %v\n%s", tsFile, err, stderr)
	}
	var ts struct {
		Events   []string           `json:"events"`
		Labels   map[string]string  `json:"labels"`
		Columns  map[string]string  `json:"columns"`
		Datasets map[string]string  `json:"datasets"`
		Pricing  map[string]float64 `json:"pricing"`
	}
	if err := json.Unmarshal(out, &ts); err != nil {
		t.Fatalf("unexpected output %q: %v", out, err)
	}
	for name, pair := range map[string][2]any{
		"events":   {ts.Events, Events},
		"labels":   {ts.Labels, EventLabels},
		"columns":  {ts.Columns, Columns},
		"datasets": {ts.Datasets, Datasets},
		"pricing": {ts.Pricing, map[string]float64{
			"freeWritesPerDay":           Pricing.FreeWritesPerDay,
			"paidIncludedWritesPerMonth": Pricing.PaidIncludedWritesPerMonth,
			"paidUsdPerMillionWrites":    Pricing.PaidUSDPerMillionWrites,
		}},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ: TypeScript %v, Go %v", name, pair[0], pair[1])
		}
	}
}

func TestIsEvent(t *testing.T) {
	if !IsEvent("sync_auth") || IsEvent("login") {
		t.Fatal("IsEvent disagrees with Events")
	}
}
