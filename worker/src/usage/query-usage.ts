/**
 * queryUsage and the usage reads: answers built from a few small SQL reads (read-sql.ts) whose size
 * does not grow with the number of users, except the one page of users asked for. Names and emails
 * come from the app's own tables; the window's totals always cover every user, whatever the page.
 */
import {
  AE_QUERY_LIMITS,
  datasetFor,
  READ_LIMITS,
  USAGE_EVENTS,
  userCost,
  type GroupDim,
  type OrgUsage,
  type Period,
  type SeriesBucket,
  type SortOrder,
  type SplitNames,
  type UsageEvent,
  type UsageTotals,
  type UserSort,
  type UserUsage,
} from '@usage-lens/contract';
import type { Env } from '../env.ts';
import { searchPattern, userMatches } from '../auth/users.ts';
import { FieldError } from '../errors.ts';
import { readsOn, runRead, utcDay } from './analytics-sql.ts';
import { breakdownRead, orgsRead, seriesRead, totalsRead, usersRead, type UsersOrder } from './read-sql.ts';
import { rollUpOrgs, rollUpSeries, rollUpTotals, rollUpUsers } from './rollup.ts';
import type { PageParams, SeriesParams, UsageParams } from './params.ts';

export interface ReadContext {
  env: Env;
  waitUntil: (p: Promise<unknown>) => void;
}

type Row = Record<string, unknown>;

export interface AnswerWindow {
  from: string;
  to: string;
  period: Period | null;
  interval: number | null;
}

const windowOf = (p: UsageParams): AnswerWindow => ({
  from: new Date(p.from).toISOString(),
  to: new Date(p.to).toISOString(),
  period: p.period,
  interval: p.interval,
});

const datasetOf = (env: Env) => datasetFor(env.BETTER_AUTH_URL);

const read = (ctx: ReadContext, r: Parameters<typeof runRead>[1]) => runRead<Row>(ctx.env, r, ctx.waitUntil);

/** Names and emails of users, in one query whatever their number. */
export async function lookupUsers(db: D1Database, ids: readonly string[]): Promise<Map<string, { name: string; email: string }>> {
  const found = new Map<string, { name: string; email: string }>();
  if (ids.length === 0) return found;
  // One bound JSON array instead of one parameter per id: D1 allows 100 parameters a statement.
  const { results } = await db
    .prepare('select id, name, email from user where id in (select value from json_each(?))')
    .bind(JSON.stringify(ids))
    .all<{ id: string; name: string; email: string }>();
  for (const row of results) found.set(row.id, { name: row.name, email: row.email });
  return found;
}

async function lookupOrgs(db: D1Database, ids: readonly string[]): Promise<Map<string, { name: string }>> {
  const found = new Map<string, { name: string }>();
  const known = ids.filter(Boolean);
  if (known.length === 0) return found;
  const { results } = await db
    .prepare('select id, name from organization where id in (select value from json_each(?))')
    .bind(JSON.stringify(known))
    .all<{ id: string; name: string }>();
  for (const row of results) found.set(row.id, { name: row.name });
  return found;
}

