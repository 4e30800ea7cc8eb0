/**
 * The two SQL reads behind the limit recommendations, in AE's SQL API dialect
 * (https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/): a subquery in FROM
 * ("FROM <table_name>|(subquery)", statements page), nested twice, so calls are counted per event ×
 * user × UTC day × minute, rolled up per user-day, then per event (or per user and event).
 *
 * Sampling-correct: the innermost level counts `SUM(_sample_interval)`, as AE's sampling page says to
 * (https://developers.cloudflare.com/analytics/analytics-engine/sampling/); every level above adds up
 * or compares those counts. Percentiles are `quantileExactWeighted(q)(x, 1)` over user-days, each
 * weighing one (aggregate-functions page, https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/aggregate-functions/;
 * ClickHouse's definition, without interpolation: the smallest value whose running count reaches
 * ceil(q × n) of the n sorted values, src/AggregateFunctions/AggregateFunctionQuantileExactWeighted.cpp).
 *
 * AE's SQL API takes no bound parameters, so nothing a caller typed reaches this SQL: only the
 * contract's event names (checked against USAGE_EVENTS), the dataset name (checked), UTC day bounds
 * and limits (whole numbers, checked).
 */
import { AE_COLUMNS, QUANTILES, USAGE_EVENTS, type UsageEvent } from '@usage-lens/contract';

