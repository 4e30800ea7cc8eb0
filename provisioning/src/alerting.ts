/**
 * What wakes on-call: four rules, one contact point (the log receiver, plus Slack, PagerDuty and
 * email when their settings are in the environment), one notification template for all of them,
 * and the policy that routes to it. Rules are built with the foundation SDK's alerting builders;
 * each query of the plugin runs in the Go backend and answers one number per user (or one total),
 * which Grafana's threshold expression compares.
 */
import { QueryBuilder, RuleBuilder } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeMathBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DATASOURCES, FOLDER_TITLE, FREE_TIER_WRITES_PER_DAY, THRESHOLDS } from './config.ts';
import { UsageQueryBuilder } from './query.ts';
import { LIMITS_PANELS, LIMITS_UID, OVERVIEW_PANELS, USAGE_OVERVIEW_UID, USER_DETAIL_UID } from './dashboards/links.ts';

const EXPR = '__expr__';
const HOUR = 3600;
const DAY = 86_400;

const usage = (refId: string, seconds: number, query: UsageQueryBuilder) =>
  new QueryBuilder(refId).datasourceUid(DATASOURCES.worker.uid).relativeTimeRange({ from: seconds, to: 0 }).model(query.refId(refId));

const above = (refId: string, of: string, limit: number) =>
  new QueryBuilder(refId).datasourceUid(EXPR).model(
    new TypeThresholdBuilder()
      .refId(refId)
      .expression(of)
      .datasource({ type: '__expr__', uid: EXPR })
      .conditions([{ evaluator: { type: 'gt', params: [limit] } }]),
  );

/**
 * A math expression (Grafana's SSE math: comparisons and && give 1 or 0, per label set, joining
 * numbers with the same labels: pkg/expr/mathexp in grafana/grafana), for a condition on two
 * numbers of each user.
 */
const math = (refId: string, expression: string) =>
  new QueryBuilder(refId).datasourceUid(EXPR).model(new TypeMathBuilder().refId(refId).expression(expression).datasource({ type: '__expr__', uid: EXPR }));

export const RULE_GROUP = 'usage-lens';
export const DAILY_RULE_GROUP = 'usage-lens-daily';
export const CONTACT_POINT = 'usage-lens';
export const RECEIVER_URL = 'http://alert-receiver:9099/alerts';
export const TEMPLATE_NAME = 'usage-lens';

/** Every rule fires at once (usage is already summed over its window) and is quiet without data. */
const rule = (title: string, uid: string) =>
  new RuleBuilder(title).uid(uid).forDuration('0s').noDataState('OK').execErrState('Error');

/**
 * Grafana links a rule to a panel only with both annotations (it refuses one without the other:
 * SetDashboardAndPanelFromAnnotations in pkg/services/ngalert/models/alert_rule.go). The panel
 * id is a string there, parsed as an integer.
 */
const onPanel = (panelId: number, dashboardUid: string = USAGE_OVERVIEW_UID) => ({ __dashboardUid__: dashboardUid, __panelId__: String(panelId) });

/** The instance's user as a person reads it: the `name` label when the worker knows it, else the id. */
const WHO = '{{ if $labels.name }}{{ $labels.name }}{{ else }}{{ $labels.user }}{{ end }}';

/**
 * The per-user rules ask for one number per user over the last hour (the plugin's `perUser` query:
 * SQL HAVING keeps only users with at least `minEvents` calls or at least one call over their rate
 * limit, so a tick loads the few users that could fire, not every user). All three ask the same
 * read (same window, same bounds), so each evaluation tick costs one AE read for them all; the
 * free-tier rule reads totals once an hour.
 */
const perUser = (refId: string, metric: 'events' | 'errors' | 'error_rate' | 'over_limit') =>
  usage(refId, HOUR, new UsageQueryBuilder('perUser').metric(metric).minEvents(THRESHOLDS.userErrorMinEvents).minOverLimit(1));

