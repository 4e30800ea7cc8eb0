package provisioning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/common/model"
	"github.com/usagelens/analytics/internal/grafanaexpr"
	"go.yaml.in/yaml/v3"
)

// ExprUID is the data source UID of server-side expressions (pkg/expr/service.go DatasourceUID;
// "-100" is its old id, accepted too).
const ExprUID = "__expr__"

func isExpression(uid string) bool { return uid == ExprUID || uid == "-100" }

// RelativeTimeRange is a query's window in seconds before now. Grafana reads each bound as a YAML
// int and nothing else (models.Duration.UnmarshalYAML, pkg/services/ngalert/models/alert_query.go).
type RelativeTimeRange struct {
	From int64
	To   int64
}

// UnmarshalYAML refuses what Grafana refuses: a float or a string ("1h") is `invalid duration`.
func (r *RelativeTimeRange) UnmarshalYAML(node *yaml.Node) error {
	var raw map[string]yaml.Node
	if err := node.Decode(&raw); err != nil {
		return err
	}
	read := func(key string) (int64, error) {
		n, ok := raw[key]
		if !ok {
			return 0, nil
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			return 0, fmt.Errorf("invalid duration %v", n.Value)
		}
		return strconv.ParseInt(n.Value, 0, 64)
	}
	var err error
	if r.From, err = read("from"); err != nil {
		return err
	}
	r.To, err = read("to")
	return err
}

// RuleQuery is one entry of a rule's data.
type RuleQuery struct {
	RefID             string            `yaml:"refId"`
	QueryType         string            `yaml:"queryType"`
	DatasourceUID     string            `yaml:"datasourceUid"`
	RelativeTimeRange RelativeTimeRange `yaml:"relativeTimeRange"`
	Model             map[string]any    `yaml:"model"`
}

// Rule is a provisioned alert rule (AlertRuleV1 in pkg/services/provisioning/alerting/rules_types.go).
type Rule struct {
	UID           string            `yaml:"uid"`
	Title         string            `yaml:"title"`
	Condition     string            `yaml:"condition"`
	Data          []RuleQuery       `yaml:"data"`
	DashboardUID  string            `yaml:"dashboardUid"`
	PanelID       int64             `yaml:"panelId"`
	NoDataState   string            `yaml:"noDataState"`
	ExecErrState  string            `yaml:"execErrState"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keepFiringFor"`
	Annotations   map[string]string `yaml:"annotations"`
	Labels        map[string]string `yaml:"labels"`
	IsPaused      bool              `yaml:"isPaused"`
}

// RuleGroup is AlertRuleGroupV1: the folder is named by title; there is no folderUid.
type RuleGroup struct {
	OrgID    int64  `yaml:"orgId"`
	Name     string `yaml:"name"`
	Folder   string `yaml:"folder"`
	Interval string `yaml:"interval"`
	Rules    []Rule `yaml:"rules"`
}

// RuleFile is an alerting provisioning file's rule part.
type RuleFile struct {
	APIVersion int64       `yaml:"apiVersion"`
	Groups     []RuleGroup `yaml:"groups"`
}

// ParseRuleFile reads a rule file as Grafana's YAML reader does.
func ParseRuleFile(raw []byte) (RuleFile, error) {
	var f RuleFile
	err := yaml.Unmarshal(raw, &f)
	return f, err
}

