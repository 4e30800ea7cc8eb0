package macros

import (
	"regexp"
	"strings"
)

var formatClause = regexp.MustCompile(`(?is)\s+FORMAT\s+\w+\s*;?\s*$`)

// Prepare is raw SQL as the plugin sends it: macros expanded and FORMAT JSON at the end, replacing
// any FORMAT the author wrote, since the frames are built from AE's JSON meta and data.
func Prepare(sql string, c Context) (string, error) {
	expanded, err := Expand(sql, c)
	if err != nil {
		return "", err
	}
	expanded = strings.TrimSuffix(strings.TrimSpace(expanded), ";")
	return formatClause.ReplaceAllString(expanded, "") + "\nFORMAT JSON", nil
}
