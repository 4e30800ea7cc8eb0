/**
 * Rows of each read into results. The Grafana plugin's sql mode does the same in Go; both are held
 * to contract/fixtures/reads.json. Counts may arrive as numbers or as quoted 64-bit integers.
 */
import {
  eventColumn,
  USAGE_EVENTS,
  type OrgUsage,
  type SeriesBucket,
  type UsageEvent,
  type UsageTotals,
  type UserUsage,
} from '@usage-lens/contract';

type Row = Record<string, unknown>;
type Names = ReadonlyMap<string, { name: string; email?: string }>;

const count = (value: unknown): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
};

const byEvent = (row: Row | undefined): Record<UsageEvent, number> =>
  Object.fromEntries(USAGE_EVENTS.map((e) => [e, count(row?.[eventColumn(e)])])) as Record<UsageEvent, number>;

export function rollUpTotals(rows: readonly Row[]): UsageTotals {
  const row = rows[0];
  return {
    events: count(row?.events),
    errors: count(row?.errors),
    overLimit: count(row?.over_limit),
    activeUsers: count(row?.users),
    byEvent: byEvent(row),
  };
}

export function rollUpOrgs(rows: readonly Row[], names: Names): OrgUsage[] {
  return rows.map((row) => {
    const id = String(row.org ?? '');
    return { id, name: names.get(id)?.name ?? null, total: count(row.events), errors: count(row.errors), users: count(row.users) };
  });
}

export function rollUpUsers(rows: readonly Row[], names: Names): UserUsage[] {
  return rows.map((row) => {
    const id = String(row.uid ?? '');
    const known = names.get(id);
    return {
      id,
      name: known?.name ?? null,
      email: known?.email ?? null,
      total: count(row.events),
      errors: count(row.errors),
      overLimit: count(row.over_limit),
      events: byEvent(row),
    };
  });
}

export function rollUpSeries(rows: readonly Row[]): SeriesBucket[] {
  const out: SeriesBucket[] = [];
  for (const row of rows) {
    const total = count(row.events);
    if (!total) continue;
    out.push({
      time: new Date(count(row.bucket) * 1000).toISOString(),
      event: String(row.event ?? ''),
      status: count(row.status),
      split: String(row.split ?? ''),
      total,
      overLimit: count(row.over_limit),
    });
  }
  return out;
}
