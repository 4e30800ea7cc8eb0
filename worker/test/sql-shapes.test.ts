/**
 * Only documented SQL leaves the worker: every shape of statement the usage reads can produce (each
 * read, sort, filter, HAVING, split, grouping and bucket) passes the checker the local AE builds from
 * Cloudflare's Analytics SQL reference (the binding's dialect), rule by rule with its doc page.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_DIMS, USAGE_EVENTS, type GroupDim } from '@usage-lens/contract';
import { checkAnalyticsSql } from '@usage-lens/local-analytics-engine/analytics-sql';
import { checkAeSql } from '@usage-lens/local-analytics-engine/dialect';
import { statsSql, usersOverSql } from '../src/usage/recommend-sql.ts';
import { breakdownRead, orgsRead, seriesRead, totalsRead, usersRead, type UsersOrder } from '../src/usage/read-sql.ts';
import type { Read } from '../src/usage/read-sql.ts';

const DATASETS = ['usage_analytics', 'usage_analytics_staging'];
const windows = [
  { from: 0, to: 3_600_000, users: [], orgs: [], events: [] },
  { from: 0, to: 3_600_500, users: ['u1'], orgs: [], events: ['sync' as const] },
  { from: 0, to: 3_600_000, users: ['u1', 'u2'], orgs: ['o1', 'o2'], events: [...USAGE_EVENTS] },
];
const ORDERS: UsersOrder[] = (['events', 'errors', 'uid', ...USAGE_EVENTS] as const).flatMap((column) =>
  (['asc', 'desc'] as const).map((direction) => ({ column, direction })),
);
const subsets = <T,>(xs: readonly T[]): T[][] => xs.reduce<T[][]>((all, x) => [...all, ...all.map((s) => [...s, x])], [[]]);

function shapes(): [string, Read][] {
  const out: [string, Read][] = [];
  for (const dataset of DATASETS) {
    windows.forEach((w, i) => {
      out.push([`totals ${dataset} w${i}`, totalsRead(dataset, w)]);
      out.push([`orgs ${dataset} w${i}`, orgsRead(dataset, w, 1_000)]);
      for (const order of ORDERS) {
        for (const [limit, offset, minEvents, minOverLimit, only] of [
          [100, 0, 0, 0, undefined],
          [101, 200, 20, 0, ['a', 'b']],
          [101, 0, 20, 1, undefined],
          [10_000, 0, 0, 1, undefined],
          [null, 0, 0, 0, ['a']],
        ] as const) {
          out.push([
            `users ${order.column} ${order.direction} limit=${limit} offset=${offset} minEvents=${minEvents} minOverLimit=${minOverLimit} only=${only?.length ?? 0} w${i}`,
            usersRead(dataset, w, { order, limit, offset, minEvents, minOverLimit, only }),
          ]);
        }
      }
      for (const split of ['user', 'org'] as const) {
        for (const top of [[], ['a'], ['a', 'b', 'c']]) {
          out.push([`series ${split} top=${top.length} w${i}`, seriesRead(dataset, w, 600, split, top)]);
        }
      }
      for (const group of subsets<GroupDim>(GROUP_DIMS)) {
        for (const interval of [null, 3_600]) {
          if (group.length === 0 && interval === null) continue;
          out.push([`breakdown ${group.join(',') || '-'} interval=${interval} w${i}`, breakdownRead(dataset, w, interval, group)]);
        }
      }
    });
  }
  return out;
}

describe('every SQL shape the worker sends', () => {
  const all = shapes();

  it('covers every read, sort, split and grouping', () => {
    expect(all.length).toBeGreaterThan(300);
  });

  it.each(all)('%s is documented Analytics SQL', (_name, read) => {
    expect(checkAnalyticsSql(read.query)).toEqual({ ok: true });
  });

  it('the checker does refuse undocumented SQL (the test can fail)', () => {
    expect(checkAnalyticsSql('SELECT uniq(index1) AS n FROM events.analyticsEngine.usage_analytics WHERE timestamp >= $a')).toMatchObject({ ok: false });
    expect(checkAnalyticsSql('SELECT COUNT() AS n FROM events.analyticsEngine.usage_analytics')).toMatchObject({ ok: false });
  });
});

describe('the limit recommendations\' SQL (AE\'s SQL API dialect)', () => {
  const day = 86_400_000;
  const limits = (n: number) => Object.fromEntries(USAGE_EVENTS.map((e, i) => [e, n + i])) as Record<(typeof USAGE_EVENTS)[number], number>;
  const shapes: [string, string][] = [];
  for (const dataset of DATASETS) {
    for (const events of [[...USAGE_EVENTS], ['sync' as const], ['auth' as const, 'ingest' as const]]) {
      const w = { dataset, from: 20_000 * day, to: 20_030 * day, events };
      shapes.push([`stats ${dataset} ${events.join(',')}`, statsSql(w)]);
      shapes.push([`users over ${dataset} ${events.join(',')}`, usersOverSql(w, { perMinute: limits(10), perDay: limits(100), standard: limits(60), high: limits(600) }, 200)]);
    }
  }

  it.each(shapes)('%s is documented AE SQL', (_name, sql) => {
    expect(checkAeSql(sql)).toEqual({ ok: true });
  });

  it('refuses what cannot be put into SQL text safely', () => {
    const w = { dataset: 'usage_analytics', from: 0, to: day, events: [...USAGE_EVENTS] };
    expect(() => statsSql({ ...w, dataset: 'x; DROP' })).toThrow(/dataset/);
    expect(() => statsSql({ ...w, events: ["sync' OR 1=1 --" as 'sync'] })).toThrow(/not an event/);
    expect(() => statsSql({ ...w, from: 1.5 })).toThrow(/whole number/);
    expect(() => usersOverSql(w, { perMinute: limits(1.5), perDay: limits(1), standard: limits(1), high: limits(1) }, 10)).toThrow(/whole number/);
  });
});
