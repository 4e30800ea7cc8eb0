/**
 * What wakes on-call: three rules, a webhook contact point and the policy that routes to it.
 * Rules are built with the foundation SDK's alerting builders; each query of the plugin runs in
 * the Go backend, the rest are Grafana's server-side expressions (reduce, math, threshold).
 */
import { QueryBuilder, RuleBuilder } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeMathBuilder, TypeReduceBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DATASOURCES, FOLDER_TITLE, FOLDER_UID, FREE_TIER_WRITES_PER_DAY, THRESHOLDS } from './config.ts';
import { UsageQueryBuilder } from './query.ts';
import { USAGE_OVERVIEW_UID } from './dashboards/usage-overview.ts';

const EXPR = '__expr__';
const HOUR = 3600;
const DAY = 86_400;

const usage = (refId: string, seconds: number, query: UsageQueryBuilder) =>
  new QueryBuilder(refId).datasourceUid(DATASOURCES.worker.uid).relativeTimeRange({ from: seconds, to: 0 }).model(query.refId(refId));

const reduceSum = (refId: string, of: string) =>
  new QueryBuilder(refId).datasourceUid(EXPR).model(new TypeReduceBuilder().refId(refId).expression(of).reducer('sum').datasource({ type: '__expr__', uid: EXPR }));

const math = (refId: string, expression: string) =>
  new QueryBuilder(refId).datasourceUid(EXPR).model(new TypeMathBuilder().refId(refId).expression(expression).datasource({ type: '__expr__', uid: EXPR }));

const above = (refId: string, of: string, limit: number) =>
  new QueryBuilder(refId).datasourceUid(EXPR).model(
    new TypeThresholdBuilder()
      .refId(refId)
      .expression(of)
      .datasource({ type: '__expr__', uid: EXPR })
      .conditions([{ evaluator: { type: 'gt', params: [limit] } }]),
  );

export const RULE_GROUP = 'usage-lens';
export const CONTACT_POINT = 'usage-lens-webhook';
export const RECEIVER_URL = 'http://alert-receiver:9099/alerts';

/** Every rule fires at once (usage is already summed over its window) and is quiet without data. */
const rule = (title: string, uid: string) =>
  new RuleBuilder(title).uid(uid).forDuration('0s').noDataState('OK').execErrState('Error');

export function rules() {
  const perUser = rule(`User calls per hour above ${THRESHOLDS.userEventsPerHour}`, 'usage-lens-user-rate')
    .withQuery(usage('A', HOUR, new UsageQueryBuilder('timeseries').groupBy('user').metric('events')))
    .withQuery(reduceSum('B', 'A'))
    .withQuery(above('C', 'B', THRESHOLDS.userEventsPerHour))
    .condition('C')
    .labels({ severity: 'warning', team: 'api' })
    .annotations({
      summary: `{{ $labels.user }} made {{ $values.B }} calls in the last hour (limit ${THRESHOLDS.userEventsPerHour})`,
      description: 'One instance per user. Raise the limit with USAGE_LENS_USER_EVENTS_PER_HOUR.',
      __dashboardUid__: USAGE_OVERVIEW_UID,
    });

  const freeTierLimit = Math.round(FREE_TIER_WRITES_PER_DAY * THRESHOLDS.freeTierShare);
  const freeTier = rule(`AE writes above ${Math.round(THRESHOLDS.freeTierShare * 100)}% of the free tier`, 'usage-lens-free-tier')
    .withQuery(usage('A', DAY, new UsageQueryBuilder('timeseries').groupBy('total').metric('events')))
    .withQuery(reduceSum('B', 'A'))
    .withQuery(above('C', 'B', freeTierLimit))
    .condition('C')
    .labels({ severity: 'warning', team: 'platform' })
    .annotations({
      summary: `{{ $values.B }} AE writes in the last 24 h: over ${freeTierLimit} (${Math.round(THRESHOLDS.freeTierShare * 100)}% of the free tier's ${FREE_TIER_WRITES_PER_DAY} a day)`,
      __dashboardUid__: USAGE_OVERVIEW_UID,
    });

  const errorRatio = rule(`User error ratio above ${THRESHOLDS.userErrorRatio * 100}%`, 'usage-lens-user-errors')
    .withQuery(usage('A', HOUR, new UsageQueryBuilder('timeseries').groupBy('user').metric('errors')))
    .withQuery(usage('B', HOUR, new UsageQueryBuilder('timeseries').groupBy('user').metric('events')))
    .withQuery(reduceSum('C', 'A'))
    .withQuery(reduceSum('D', 'B'))
    .withQuery(math('E', `($D >= ${THRESHOLDS.userErrorMinEvents}) * ($C / ($D + ($D == 0)))`))
    .withQuery(above('F', 'E', THRESHOLDS.userErrorRatio))
    .condition('F')
    .labels({ severity: 'warning', team: 'api' })
    .annotations({
      summary: `{{ $labels.user }}: {{ $values.C }} of {{ $values.D }} calls failed in the last hour`,
      description: `Fires above a ${THRESHOLDS.userErrorRatio * 100}% error ratio for users with at least ${THRESHOLDS.userErrorMinEvents} calls.`,
      __dashboardUid__: USAGE_OVERVIEW_UID,
    });

  return [perUser, freeTier, errorRatio].map((r) => {
    // File provisioning takes the folder and group on the group, not on each rule.
    const { folderUID: _f, ruleGroup: _g, orgID: _o, ...rule } = r.build() as unknown as Record<string, unknown>;
    return rule;
  });
}

export function rulesFile() {
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, name: RULE_GROUP, folder: FOLDER_TITLE, interval: '1m', rules: rules() }],
  };
}

export function contactPointsFile() {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [{ uid: CONTACT_POINT, type: 'webhook', settings: { url: RECEIVER_URL, httpMethod: 'POST' }, disableResolveMessage: false }],
      },
    ],
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

export { FOLDER_UID };