/** The ids of users whose name, email or id contains q (any case), at most `max + 1` of them. */
async function searchUsers(db: D1Database, q: string, max: number): Promise<string[]> {
  const { results } = await db
    .prepare(`select id from user where ${userMatches('?1')} order by name, id limit ?2`)
    .bind(searchPattern(q), max + 1)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function usageTotals(ctx: ReadContext, p: UsageParams): Promise<UsageTotals> {
  return rollUpTotals(await read(ctx, totalsRead(datasetOf(ctx.env), p)));
}

export async function usageOrgs(ctx: ReadContext, p: UsageParams, limit: number): Promise<OrgUsage[]> {
  const rows = await read(ctx, orgsRead(datasetOf(ctx.env), p, limit));
  return rollUpOrgs(rows, await lookupOrgs(ctx.env.DB, rows.map((r) => String(r.org ?? ''))));
}

export interface Page {
  sort: UserSort;
  order: SortOrder;
  limit: number;
  offset: number;
  /** Users the whole list holds, where known without another read. */
  total: number | null;
  /** Where the next page starts, or null on the last page. */
  nextOffset: number | null;
}

const COUNT_COLUMNS: Record<Exclude<UserSort, 'id' | 'name' | 'email'>, UsersOrder['column']> = {
  total: 'events',
  errors: 'errors',
  ...(Object.fromEntries(USAGE_EVENTS.map((e) => [e, e])) as Record<UsageEvent, UsageEvent>),
};

function byText(key: 'name' | 'email', order: SortOrder) {
  const sign = order === 'asc' ? 1 : -1;
  // Users the app does not know (no name) come last in either order; ids break ties.
  return (a: UserUsage, b: UserUsage) => {
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return x === y ? a.id.localeCompare(b.id) : x === null ? 1 : -1;
    return sign * x.localeCompare(y, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id);
  };
}

/** One page of users: ranked by AE for counts and ids, joined with the user table for names. */
export async function usagePage(ctx: ReadContext, p: UsageParams, page: PageParams): Promise<{ users: UserUsage[]; page: Page }> {
  const dataset = datasetOf(ctx.env);
  const { sort, order, limit, offset, minEvents, minOverLimit } = page;
  let only: string[] | undefined;
  if (page.q !== null) {
    only = await searchUsers(ctx.env.DB, page.q, READ_LIMITS.maxSearchMatches);
    if (only.length > READ_LIMITS.maxSearchMatches) {
      throw new FieldError('q', `matches more than ${READ_LIMITS.maxSearchMatches.toLocaleString('en-US')} users; narrow the search`);
    }
    if (only.length === 0) return { users: [], page: { sort, order, limit, offset, total: 0, nextOffset: null } };
  }

  if (sort === 'name' || sort === 'email') {
    // Names live in D1, counts in AE: join every matching active user, within a bound.
    const max = READ_LIMITS.maxNameSortUsers;
    const rows = await read(ctx, usersRead(dataset, p, { order: { column: 'uid', direction: 'asc' }, limit: max + 1, offset: 0, minEvents, minOverLimit, only }));
    if (rows.length > max) {
      throw new FieldError(
        'sort',
        `sorting by ${sort} joins every active user with the user table, up to ${max.toLocaleString('en-US')}; ` +
          'this window has more: narrow it, filter, search with q, or sort by a count',
      );
    }
    const all = rollUpUsers(rows, await lookupUsers(ctx.env.DB, rows.map((r) => String(r.uid ?? '')))).sort(byText(sort, order));
    const users = all.slice(offset, offset + limit);
    return { users, page: { sort, order, limit, offset, total: all.length, nextOffset: offset + limit < all.length ? offset + limit : null } };
  }

  const column = sort === 'id' ? 'uid' : COUNT_COLUMNS[sort];
  // One more than the page tells whether another page follows, without counting them all.
  const rows = await read(ctx, usersRead(dataset, p, { order: { column, direction: order }, limit: limit + 1, offset, minEvents, minOverLimit, only }));
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const users = rollUpUsers(shown, await lookupUsers(ctx.env.DB, shown.map((r) => String(r.uid ?? ''))));
  return { users, page: { sort, order, limit, offset, total: null, nextOffset: more ? offset + limit : null } };
}

const bucketsIn = (p: UsageParams, interval: number) => Math.ceil((p.to - p.from) / 1000 / interval) + 1;

function fitOrRefuse(rows: number, field: string, advice: string): void {
  if (rows > AE_QUERY_LIMITS.maxResultRows) {
    throw new FieldError(
      field,
      `this could return ${rows.toLocaleString('en-US')} rows, more than the ${AE_QUERY_LIMITS.maxResultRows.toLocaleString('en-US')} ` +
        `one Analytics Engine read may return; ${advice}`,
    );
  }
}

export async function usageSeries(ctx: ReadContext, p: UsageParams, s: SeriesParams): Promise<{ buckets: SeriesBucket[]; names: SplitNames }> {
  const events = p.events.length || USAGE_EVENTS.length;
  fitOrRefuse(bucketsIn(p, s.interval) * events * READ_LIMITS.statusesPerEvent * (s.top.length + 1), 'interval', 'choose a coarser interval');
  const [rows, found] = await Promise.all([
    read(ctx, seriesRead(datasetOf(ctx.env), p, s.interval, s.split, s.top)),
    s.split === 'user' ? lookupUsers(ctx.env.DB, s.top) : lookupOrgs(ctx.env.DB, s.top),
  ]);
  // The names of the few split out, so a graph can label them without another read.
  return { buckets: rollUpSeries(rows), names: Object.fromEntries([...found].map(([id, { name }]) => [id, name])) };
}

export interface GroupCount {
  key: Partial<Record<GroupDim, string | number>>;
  total: number;
  errors: number;
}

/** Adds counts under a key; ties keep the key's string form for a stable order. */
class Tally<K> {
  private readonly map = new Map<string, { id: string; key: K; total: number; errors: number }>();
  add(id: string, key: K, total: number, errors: number): void {
    const entry = this.map.get(id);
    if (entry) {
      entry.total += total;
      entry.errors += errors;
    } else {
      this.map.set(id, { id, key, total, errors });
    }
  }
  values() {
    return [...this.map.values()];
  }
}

const DIM_ALIAS: Record<GroupDim, string> = { user: 'uid', event: 'event', org: 'org', status: 'status' };

/** The `group` / `interval` breakdown of /api/admin/usage, refused when it cannot fit one read. */
async function breakdown(ctx: ReadContext, p: UsageParams, totals: UsageTotals) {
  const perDim: Record<GroupDim, number> = {
    user: Math.max(totals.activeUsers, 1),
    org: Math.max(totals.activeUsers, 1),
    event: p.events.length || USAGE_EVENTS.length,
    status: READ_LIMITS.statusesPerEvent * (p.events.length || USAGE_EVENTS.length),
  };
  const rows = p.group.reduce((n, d) => n * perDim[d], p.interval === null ? 1 : bucketsIn(p, p.interval));
  const byUsers = p.group.includes('user') || p.group.includes('org');
  fitOrRefuse(rows, byUsers ? 'group' : 'interval', byUsers ? 'drop user/org from group, or filter by user or org' : 'choose a coarser interval');

  const data = await read(ctx, breakdownRead(datasetOf(ctx.env), p, p.interval, p.group));
  const groups = new Tally<GroupCount['key']>();
  const buckets = new Tally<{ time: number; key: GroupCount['key'] }>();
  for (const row of data) {
    const total = Number(row.events);
    const failed = Number(row.errors);
    if (!total) continue;
    const key: GroupCount['key'] = {};
    for (const dim of p.group) key[dim] = dim === 'status' ? Number(row.status) : String(row[DIM_ALIAS[dim]] ?? '');
    const keyId = JSON.stringify(key);
    if (p.group.length) groups.add(keyId, key, total, failed);
    if (p.interval !== null) {
      const time = Number(row.bucket);
      buckets.add(`${time}|${keyId}`, { time, key }, total, failed);
    }
  }
  return {
    groups: p.group.length
      ? groups
          .values()
          .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id))
          .map(({ key, total, errors }) => ({ key, total, errors }))
      : undefined,
    buckets:
      p.interval !== null
        ? buckets
            .values()
            // Same time, same total: the ids differ only after the shared `time|` prefix, by key.
            .sort((a, b) => a.key.time - b.key.time || b.total - a.total || a.id.localeCompare(b.id))
            .map(({ key, total, errors }) => ({ time: new Date(key.time * 1000).toISOString(), key: key.key, total, errors }))
        : undefined,
  };
}