function perUserRules() {
  const callsPerHour = rule(`User calls per hour above ${THRESHOLDS.userEventsPerHour}`, 'usage-lens-user-rate')
    .withQuery(perUser('A', 'events'))
    .withQuery(above('B', 'A', THRESHOLDS.userEventsPerHour))
    .condition('B')
    .labels({ severity: 'warning', team: 'api' })
    .annotations({
      summary: `${WHO} made {{ $values.A }} calls in the last hour (limit ${THRESHOLDS.userEventsPerHour})`,
      description: 'One instance per user. Raise the limit with USAGE_LENS_USER_EVENTS_PER_HOUR.',
      value: '{{ $values.A }} calls',
      threshold: `${THRESHOLDS.userEventsPerHour} calls`,
      window: 'last hour',
      ...onPanel(OVERVIEW_PANELS.usersTable),
    });

  const ratio = `${THRESHOLDS.userErrorRatio * 100}%`;
  const errorRatio = rule(`User error ratio above ${ratio}`, 'usage-lens-user-errors')
    .withQuery(perUser('A', 'error_rate'))
    // The same read again (no extra AE read): calls and failures for the message.
    .withQuery(perUser('B', 'errors'))
    .withQuery(perUser('C', 'events'))
    // The read also holds users under the minimum who went over their limit: the minimum is
    // applied here, beside the ratio.
    .withQuery(math('D', `$A > ${THRESHOLDS.userErrorRatio} && $C >= ${THRESHOLDS.userErrorMinEvents}`))
    .condition('D')
    .labels({ severity: 'warning', team: 'api' })
    .annotations({
      summary: `${WHO}: {{ $values.B }} of {{ $values.C }} calls failed in the last hour`,
      description: `Fires above a ${ratio} error ratio for users with at least ${THRESHOLDS.userErrorMinEvents} calls. Change them with USAGE_LENS_USER_ERROR_RATIO and USAGE_LENS_USER_ERROR_MIN_EVENTS.`,
      value: '{{ $values.B }} of {{ $values.C }} calls failed',
      threshold: `${ratio} of at least ${THRESHOLDS.userErrorMinEvents} calls`,
      window: 'last hour',
      ...onPanel(OVERVIEW_PANELS.errorRateByUser),
    });
  const overLimit = rule('User throttled or over the limit', 'usage-lens-user-over-limit')
    .withQuery(perUser('A', 'over_limit'))
    .withQuery(above('B', 'A', 0))
    .condition('B')
    .labels({ severity: 'warning', team: 'api' })
    .annotations({
      summary: `${WHO} made {{ $values.A }} calls over their rate limit in the last hour`,
      description:
        'One instance per user. Calls over the per-minute limit of the user’s tier are let through and counted in observe mode, refused with 429 in enforce mode (LIMITS_MODE). Give the user a higher tier, or see the recommended limits on the Limits dashboard.',
      value: '{{ $values.A }} calls over the limit',
      threshold: 'any call over the limit',
      window: 'last hour',
      ...onPanel(LIMITS_PANELS.overLimitByUser, LIMITS_UID),
    });
  return [callsPerHour, errorRatio, overLimit];
}

function dailyRules() {
  const freeTierLimit = Math.round(FREE_TIER_WRITES_PER_DAY * THRESHOLDS.freeTierShare);
  const freeTierShare = `${Math.round(THRESHOLDS.freeTierShare * 100)}%`;
  const freeTier = rule(`AE writes above ${freeTierShare} of the free tier`, 'usage-lens-free-tier')
    .withQuery(usage('A', DAY, new UsageQueryBuilder('totals').metric('events')))
    .withQuery(above('B', 'A', freeTierLimit))
    .condition('B')
    .labels({ severity: 'warning', team: 'platform' })
    .annotations({
      summary: `{{ $values.A }} AE writes in the last 24 h: over ${freeTierLimit} (${freeTierShare} of the free tier's ${FREE_TIER_WRITES_PER_DAY} a day)`,
      description: 'Writes past the free tier are billed on the paid plan. Change the share with USAGE_LENS_FREE_TIER_SHARE.',
      value: '{{ $values.A }} writes',
      threshold: `${freeTierLimit} writes (${freeTierShare} of ${FREE_TIER_WRITES_PER_DAY})`,
      window: 'last 24 hours',
      ...onPanel(OVERVIEW_PANELS.aeWrites),
    });
  return [freeTier];
}

/** File provisioning takes the folder and group on the group, not on each rule. */
const forFile = (r: RuleBuilder) => {
  const { folderUID: _f, ruleGroup: _g, orgID: _o, ...built } = r.build() as unknown as Record<string, unknown>;
  return built;
};

export function rules() {
  return [...perUserRules(), ...dailyRules()].map(forFile);
}

/**
 * Two groups: the three per-user rules every minute (on-call wants to know within the minute) and the daily
 * free-tier rule every hour (a day's writes move slowly). AE bills every read: see the README's
 * arithmetic of reads per day.
 */
