/**
 * queryUsage: per-user, per-event counts for a window, from one AE SQL query.
 *
 * The query returns a small cube (bucket × user × event × the asked-for dimensions) with
 * sampling-correct counts; every part of the answer (totals, per-user rows, breakdowns, time
 * buckets) is rolled up from it here, so one round trip answers every panel that shares a window
 * and filters. Names and emails come from the app's own user table.
 */
import type { Env } from '../env.ts';
import { datasetFor, USAGE_EVENTS, type UsageEvent } from '@usage-lens/contract';
import { runAeSql } from './sql-api.ts';
import { buildUsageSql } from './usage-sql.ts';
import type { GroupDim, Period } from '@usage-lens/contract';
import type { UsageParams } from './params.ts';

type EventCounts = Record<UsageEvent, number>;
export type GroupKey = Partial<Record<GroupDim, string | number>>;

export interface UserUsage {
  id: string;
  name: string | null;
  email: string | null;
  total: number;
  /** Calls that got a status of 400 or more. */
  errors: number;
  events: EventCounts;
}

export interface UsageReport {
  window: { from: string; to: string; period: Period | null; interval: number | null };
  dataset: string;
  events: UsageEvent[];
  filters: { users: string[]; orgs: string[]; events: UsageEvent[] };
  group: GroupDim[];
  totals: { events: number; errors: number; activeUsers: number; byEvent: EventCounts };
  users: UserUsage[];
  /** Present when `group` is given: counts per combination of the grouped dimensions. */
  groups?: { key: GroupKey; total: number; errors: number }[];
  /** Present when `interval` is given: counts per bucket start and grouped dimensions. */
  buckets?: { time: string; key: GroupKey; total: number; errors: number }[];
}

interface CubeRow {
  bucket?: number | string;
  user: string;
  event: string;
  org?: string;
  status?: number | string;
  total: number | string;
  errors: number | string;
}

const emptyCounts = (): EventCounts =>
  Object.fromEntries(USAGE_EVENTS.map((e) => [e, 0])) as EventCounts;

function keyOf(row: CubeRow, dims: readonly GroupDim[]): GroupKey {
  const key: GroupKey = {};
  for (const dim of dims) key[dim] = dim === 'status' ? Number(row.status) : String(row[dim] ?? '');
  return key;
}

/** Adds counts under a key; `id` is the key's string form, kept for ordering ties. */
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

export async function lookupUsers(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, { name: string; email: string }>> {
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

export async function queryUsage(env: Env, params: UsageParams): Promise<UsageReport> {
  const dataset = datasetFor(env.BETTER_AUTH_URL);
  const { data } = await runAeSql<CubeRow>(env, buildUsageSql(params, dataset));

  const byEvent = emptyCounts();
  const users = new Map<string, { total: number; errors: number; events: EventCounts }>();
  const groups = new Tally<GroupKey>();
  const buckets = new Tally<{ time: number; key: GroupKey }>();
  let total = 0;
  let errors = 0;
  for (const row of data) {
    const count = Number(row.total);
    const failed = Number(row.errors);
    if (!count) continue;
    const event = row.event as UsageEvent;
    total += count;
    errors += failed;
    if (Object.hasOwn(byEvent, event)) byEvent[event] += count;
    let user = users.get(row.user);
    if (!user) users.set(row.user, (user = { total: 0, errors: 0, events: emptyCounts() }));
    user.total += count;
    user.errors += failed;
    if (Object.hasOwn(user.events, event)) user.events[event] += count;
    if (params.group.length === 0 && params.interval === null) continue;
    const key = keyOf(row, params.group);
    const keyId = JSON.stringify(key);
    if (params.group.length) groups.add(keyId, key, count, failed);
    if (params.interval !== null) {
      const time = Number(row.bucket);
      buckets.add(`${time}|${keyId}`, { time, key }, count, failed);
    }
  }

  const names = await lookupUsers(env.DB, [...users.keys()]);
  const report: UsageReport = {
    window: {
      from: new Date(params.from).toISOString(),
      to: new Date(params.to).toISOString(),
      period: params.period,
      interval: params.interval,
    },
    dataset,
    events: [...USAGE_EVENTS],
    filters: { users: params.users, orgs: params.orgs, events: params.events },
    group: params.group,
    totals: { events: total, errors, activeUsers: users.size, byEvent },
    users: [...users]
      .map(([id, u]) => ({
        id,
        name: names.get(id)?.name ?? null,
        email: names.get(id)?.email ?? null,
        total: u.total,
        errors: u.errors,
        events: u.events,
      }))
      .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id)),
  };
  if (params.group.length) {
    report.groups = groups
      .values()
      .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id))
      .map(({ key, total: n, errors: e }) => ({ key, total: n, errors: e }));
  }
  if (params.interval !== null) {
    report.buckets = buckets
      .values()
      // Same time, same total: the ids differ only after the shared `time|` prefix, by key.
      .sort((a, b) => a.key.time - b.key.time || b.total - a.total || a.id.localeCompare(b.id))
      .map(({ key, total: n, errors: e }) => ({ time: new Date(key.time * 1000).toISOString(), key: key.key, total: n, errors: e }));
  }
  return report;
}