/** A user's part of the account's AE write bill (contract: userCost; pinned by contract/fixtures/cost.json). */
export type UserCost = ReturnType<typeof userCost>;

/** A row of /api/admin/usage: the user's counts and, without filters, their cost. */
export interface PricedUserUsage extends UserUsage {
  /**
   * Their share of the window's writes and the month it projects to, priced on the paid plan; null
   * when user, org or event filters narrow the totals (the share would be of the filtered writes,
   * not the account's).
   */
  cost: UserCost | null;
}

export interface UsageReport {
  window: AnswerWindow;
  dataset: string;
  events: UsageEvent[];
  filters: { users: string[]; orgs: string[]; events: UsageEvent[]; q: string | null };
  group: GroupDim[];
  totals: UsageTotals;
  users: PricedUserUsage[];
  page: Page;
  /** Present when `group` is given: counts per combination of the grouped dimensions. */
  groups?: GroupCount[];
  /** Present when `interval` is given: counts per bucket start and grouped dimensions. */
  buckets?: { time: string; key: GroupCount['key']; total: number; errors: number }[];
}

/**
 * Each user's cost from the totals this answer already holds, so pricing costs no read. /usage/users
 * has no totals and carries no cost: a totals read there would double the reads of every users read
 * (the plugin prices its users read with the totals read its dashboard shares).
 */
function priced(users: UserUsage[], totals: UsageTotals, p: UsageParams): PricedUserUsage[] {
  const filtered = p.users.length > 0 || p.orgs.length > 0 || p.events.length > 0;
  const windowSeconds = (p.to - p.from) / 1000;
  return users.map((u) => ({ ...u, cost: filtered ? null : userCost(u.total, totals.events, windowSeconds) }));
}

/** GET /api/admin/usage: the window's totals, one page of users (with their cost), and the asked breakdown. */
export async function queryUsage(ctx: ReadContext, p: UsageParams, page: PageParams): Promise<UsageReport> {
  const [totals, users] = await Promise.all([usageTotals(ctx, p), usagePage(ctx, p, page)]);
  if (users.page.total === null && page.q === null && page.minEvents === 0 && page.minOverLimit === 0) users.page.total = totals.activeUsers;
  const report: UsageReport = {
    window: windowOf(p),
    dataset: datasetOf(ctx.env),
    events: [...USAGE_EVENTS],
    filters: { users: p.users, orgs: p.orgs, events: p.events, q: page.q },
    group: p.group,
    totals,
    users: priced(users.users, totals, p),
    page: users.page,
  };
  if (p.group.length || p.interval !== null) {
    const { groups, buckets } = await breakdown(ctx, p, totals);
    if (groups) report.groups = groups;
    if (buckets) report.buckets = buckets;
  }
  return report;
}

export async function readsToday(env: Env): Promise<{ day: string; count: number }> {
  const day = utcDay(Date.now());
  return { day, count: await readsOn(env.DB, day) };
}

export { windowOf, datasetOf };