const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function whole(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a whole number, got ${n}`);
  return n;
}

function eventLiteral(event: UsageEvent): string {
  if (!(USAGE_EVENTS as readonly string[]).includes(event)) throw new Error(`not an event: ${JSON.stringify(event)}`);
  return `'${event}'`;
}

export interface RecommendWindow {
  dataset: string;
  /** Epoch ms of UTC midnights: [from, to). */
  from: number;
  to: number;
  events: readonly UsageEvent[];
}

/** Calls per event × user × UTC day × minute, sampling-correct. */
function perMinute(w: RecommendWindow): string {
  if (!DATASET.test(w.dataset)) throw new Error(`invalid dataset name ${JSON.stringify(w.dataset)}`);
  const from = whole(w.from / 1000, 'from');
  const to = whole(w.to / 1000, 'to');
  return [
    `SELECT ${AE_COLUMNS.event} AS event, ${AE_COLUMNS.userId} AS uid, toStartOfDay(timestamp) AS day_start,`,
    `  toStartOfMinute(timestamp) AS minute_start, SUM(_sample_interval) AS calls`,
    `FROM ${w.dataset}`,
    `WHERE timestamp >= toDateTime(${from}) AND timestamp < toDateTime(${to})`,
    `  AND ${AE_COLUMNS.event} IN (${w.events.map(eventLiteral).join(', ')})`,
    `GROUP BY event, uid, day_start, minute_start`,
  ].join('\n');
}

const indent = (sql: string) => sql.replace(/^/gm, '    ');
const pct = (q: number) => String(Math.round(q * 100));

/** Column aliases of the stats read. */
export const STATS_COLUMNS = {
  users: 'users',
  userDays: 'user_days',
  day: (q: number | 'max') => `day_${q === 'max' ? 'max' : `p${pct(q)}`}`,
  minute: (q: number | 'max') => `minute_${q === 'max' ? 'max' : `p${pct(q)}`}`,
} as const;

/**
 * Read 1: per event, over its active user-days (every UTC day a user made at least one such call):
 * users seen, user-days, and p50/p90/p99/max of the day's total and of the day's busiest minute.
 */
export function statsSql(w: RecommendWindow): string {
  const quantiles = (column: string, alias: (q: number | 'max') => string) => [
    ...QUANTILES.map((q) => `quantileExactWeighted(${q})(${column}, 1) AS ${alias(q)}`),
    `max(${column}) AS ${alias('max')}`,
  ];
  return [
    `SELECT event, count(DISTINCT uid) AS ${STATS_COLUMNS.users}, count() AS ${STATS_COLUMNS.userDays},`,
    `  ${[...quantiles('day_total', STATS_COLUMNS.day), ...quantiles('peak_minute', STATS_COLUMNS.minute)].join(',\n  ')}`,
    `FROM (`,
    `  SELECT event, uid, day_start, sum(calls) AS day_total, max(calls) AS peak_minute`,
    `  FROM (`,
    indent(perMinute(w)),
    `  )`,
    `  GROUP BY event, uid, day_start`,
    `)`,
    `GROUP BY event`,
    `ORDER BY event`,
  ].join('\n');
}

/** Per-event whole numbers as one SQL expression of `event` (nested if(): AE's only conditional). */
function byEvent(values: Record<UsageEvent, number>, events: readonly UsageEvent[]): string {
  const [last, ...rest] = [...events].reverse();
  return rest.reduce((expr, e) => `if(event = ${eventLiteral(e)}, ${whole(values[e], e)}, ${expr})`, String(whole(values[last], last)));
}

export interface OverThresholds {
  /** Recommended per minute and per day, by event. */
  perMinute: Record<UsageEvent, number>;
  perDay: Record<UsageEvent, number>;
  /** The configured per-minute limit of each tier, by event (its class's). */
  standard: Record<UsageEvent, number>;
  high: Record<UsageEvent, number>;
}

/** Column aliases of the users-over read. */
export const OVER_COLUMNS = [
  'calls',
  'days_over_rec',
  'calls_over_rec_day',
  'minutes_over_rec',
  'calls_over_rec_minute',
  'minutes_over_standard',
  'calls_over_standard',
  'minutes_over_high',
  'calls_over_high',
] as const;

/**
 * Read 2: per user and event, the days over the recommended per-day limit and the minutes over the
 * recommended and the configured per-minute limits (standard and high: the caller judges each user by
 * their own tier), with the calls beyond each; only rows over one of them, busiest first.
 */
export function usersOverSql(w: RecommendWindow, t: OverThresholds, limit: number): string {
  // Per user-day; named apart from the sums above them (an alias may not repeat a column it sums).
  const minute = (name: string, threshold: string) => [
    `countIf(calls > ${threshold}) AS day_minutes_over_${name}`,
    `sumIf(calls - ${threshold}, calls > ${threshold}) AS day_calls_over_${name}`,
  ];
  const perMinuteRec = byEvent(t.perMinute, w.events);
  const perDayRec = byEvent(t.perDay, w.events);
  return [
    `SELECT event, uid, sum(day_total) AS calls,`,
    `  countIf(day_total > ${perDayRec}) AS days_over_rec,`,
    `  sumIf(day_total - ${perDayRec}, day_total > ${perDayRec}) AS calls_over_rec_day,`,
    `  sum(day_minutes_over_rec) AS minutes_over_rec, sum(day_calls_over_rec) AS calls_over_rec_minute,`,
    `  sum(day_minutes_over_standard) AS minutes_over_standard, sum(day_calls_over_standard) AS calls_over_standard,`,
    `  sum(day_minutes_over_high) AS minutes_over_high, sum(day_calls_over_high) AS calls_over_high`,
    `FROM (`,
    `  SELECT event, uid, day_start, sum(calls) AS day_total,`,
    `    ${[...minute('rec', perMinuteRec), ...minute('standard', byEvent(t.standard, w.events)), ...minute('high', byEvent(t.high, w.events))].join(',\n    ')}`,
    `  FROM (`,
    indent(perMinute(w)),
    `  )`,
    `  GROUP BY event, uid, day_start`,
    `)`,
    `GROUP BY event, uid`,
    // The configured high limit is never below standard, so "over standard" covers both tiers.
    `HAVING countIf(day_total > ${perDayRec}) > 0 OR sum(day_minutes_over_rec) > 0 OR sum(day_minutes_over_standard) > 0`,
    `ORDER BY calls DESC, uid, event`,
    `LIMIT ${whole(limit, 'limit')}`,
  ].join('\n');
}
