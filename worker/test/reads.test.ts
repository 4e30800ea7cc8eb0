/**
 * The reads' rows become the same results the Grafana plugin's sql mode makes of them (the shared
 * fixtures pin both), and every statement stays within AE's 10 KiB, whatever the filters.
 */
import { describe, expect, it } from 'vitest';
import { READ_LIMITS, USAGE_LIMITS } from '@usage-lens/contract';
import fixtures from '@usage-lens/contract/fixtures/reads.json';
import { rollUpOrgs, rollUpSeries, rollUpTotals, rollUpUsers } from '../src/usage/rollup.ts';
import { MAX_STATEMENT_BYTES } from '../src/usage/analytics-sql.ts';
import { breakdownRead, orgsRead, seriesRead, totalsRead, usersRead } from '../src/usage/read-sql.ts';

type Case = { name: string; read: 'totals' | 'orgs' | 'users' | 'series'; rows: Record<string, unknown>[]; names?: Record<string, { name: string; email?: string }>; result: unknown };

describe('roll-ups, pinned by contract/fixtures/reads.json', () => {
  it.each((fixtures.cases as Case[]).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const names = new Map(Object.entries(c.names ?? {}));
    const result = {
      totals: () => rollUpTotals(c.rows),
      orgs: () => rollUpOrgs(c.rows, names),
      users: () => rollUpUsers(c.rows, names),
      series: () => rollUpSeries(c.rows),
    }[c.read]();
    expect(result).toEqual(c.result);
  });
});

describe('statement size', () => {
  const id = 'u'.repeat(96);
  const full = {
    from: 0,
    to: 86_400_000,
    users: Array.from({ length: USAGE_LIMITS.maxFilterValues }, (_, i) => `${id}${i}`),
    orgs: Array.from({ length: USAGE_LIMITS.maxFilterValues }, (_, i) => `${id}${i}`),
    events: [],
  };
  const bytes = (query: string) => new TextEncoder().encode(query).byteLength;

  it('stays under 10 KiB with every filter at its maximum', () => {
    const matches = Array.from({ length: READ_LIMITS.maxSearchMatches }, (_, i) => `m${i}`);
    const split = Array.from({ length: READ_LIMITS.maxSeriesSplit }, (_, i) => `s${i}`);
    for (const read of [
      totalsRead('usage_analytics_staging', full),
      orgsRead('usage_analytics_staging', full, READ_LIMITS.maxOrgs),
      usersRead('usage_analytics_staging', full, { order: { column: 'ingest', direction: 'desc' }, limit: READ_LIMITS.maxPageSize + 1, offset: READ_LIMITS.maxOffset, minEvents: 5, only: matches }),
      seriesRead('usage_analytics_staging', full, 60, 'user', split),
      breakdownRead('usage_analytics_staging', full, 60, ['user', 'event', 'org', 'status']),
    ]) {
      expect(bytes(read.query)).toBeLessThan(MAX_STATEMENT_BYTES);
    }
  });
});
