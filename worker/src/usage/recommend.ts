/**
 * GET /api/admin/limits: per-user limits recommended from history, beside the configured ones, and
 * the users who went over either, in at most two SQL reads (recommend-sql.ts).
 *
 * The window is the period's last whole UTC days, ending at today's midnight: a day still running
 * would enter the day distributions as a low total. Per event, over its active user-days: the day's
 * total and the day's busiest minute, as p50/p90/p99/max; recommended per minute =
 * recommendLimit(minute p99, headroom, floor) and per day likewise (contract: p99 × headroom, rounded
 * up, never below the floor). The configured limits are per minute only: the Rate Limiting binding's
 * period "Must be either 10 or 60" seconds (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/),
 * so no binding can hold a daily limit; the per-day figure is advice.
 */
import {
  datasetFor,
  EVENT_LIMIT_CLASS,
  LIMIT_TIERS,
  PERIODS,
  QUANTILES,
  RATE_LIMITS,
  RECOMMENDATION,
  recommendLimit,
  USAGE_EVENTS,
  type LimitTier,
  type UsageEvent,
  type Distribution,
  type EventRecommendation,
  type LimitsReport,
  type UserOver,
} from '@usage-lens/contract';
import type { Env } from '../env.ts';
import { limitMode } from '../limits/mode.ts';
import { DEFAULT_TIER, usersWithTiers } from '../limits/tiers.ts';
import type { LimitsParams } from './params.ts';
import { OVER_COLUMNS, STATS_COLUMNS, statsSql, usersOverSql, type OverThresholds, type RecommendWindow } from './recommend-sql.ts';
import { runAeSql } from './sql-api.ts';

export type { Distribution, EventRecommendation, LimitsReport, UserOver };

const DAY_MS = 86_400_000;

type Row = Record<string, unknown>;
const count = (value: unknown): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
};

const distribution = (row: Row | undefined, column: (q: number | 'max') => string): Distribution => {
  const [p50, p90, p99] = QUANTILES.map((q) => count(row?.[column(q)]));
  return { p50, p90, p99, max: count(row?.[column('max')]) };
};

const perEvent = (events: readonly UsageEvent[], value: (e: UsageEvent) => number) =>
  Object.fromEntries(events.map((e) => [e, value(e)])) as Record<UsageEvent, number>;

/** The period's whole UTC days, ending at the midnight that started today. */
export function recommendWindow(env: Pick<Env, 'BETTER_AUTH_URL'>, p: LimitsParams, now: number): RecommendWindow & { days: number } {
  const to = Math.floor(now / DAY_MS) * DAY_MS;
  const days = PERIODS[p.period] / 86_400;
  return { dataset: datasetFor(env.BETTER_AUTH_URL), from: to - days * DAY_MS, to, events: p.events.length ? p.events : [...USAGE_EVENTS], days };
}

export async function recommendLimits(env: Env, p: LimitsParams, waitUntil: (p: Promise<unknown>) => void, now = Date.now()): Promise<LimitsReport> {
  const w = recommendWindow(env, p, now);
  const stats = await runAeSql<Row>(env, statsSql(w), waitUntil);
  const byEvent = new Map(stats.map((row) => [String(row.event), row]));
  const events: EventRecommendation[] = w.events.map((event) => {
    const row = byEvent.get(event);
    const cls = EVENT_LIMIT_CLASS[event];
    const day = distribution(row, STATS_COLUMNS.day);
    const minute = distribution(row, STATS_COLUMNS.minute);
    return {
      event,
      class: cls,
      users: count(row?.[STATS_COLUMNS.users]),
      userDays: count(row?.[STATS_COLUMNS.userDays]),
      day,
      minute,
      recommended: {
        perMinute: recommendLimit(minute.p99, p.headroom, RECOMMENDATION.minPerMinute),
        perDay: recommendLimit(day.p99, p.headroom, RECOMMENDATION.minPerDay),
      },
      configured: { perMinute: Object.fromEntries(LIMIT_TIERS.map((t) => [t, RATE_LIMITS[t][cls]])) as Record<LimitTier, number> },
    };
  });
  const report: LimitsReport = {
    window: { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString(), period: p.period, days: w.days },
    dataset: w.dataset,
    mode: limitMode(env),
    headroom: p.headroom,
    floors: { perMinute: RECOMMENDATION.minPerMinute, perDay: RECOMMENDATION.minPerDay },
    events,
    usersOver: [],
  };

  // Read 2 only where there were calls to be over.
  const active = events.filter((e) => e.userDays > 0);
  if (active.length === 0) return report;
  const rec = new Map(active.map((e) => [e.event, e]));
  const activeEvents = active.map((e) => e.event);
  const thresholds: OverThresholds = {
    perMinute: perEvent(activeEvents, (e) => rec.get(e)!.recommended.perMinute),
    perDay: perEvent(activeEvents, (e) => rec.get(e)!.recommended.perDay),
    standard: perEvent(activeEvents, (e) => RATE_LIMITS.standard[EVENT_LIMIT_CLASS[e]]),
    high: perEvent(activeEvents, (e) => RATE_LIMITS.high[EVENT_LIMIT_CLASS[e]]),
  };
  // Twice the list's length: rows over only the standard limit drop out below for high-tier users.
  const rows = await runAeSql<Row>(env, usersOverSql({ ...w, events: activeEvents }, thresholds, 2 * RECOMMENDATION.maxUsersOver), waitUntil);
  const users = await usersWithTiers(env.DB, [...new Set(rows.map((r) => String(r.uid ?? '')))]);
  for (const row of rows) {
    const id = String(row.uid ?? '');
    const known = users.get(id);
    const tier = known?.tier ?? DEFAULT_TIER;
    const n = Object.fromEntries(OVER_COLUMNS.map((c) => [c, count(row[c])])) as Record<(typeof OVER_COLUMNS)[number], number>;
    const over: UserOver = {
      id,
      name: known?.name ?? null,
      email: known?.email ?? null,
      tier,
      event: String(row.event) as UsageEvent,
      daysOverRecommended: n.days_over_rec,
      callsOverRecommendedPerDay: n.calls_over_rec_day,
      minutesOverRecommended: n.minutes_over_rec,
      callsOverRecommendedPerMinute: n.calls_over_rec_minute,
      minutesOverConfigured: tier === 'high' ? n.minutes_over_high : n.minutes_over_standard,
      callsOverConfigured: tier === 'high' ? n.calls_over_high : n.calls_over_standard,
    };
    if (over.daysOverRecommended > 0 || over.minutesOverRecommended > 0 || over.minutesOverConfigured > 0) report.usersOver.push(over);
    if (report.usersOver.length === RECOMMENDATION.maxUsersOver) break;
  }
  return report;
}
