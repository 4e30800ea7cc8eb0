/**
 * The Usage tab's data logic, kept free of React so it can be tested as plain functions: which
 * request a view makes, how the per-user answer becomes table rows, and the pivot of series cells
 * (time × event × status × split) into one line per event.
 */
import { USAGE_EVENTS, type UsageEvent } from '@usage-lens/contract';
import type { Period, PricedUserUsage, SeriesBucket, SortOrder, UsagePage, UsageReport, UserSort } from './types.ts';

export const PERIOD_LABELS: Record<Period, string> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' };

/** Rows a page shows: a screenful and a bit, small enough to render at once with 10,000 users. */
export const PAGE_SIZE = 100;

export interface UsageView {
  period: Period;
  sort: UserSort;
  order: SortOrder;
  /** The search as typed; trimmed before it reaches the worker. */
  q: string;
  offset: number;
}

export const INITIAL_VIEW: UsageView = { period: '24h', sort: 'total', order: 'desc', q: '', offset: 0 };

/** Counts read best busiest-first, names and ids alphabetically (the worker's defaults too). */
export const defaultOrder = (sort: UserSort): SortOrder => (sort === 'id' || sort === 'name' || sort === 'email' ? 'asc' : 'desc');

/** A click on a column header: the same column flips its order, another starts at its default. */
export function sortBy(view: UsageView, sort: UserSort): UsageView {
  const order = view.sort === sort ? (view.order === 'asc' ? 'desc' : 'asc') : defaultOrder(sort);
  return { ...view, sort, order, offset: 0 };
}

/** GET /api/admin/usage for a view; parameters the worker would default are still sent, so the key says what is shown. */
export function usagePath(view: UsageView, limit = PAGE_SIZE): string {
  const params = new URLSearchParams({
    period: view.period,
    sort: view.sort,
    order: view.order,
    limit: String(limit),
    offset: String(view.offset),
  });
  const q = view.q.trim();
  if (q) params.set('q', q);
  return `/api/admin/usage?${params}`;
}

/**
 * What a view or an answer is about, as one string: the table carries the answer's, so a reader (or
 * a test) can tell whether what is on screen is the view asked for or an earlier one still shown.
 */
export function viewKey(v: { period: Period | null; sort: UserSort; order: SortOrder; offset: number; q: string | null }): string {
  return [v.period ?? '', v.sort, v.order, v.offset, (v.q ?? '').trim()].join('|');
}

export function answerKey(report: Pick<UsageReport, 'window' | 'page' | 'filters'>): string {
  return viewKey({
    period: report.window.period,
    sort: report.page.sort,
    order: report.page.order,
    offset: report.page.offset,
    q: report.filters.q,
  });
}

/** Bucket width per period: 24 to 30 points, enough to see a daily rhythm without noise. */
export const SERIES_INTERVAL: Record<Period, number> = { '24h': 3_600, '7d': 6 * 3_600, '30d': 86_400 };

export function seriesPath(period: Period, userId: string): string {
  const params = new URLSearchParams({ period, interval: String(SERIES_INTERVAL[period]), user: userId });
  return `/api/admin/usage/series?${params}`;
}

export interface UsageRow {
  id: string;
  /** The user's name; the id when the app does not know the user. */
  label: string;
  /** Email, or a note saying why there is none. */
  detail: string;
  known: boolean;
  total: number;
  errors: number;
  /** Calls over the user's rate limit (let through in observe mode, refused in enforce). */
  overLimit: number;
  events: Record<UsageEvent, number>;
  /** The user's share of the month's projected AE write bill, in USD; null when the answer has no cost. */
  monthlyUsd: number | null;
  /** Their share of the window's writes (0 to 1); null with monthlyUsd. */
  share: number | null;
}

/**
 * Rows as the table shows them. The worker joins names and emails onto each row from the app's
 * user table; a row without a name is a user that table does not hold (asking the users list
 * again would find nothing either).
 */
export function toRows(users: readonly PricedUserUsage[]): UsageRow[] {
  return users.map((u) => ({
    id: u.id,
    label: u.name ?? u.id,
    detail: u.email ?? (u.name === null ? 'not in the user table' : ''),
    known: u.name !== null,
    total: u.total,
    errors: u.errors,
    overLimit: u.overLimit ?? 0,
    events: Object.fromEntries(USAGE_EVENTS.map((e) => [e, u.events?.[e] ?? 0])) as Record<UsageEvent, number>,
    monthlyUsd: u.cost?.monthlyUsd ?? null,
    share: u.cost?.share ?? null,
  }));
}

/** "1–100 of 10,000", or without the total when the worker does not know it (a search). */
export function pageRange(page: Pick<UsagePage, 'offset' | 'total'>, shown: number, format: (n: number) => string): string {
  if (shown === 0) return page.total === null ? 'No users' : `0 of ${format(page.total)}`;
  const range = `${format(page.offset + 1)}–${format(page.offset + shown)}`;
  return page.total === null ? range : `${range} of ${format(page.total)}`;
}

export interface EventSeries {
  /** Bucket starts, Unix seconds, ascending, every bucket of the window (zero-filled). */
  times: number[];
  byEvent: Record<UsageEvent, number[]>;
  /** Each event's sum over the window. */
  totals: Record<UsageEvent, number>;
}

/**
 * Series cells into one zero-filled line per event: cells of the same bucket and event are summed
 * over statuses and splits. The time axis covers the whole window at `interval` from the bucket
 * holding `from`, so quiet stretches show as zeros rather than as a line drawn across them.
 */
export function pivotSeries(buckets: readonly SeriesBucket[], window: { from: string; to: string }, interval: number): EventSeries {
  const from = Math.floor(Date.parse(window.from) / 1000);
  const to = Math.ceil(Date.parse(window.to) / 1000);
  const axis = new Set<number>();
  if (Number.isFinite(from) && Number.isFinite(to) && interval > 0) {
    for (let t = Math.floor(from / interval) * interval; t < to; t += interval) axis.add(t);
  }
  const cells = new Map<string, number>();
  for (const b of buckets) {
    if (!(USAGE_EVENTS as readonly string[]).includes(b.event)) continue;
    const t = Math.floor(Date.parse(b.time) / 1000);
    if (!Number.isFinite(t)) continue;
    // A cell off the expected grid is still counted: better an odd point than a lost one.
    axis.add(t);
    const key = `${t}|${b.event}`;
    cells.set(key, (cells.get(key) ?? 0) + b.total);
  }
  const times = [...axis].sort((a, b) => a - b);
  const byEvent = {} as Record<UsageEvent, number[]>;
  const totals = {} as Record<UsageEvent, number>;
  for (const event of USAGE_EVENTS) {
    byEvent[event] = times.map((t) => cells.get(`${t}|${event}`) ?? 0);
    totals[event] = byEvent[event].reduce((s, n) => s + n, 0);
  }
  return { times, byEvent, totals };
}