// Rules loads alerting/rules.yaml.
func Rules() ([]Rule, error) {
	f, err := ruleFile()
	if err != nil {
		return nil, err
	}
	var out []Rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

// RuleGroups loads the groups of alerting/rules.yaml: each rule with its folder and interval.
func RuleGroups() ([]RuleGroup, error) {
	f, err := ruleFile()
	return f.Groups, err
}

func ruleFile() (RuleFile, error) {
	raw, err := os.ReadFile(filepath.Join(Dir(), "alerting", "rules.yaml"))
	if err != nil {
		return RuleFile{}, err
	}
	return ParseRuleFile(raw)
}

// schedulerBaseInterval is Grafana's constant base interval (pkg/setting/setting_unified_alerting.go).
const schedulerBaseInterval = 10 * time.Second

var validUID = regexp.MustCompile(`^[a-zA-Z0-9\-\_]*$`).MatchString

// ValidateUID is util.ValidateUID (pkg/util/shortid_generator.go).
func ValidateUID(uid string) error {
	if len(uid) > 40 {
		return errors.New("UID is longer than 40 symbols")
	}
	if !validUID(uid) {
		return errors.New("invalid format of UID. Only letters, numbers, '-' and '_' are allowed")
	}
	return nil
}

// Check applies to a rule group what Grafana applies when it provisions it, in Grafana's order
// and with its messages, returning the first refusal (and Grafana refuses to start on it):
//   - AlertRuleGroupV1.MapToModel / AlertRuleV1.mapToModel
//     (pkg/services/provisioning/alerting/rules_types.go): group name, interval as a Prometheus
//     duration, folder; rule title, uid, for, keepFiringFor, states (defaults Alerting/NoData),
//     condition, data;
//   - AlertQuery.PreSave (pkg/services/ngalert/models/alert_query.go): a data query's relative
//     time range must have from > to;
//   - AlertRule.SetDashboardAndPanelFromAnnotations and ValidateAlertRule
//     (pkg/services/ngalert/models/alert_rule.go): both panel annotations or neither, an integer
//     panel id, the uid rules, an interval that is a non-zero multiple of the 10 s base interval.
//
// Then what fails a rule at its first evaluation (pkg/services/ngalert/eval/eval.go): the
// condition must name a query or expression, and each expression must parse.
func (g RuleGroup) Check() error {
	if strings.TrimSpace(g.Name) == "" {
		return errors.New("rule group has no name set")
	}
	interval, err := model.ParseDuration(g.Interval)
	if err != nil {
		return err
	}
	if strings.TrimSpace(g.Folder) == "" {
		return errors.New("rule group has no folder set")
	}
	seconds := int64(time.Duration(interval).Seconds())
	for _, r := range g.Rules {
		if err := r.check(); err != nil {
			return err
		}
		if base := int64(schedulerBaseInterval.Seconds()); seconds%base != 0 || seconds <= 0 {
			return fmt.Errorf("invalid alert rule: interval (%v) should be non-zero and divided exactly by scheduler interval: %v", time.Duration(seconds)*time.Second, base)
		}
	}
	return nil
}

func (r Rule) check() error {
	if r.Title == "" {
		return errors.New("rule has no title set")
	}
	if r.UID == "" {
		return fmt.Errorf("rule '%s' failed to parse: no UID set", r.Title)
	}
	for _, d := range [][2]string{{"for", r.For}, {"keepFiringFor", r.KeepFiringFor}} {
		if d[1] == "" {
			continue
		}
		if _, err := model.ParseDuration(d[1]); err != nil {
			return fmt.Errorf("rule '%s' failed to parse '%s' field: %w", r.Title, d[0], err)
		}
	}
	if s := strings.TrimSpace(r.ExecErrState); s != "" && s != "Alerting" && s != "Error" && s != "OK" && s != "KeepLast" {
		return fmt.Errorf("rule '%s' failed to parse: unknown Error state option %s", r.Title, s)
	}
	if s := strings.TrimSpace(r.NoDataState); s != "" && s != "Alerting" && s != "NoData" && s != "OK" && s != "KeepLast" {
		return fmt.Errorf("rule '%s' failed to parse: unknown NoData state option %s", r.Title, s)
	}
	if r.Condition == "" {
		return fmt.Errorf("rule '%s' failed to parse: no condition set", r.Title)
	}
	if len(r.Data) == 0 {
		return fmt.Errorf("rule '%s' failed to parse: no data set", r.Title)
	}
	for _, q := range r.Data {
		if !isExpression(q.DatasourceUID) && q.RelativeTimeRange.From <= q.RelativeTimeRange.To {
			return fmt.Errorf("[alerting.alert-rule.invalidRelativeTime] Invalid alert rule query %s: invalid relative time range [From: %v, To: %v]",
				q.RefID, time.Duration(q.RelativeTimeRange.From)*time.Second, time.Duration(q.RelativeTimeRange.To)*time.Second)
		}
	}
	dashboardUID, panelID := r.Annotations["__dashboardUid__"], r.Annotations["__panelId__"]
	if (dashboardUID != "") != (panelID != "") {
		return errors.New("invalid alert rule: both annotations __dashboardUid__ and __panelId__ must be specified")
	}
	if dashboardUID != "" {
		if _, err := strconv.ParseInt(panelID, 10, 64); err != nil {
			return errors.New("invalid alert rule: annotation __panelId__ must be a valid integer Panel ID")
		}
	}
	if err := ValidateUID(r.UID); err != nil {
		return fmt.Errorf("invalid alert rule\ncannot create rule with UID '%s': %w", r.UID, err)
	}
	var refIDs []string
	for _, q := range r.Data {
		refIDs = append(refIDs, q.RefID)
		if isExpression(q.DatasourceUID) {
			if _, err := grafanaexpr.ParseCommand(q.RefID, q.Model); err != nil {
				return fmt.Errorf("rule '%s' expression %s: %w", r.Title, q.RefID, err)
			}
		}
	}
	found := false
	for _, id := range refIDs {
		found = found || id == r.Condition
	}
	if !found {
		return fmt.Errorf("[alerting.alert-rule.conditionNotExist] Condition %s does not exist, must be one of %v", r.Condition, refIDs)
	}
	return nil
}

// PanelLink is the dashboard and panel a rule's annotations point at, if any.
func (r Rule) PanelLink() (dashboardUID string, panelID int64, ok bool) {
	dashboardUID = r.Annotations["__dashboardUid__"]
	if dashboardUID == "" {
		return "", 0, false
	}
	panelID, err := strconv.ParseInt(r.Annotations["__panelId__"], 10, 64)
	return dashboardUID, panelID, err == nil
}

// Evaluation is what evaluating a rule gave: every step's result and the alert instances.
type Evaluation struct {
	Steps     map[string]grafanaexpr.Result
	Instances []grafanaexpr.Instance
}

// Firing lists the labels of the instances in state Alerting, sorted.
func (e Evaluation) Firing() []data.Labels {
	var out []data.Labels
	for _, i := range e.Instances {
		if i.State == grafanaexpr.Alerting {
			out = append(out, i.Labels)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Defaults alerting puts in a data query's model when it has none (AlertQuery.PreSave,
// pkg/services/ngalert/models/alert_query.go: defaultIntervalMS, defaultMaxDataPoints).
const (
	alertIntervalMS    = 1000
	alertMaxDataPoints = 43200
)

// AlertRequest is the QueryData request Grafana's alerting sends for one data query of the rule
// evaluated at now (the tick the scheduler evaluates every rule due at it with:
// pkg/services/ngalert/schedule/schedule.go processTick gives them all scheduledAt = tick):
//   - the model as stored, with intervalMs and maxDataPoints filled in (AlertQuery.PreSave), and
//     the query's interval and max data points taken from them (pkg/expr/nodes.go buildDSNode,
//     DSNode.Execute: one request per data query, the query type the rule's own queryType, not
//     the model's);
//   - the window relative to now (RelativeTimeRange.ToTimeRange, then AbsoluteTime(now));
//   - the headers of buildDatasourceHeaders (pkg/services/ngalert/eval/eval.go): FromAlert and
//     X-Cache-Skip "true", the org id, and the rule's metadata as http_X-Rule-<Key>, each value
//     URL-query-escaped.
func (r Rule) AlertRequest(folder string, q RuleQuery, now time.Time) *backend.QueryDataRequest {
	model := map[string]any{}
	for k, v := range q.Model {
		model[k] = v
	}
	if _, ok := model["intervalMs"]; !ok {
		model["intervalMs"] = alertIntervalMS
	}
	if _, ok := model["maxDataPoints"]; !ok {
		model["maxDataPoints"] = alertMaxDataPoints
	}
	raw, _ := json.Marshal(model)
	interval, _ := number(model["intervalMs"])
	maxDataPoints, _ := number(model["maxDataPoints"])
	return &backend.QueryDataRequest{
		Headers: map[string]string{
			"FromAlert":          "true",
			"X-Cache-Skip":       "true",
			"X-Grafana-Org-Id":   "1",
			"http_X-Rule-Uid":    url.QueryEscape(r.UID),
			"http_X-Rule-Name":   url.QueryEscape(r.Title),
			"http_X-Rule-Folder": url.QueryEscape(folder),
		},
		Queries: []backend.DataQuery{{
			RefID:         q.RefID,
			QueryType:     q.QueryType,
			JSON:          raw,
			Interval:      time.Duration(interval) * time.Millisecond,
			MaxDataPoints: int64(maxDataPoints),
			TimeRange: backend.TimeRange{
				From: now.Add(-time.Duration(q.RelativeTimeRange.From) * time.Second),
				To:   now.Add(-time.Duration(q.RelativeTimeRange.To) * time.Second),
			},
		}},
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// QueryData answers a data source's QueryData request: the plugin in process or over gRPC.
type QueryData func(ctx context.Context, datasourceUID string, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error)

// EvaluateAt evaluates the rule of folder at the tick now, sending each data query to queryData
// as alerting does (AlertRequest); a query's error fails the evaluation, as an execution error.
func (r Rule) EvaluateAt(ctx context.Context, folder string, now time.Time, queryData QueryData) (Evaluation, error) {
	return r.Evaluate(func(q RuleQuery) (data.Frames, error) {
		res, err := queryData(ctx, q.DatasourceUID, r.AlertRequest(folder, q, now))
		if err != nil {
			return nil, err
		}
		answer, ok := res.Responses[q.RefID]
		if !ok {
			// DSNode.Execute → getResponseFrame (pkg/expr/nodes.go): a missing refID is no data.
			return nil, nil
		}
		return answer.Frames, answer.Error
	})
}

// Evaluate runs a rule as Grafana's scheduler would: each data query through query, then the
// expressions in order, then the condition's values become instance states.
func (r Rule) Evaluate(query func(RuleQuery) (data.Frames, error)) (Evaluation, error) {
	steps := map[string]grafanaexpr.Result{}
	for _, q := range r.Data {
		if !isExpression(q.DatasourceUID) {
			frames, err := query(q)
			if err != nil {
				return Evaluation{}, fmt.Errorf("%s query %s: %w", r.Title, q.RefID, err)
			}
			if steps[q.RefID], err = grafanaexpr.Convert(frames); err != nil {
				return Evaluation{}, fmt.Errorf("%s query %s: %w", r.Title, q.RefID, err)
			}
			continue
		}
		cmd, err := grafanaexpr.ParseCommand(q.RefID, q.Model)
		if err != nil {
			return Evaluation{}, fmt.Errorf("%s %s: %w", r.Title, q.RefID, err)
		}
		if steps[q.RefID], err = cmd.Execute(steps); err != nil {
			return Evaluation{}, fmt.Errorf("%s %s: %w", r.Title, q.RefID, err)
		}
	}
	return Evaluation{Steps: steps, Instances: grafanaexpr.States(steps[r.Condition])}, nil
}
