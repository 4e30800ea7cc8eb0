package provisioning

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// Receiver is one integration of a contact point (contact_point_types.go).
type Receiver struct {
	UID      string         `yaml:"uid"`
	Type     string         `yaml:"type"`
	Settings map[string]any `yaml:"settings"`
}

// ContactPoint is a provisioned contact point.
type ContactPoint struct {
	OrgID     int64      `yaml:"orgId"`
	Name      string     `yaml:"name"`
	Receivers []Receiver `yaml:"receivers"`
}

// NotificationTemplate is a provisioned template (text_templates_types.go): name and template are
// plain strings, never expanded.
type NotificationTemplate struct {
	OrgID    int64  `yaml:"orgId"`
	Name     string `yaml:"name"`
	Template string `yaml:"template"`
}

// Policy is a provisioned notification policy tree's root.
type Policy struct {
	OrgID    int64    `yaml:"orgId"`
	Receiver string   `yaml:"receiver"`
	GroupBy  []string `yaml:"group_by"`
}

// AlertingFiles is everything in alerting/, as one AlertingFileV1 each file contributes to
// (pkg/services/provisioning/alerting/types.go).
type AlertingFiles struct {
	ContactPoints []ContactPoint
	Templates     []NotificationTemplate
	Policies      []Policy
	Groups        []RuleGroup
}

// LoadAlerting reads every YAML file of alerting/ as Grafana does.
func LoadAlerting() (AlertingFiles, error) {
	paths, err := filepath.Glob(filepath.Join(Dir(), "alerting", "*.yaml"))
	if err != nil || len(paths) == 0 {
		return AlertingFiles{}, fmt.Errorf("no alerting files: %v", err)
	}
	var out AlertingFiles
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return out, err
		}
		var f struct {
			ContactPoints []ContactPoint         `yaml:"contactPoints"`
			Templates     []NotificationTemplate `yaml:"templates"`
			Policies      []Policy               `yaml:"policies"`
			Groups        []RuleGroup            `yaml:"groups"`
		}
		if err := yaml.Unmarshal(raw, &f); err != nil {
			return out, fmt.Errorf("%s: %w", p, err)
		}
		out.ContactPoints = append(out.ContactPoints, f.ContactPoints...)
		out.Templates = append(out.Templates, f.Templates...)
		out.Policies = append(out.Policies, f.Policies...)
		out.Groups = append(out.Groups, f.Groups...)
	}
	return out, nil
}

// Check is what Grafana's contact point provisioning refuses (contact_point_types.go and each
// integration's config in grafana/alerting receivers/<type>), after expanding settings with env
// (settings are a values.JSONValue: every string is expanded; an unset variable becomes "").
func (c ContactPoint) Check(env Env, files Files) error {
	if strings.TrimSpace(c.Name) == "" {
		return errors.New("no name is set")
	}
	for _, r := range c.Receivers {
		switch {
		case strings.TrimSpace(r.UID) == "":
			return fmt.Errorf("%s: no uid is set", c.Name)
		case strings.TrimSpace(r.Type) == "":
			return fmt.Errorf("%s: no type is set", c.Name)
		case len(r.Settings) == 0:
			return fmt.Errorf("%s: no settings are set", c.Name)
		}
		expanded, err := expandTree(r.Settings, env, files)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		settings := expanded.(map[string]any)
		str := func(key string) string { s, _ := settings[key].(string); return s }
		switch r.Type {
		case "webhook":
			if str("url") == "" {
				return fmt.Errorf("%s: required field 'url' is not specified", c.Name)
			}
		case "slack":
			url := str("url")
			if url == "" {
				url = str("endpointUrl")
			}
			if url == "" || url == "https://slack.com/api/chat.postMessage" {
				if str("recipient") == "" {
					return fmt.Errorf("%s: recipient must be specified when using the Slack chat API", c.Name)
				}
				if str("token") == "" {
					return fmt.Errorf("%s: token must be specified when using the Slack chat API", c.Name)
				}
			}
		case "pagerduty":
			if str("integrationKey") == "" {
				return fmt.Errorf("%s: could not find integration key property in settings", c.Name)
			}
		case "email":
			if strings.Trim(str("addresses"), ",;\n ") == "" {
				return fmt.Errorf("%s: could not find addresses in settings", c.Name)
			}
		default:
			return fmt.Errorf("%s: integration %s is not imitated here", c.Name, r.Type)
		}
	}
	return nil
}

// Parse parses a notification template as text/template, the engine Grafana's templates run on
// (grafana/alerting templates/template_data.go TemplateDefinition.Validate parses the same text,
// with Grafana's extra functions on top: a template that uses only text/template's own functions
// parses and renders the same in both).
func (t NotificationTemplate) Parse() (*template.Template, error) {
	if t.Name == "" {
		return nil, errors.New("template name is empty")
	}
	return template.New(t.Name).Parse(t.Template)
}