export function rulesFile() {
  return {
    apiVersion: 1,
    groups: [
      { orgId: 1, name: RULE_GROUP, folder: FOLDER_TITLE, interval: '1m', rules: perUserRules().map(forFile) },
      { orgId: 1, name: DAILY_RULE_GROUP, folder: FOLDER_TITLE, interval: '1h', rules: dailyRules().map(forFile) },
    ],
  };
}

/**
 * One message for every integration: who (name and id, or id), the value against the threshold
 * over the window, and a link to that user's dashboard (else the rule's panel). Grafana renders
 * notification templates over grafana/alerting's ExtendedData (templates/template_data.go): the
 * group's .Status, .CommonLabels, .ExternalURL (Grafana's root URL, with its trailing slash) and
 * .Alerts, whose .Firing/.Resolved alerts carry .Labels, .Annotations and .PanelURL. Only
 * text/template's own functions are used, so the Go test renders it as Grafana would.
 */
export const NOTIFICATION_TEMPLATE = `{{ define "usage-lens.title" }}[{{ .Status }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}] {{ .CommonLabels.alertname }}{{ end }}

{{ define "usage-lens.message" }}{{ range .Alerts }}{{ if eq .Status "firing" }}FIRING{{ else }}RESOLVED{{ end }} {{ .Labels.alertname }}
{{ if .Labels.user }}User: {{ if .Labels.name }}{{ .Labels.name }} ({{ .Labels.user }}){{ else }}{{ .Labels.user }}{{ end }}
{{ end }}Value: {{ .Annotations.value }} in the {{ .Annotations.window }} (threshold {{ .Annotations.threshold }})
{{ if .Labels.user }}User dashboard: {{ $.ExternalURL }}d/${USER_DETAIL_UID}?var-user={{ urlquery .Labels.user }}
{{ else if .PanelURL }}Dashboard: {{ .PanelURL }}
{{ end }}
{{ end }}{{ end }}
`;

export function templatesFile() {
  return { apiVersion: 1, templates: [{ orgId: 1, name: TEMPLATE_NAME, template: NOTIFICATION_TEMPLATE }] };
}

const TITLE = '{{ template "usage-lens.title" . }}';
const MESSAGE = '{{ template "usage-lens.message" . }}';

/**
 * The integrations of the on-call contact point. Grafana refuses to start when a required setting
 * is empty (an unset ${VAR} expands to ""), so an integration is written only when its variable is
 * set where the files are generated; the file names the variable, never its value, and Grafana
 * reads the value from its own environment (compose passes the same variables to it).
 */
export const ON_CALL_ENV = {
  slack: 'USAGE_LENS_SLACK_WEBHOOK_URL',
  pagerduty: 'USAGE_LENS_PAGERDUTY_ROUTING_KEY',
  email: 'USAGE_LENS_ALERT_EMAILS',
} as const;

export function receivers(env: Record<string, string | undefined> = process.env) {
  const ref = (name: string) => `\${${name}}`;
  const list: { uid: string; type: string; settings: Record<string, unknown>; disableResolveMessage: boolean }[] = [
    { uid: 'usage-lens-log', type: 'webhook', settings: { url: RECEIVER_URL, httpMethod: 'POST', title: TITLE, message: MESSAGE }, disableResolveMessage: false },
  ];
  if (env[ON_CALL_ENV.slack]) {
    list.push({ uid: 'usage-lens-slack', type: 'slack', settings: { url: ref(ON_CALL_ENV.slack), title: TITLE, text: MESSAGE }, disableResolveMessage: false });
  }
  if (env[ON_CALL_ENV.pagerduty]) {
    list.push({
      uid: 'usage-lens-pagerduty',
      type: 'pagerduty',
      settings: { integrationKey: ref(ON_CALL_ENV.pagerduty), severity: 'warning', summary: TITLE, details: { message: MESSAGE } },
      disableResolveMessage: false,
    });
  }
  if (env[ON_CALL_ENV.email]) {
    list.push({ uid: 'usage-lens-email', type: 'email', settings: { addresses: ref(ON_CALL_ENV.email), subject: TITLE, message: MESSAGE }, disableResolveMessage: false });
  }
  return list;
}

export function contactPointsFile(env: Record<string, string | undefined> = process.env) {
  return {
    apiVersion: 1,
    contactPoints: [{ orgId: 1, name: CONTACT_POINT, receivers: receivers(env) }],
  };
}

export function policiesFile() {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        group_by: ['grafana_folder', 'alertname', 'user'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
    ],
  };
}

