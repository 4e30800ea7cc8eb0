package plugin

import (
	"regexp"
	"strings"
)

var formatClause = regexp.MustCompile(`(?is)\s+FORMAT\s+\w+\s*;?\s*$`)

// withJSONFormat makes raw SQL answer FORMAT JSON, replacing any FORMAT the author wrote: the
// frames are built from AE's JSON meta and data.
func withJSONFormat(sql string) string {
	sql = strings.TrimSpace(sql)
	sql = strings.TrimSuffix(sql, ";")
	sql = formatClause.ReplaceAllString(sql, "")
	return sql + "\nFORMAT JSON"
}
