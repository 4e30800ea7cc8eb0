package usage

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// The rows-to-result step, pinned by the fixtures the worker's tests run too
// (contract/fixtures/reads.json, copied to testdata/reads.json). Every case runs twice: sql mode
// rolls the rows up here; worker mode decodes the worker's result, which is the fixture's `result`
// as the worker sends it. Both must be the fixture's result, except that sql mode has no names
// (they come from the app's tables, which only the worker reads).
func TestEveryReadFixture(t *testing.T) {
	raw, err := os.ReadFile("testdata/reads.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixtures struct {
		Cases []struct {
			Name   string                    `json:"name"`
			Read   string                    `json:"read"`
			Rows   []map[string]any          `json:"rows"`
			Names  map[string]map[string]any `json:"names"`
			Result json.RawMessage           `json:"result"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &fixtures); err != nil {
		t.Fatal(err)
	}
	if len(fixtures.Cases) == 0 {
		t.Fatal("no fixture cases")
	}
	seen := map[string]bool{}
	for _, c := range fixtures.Cases {
		t.Run(c.Name, func(t *testing.T) {
			seen[c.Read] = true
			var rolled, withoutNames any
			switch c.Read {
			case "totals":
				got, err := RollUpTotals(c.Rows)
				must(t, err)
				// The plugin's totals read asks no per-event counts (no panel shows them), so the
				// fixture's byEvent is known and left aside; any other field must be read.
				var want struct {
					Totals
					ByEvent map[string]float64 `json:"byEvent"`
				}
				must(t, strict(c.Result, &want))
				rolled, withoutNames = *got, want.Totals
			case "orgs":
				got, err := RollUpOrgs(c.Rows)
				must(t, err)
				var want []OrgUsage
				must(t, strict(c.Result, &want))
				bare := make([]OrgUsage, len(want))
				for i, o := range want {
					checkName(t, c.Names, o.ID, o.Name, nil)
					o.Name = nil
					bare[i] = o
				}
				rolled, withoutNames = got, bare
			case "users":
				got, err := RollUpUsers(c.Rows)
				must(t, err)
				var want []UserUsage
				must(t, strict(c.Result, &want))
				bare := make([]UserUsage, len(want))
				for i, u := range want {
					checkName(t, c.Names, u.ID, u.Name, u.Email)
					u.Name, u.Email = nil, nil
					bare[i] = u
				}
				rolled, withoutNames = got, bare
			case "series":
				got, err := RollUpSeries(c.Rows)
				must(t, err)
				var want []SeriesBucket
				must(t, strict(c.Result, &want))
				rolled, withoutNames = got, want
			default:
				t.Fatalf("read %q has no Go roll-up", c.Read)
			}
			if a, b := jsonOf(t, rolled), jsonOf(t, withoutNames); a != b {
				t.Fatalf("sql mode rolled the rows up to\n%s\nwant\n%s", a, b)
			}
		})
	}
	for _, read := range []string{"totals", "orgs", "users", "series"} {
		if !seen[read] {
			t.Errorf("no fixture for the %s read", read)
		}
	}
}

// checkName asserts a decoded result carries the name (and email) the app knows for id, or none.
func checkName(t *testing.T, names map[string]map[string]any, id string, name, email *string) {
	t.Helper()
	known := names[id]
	want := func(field string, got *string) {
		w, ok := known[field].(string)
		switch {
		case ok && (got == nil || *got != w):
			t.Errorf("%s: %s decoded as %v, want %q", id, field, got, w)
		case !ok && got != nil && field == "name":
			t.Errorf("%s: no %s is known, decoded %q", id, field, *got)
		}
	}
	want("name", name)
	if email != nil || known["email"] != nil {
		want("email", email)
	}
}

// strict decodes a fixture's result, refusing a field the Go result has no place for: a field the
// contract adds to a result (overLimit, say) fails here until the plugin reads it.
func strict(raw json.RawMessage, into any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(into)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	must(t, err)
	return string(b)
}

func TestRollUpRefusesRowsWithoutTheReadsColumns(t *testing.T) {
	if _, err := RollUpTotals([]map[string]any{{"events": "1", "errors": "x", "users": "1"}}); err == nil {
		t.Error("a count that is not a number is an error")
	}
	if _, err := RollUpTotals([]map[string]any{{}, {}}); err == nil {
		t.Error("totals are one row")
	}
	if _, err := RollUpUsers([]map[string]any{{"uid": "u", "events": "1", "errors": "0", "over": "0"}}); err == nil {
		t.Error("a users row without its event columns is an error")
	}
	if _, err := RollUpTotals([]map[string]any{{"events": "1", "errors": "0", "users": "1"}}); err == nil {
		t.Error("a totals row without its over-limit count is an error")
	}
	if _, err := RollUpSeries([]map[string]any{{"bucket": "1", "event": "sync", "status": "200", "split": "", "events": "1"}}); err == nil {
		t.Error("a series row without its over-limit count is an error")
	}
	if _, err := RollUpSeries([]map[string]any{{"bucket": "1", "event": 3.0, "status": "200", "split": "", "events": "1"}}); err == nil {
		t.Error("an event that is not text is an error")
	}
	if _, err := RollUpOrgs([]map[string]any{{"events": "1", "errors": "0", "users": "1"}}); err == nil {
		t.Error("an orgs row without its org is an error")
	}
}
