package provisioning

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Env is the environment Grafana starts with: a missing name is an unset variable.
type Env map[string]string

// Files are the files Grafana can read, by absolute path.
type Files map[string]string

// expander is setting.ExpandVar's pattern (pkg/setting/expanders.go): $__name{arg}, or ${arg}
// for the empty name.
var expander = regexp.MustCompile(`\$(|__\w+)\{([^}]+)\}`)

// Expand does what Grafana does to a value of a provisioning file (pkg/services/provisioning/
// values/values.go interpolateValue, with pkg/setting/expanders.go): the value is split on `$$`
// (a literal `$`); in each part the registered expanders run (${VAR} and $__env{VAR} read the
// environment, unset is empty; $__file{path} reads the file, trimmed, and a missing file is an
// error; other $__name{} are not OSS expanders and stay), then os.ExpandEnv (so $VAR works too,
// and unset is empty); the parts are joined with `$`.
func Expand(value string, env Env, files Files) (string, error) {
	parts := strings.Split(value, "$$")
	for i, part := range parts {
		var failure error
		expanded := expander.ReplaceAllStringFunc(part, func(m string) string {
			sub := expander.FindStringSubmatch(m)
			switch sub[1] {
			case "", "__env":
				return env[sub[2]]
			case "__file":
				content, ok := files[sub[2]]
				if !ok {
					failure = fmt.Errorf("got error while expanding expander %s: stat %s: no such file or directory", "file", sub[2])
					return m
				}
				return strings.TrimSpace(content)
			}
			return m
		})
		if failure != nil {
			return "", fmt.Errorf("failed to interpolate value '%s': %w", value, failure)
		}
		parts[i] = os.Expand(expanded, func(name string) string { return env[name] })
	}
	return strings.Join(parts, "$"), nil
}

// expandTree expands every string in a YAML/JSON value, recursively (values.JSONValue.Value).
func expandTree(v any, env Env, files Files) (any, error) {
	switch t := v.(type) {
	case string:
		return Expand(t, env, files)
	case map[string]any:
		out := map[string]any{}
		for k, item := range t {
			e, err := expandTree(item, env, files)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			e, err := expandTree(item, env, files)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	return v, nil
}
