/**
 * Per-query limits: memory, answer size and rows. A query past them is stopped by ClickHouse and
 * answered in words, on both SQL routes; nothing else is disturbed. Small limits here so they are
 * cheap to reach; the defaults are in the README.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyEngineError, describeEngineError, queryLimits } from '../src/sql-api.ts';
import { analyticsSql, configFromEnvForTest, DAY0, iso, point, sql, useLocalAe, write } from './helpers.ts';

const MAX_RESULT_BYTES = 8 * 1024;
const MAX_QUERY_MEMORY = 64 * 1024 * 1024;
const limits = { maxResultBytes: MAX_RESULT_BYTES, maxQueryMemoryBytes: MAX_QUERY_MEMORY };
const { ae } = useLocalAe(limits);
const url = () => ae().url;

beforeAll(async () => {
  const points = Array.from({ length: 200 }, (_, i) => point(`u${i}`, 'e'.repeat(100), { timestamp: DAY0 + i * 1000 }));
  expect((await write(url(), points)).status).toBe(200);
});

describe('answer size', () => {
  it('AE SQL API: an answer past max_result_bytes is a 422 saying which limit', async () => {
    const res = await sql(url(), 'SELECT blob1 FROM usage_analytics FORMAT JSON');
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/^Input was invalid: the query exceeded the local AE's resource limits: .*\(TOO_MANY_ROWS_OR_BYTES\)$/);
    // A smaller answer of the same query shape is fine, and not mixed with the refused one.
    const small = await sql(url(), 'SELECT blob1 FROM usage_analytics LIMIT 2 FORMAT JSON');
    expect(JSON.parse(small.text).data).toEqual([{ blob1: 'e'.repeat(100) }, { blob1: 'e'.repeat(100) }]);
  });

  it('Analytics SQL API: the same is a 507, which the binding marks retryable', async () => {
    // "507 The data store could not complete the query within its resource limits."
    // https://developers.cloudflare.com/analytics/sql-api/errors/
    const res = await analyticsSql(url(), { query: `SELECT blob1 FROM events.analyticsEngine.usage_analytics WHERE timestamp >= $1`, params: [iso(DAY0)] });
    expect(res.status).toBe(507);
    expect(res.text).toMatch(/^The query could not complete within the data store's resource limits: /);
  });
});

describe('memory', () => {
  it('a query building a 1 GB string is stopped at max_memory_usage and answered as a resource limit', async () => {
    // Nested replaceAll (issue 10) is not in AE's dialect any more; run on the store with the
    // limits the SQL API applies to every query, to show they hold.
    const error = await ae()
      .store.query(
        `SELECT length(replaceAll(replaceAll(repeat('x', 100000), 'x', repeat('y', 100)), 'y', repeat('z', 100))) AS n`,
        { format: 'JSON', ...queryLimits(configFromEnvForTest(limits)) },
      )
      .catch((e: unknown) => e);
    expect(classifyEngineError(error)).toMatchObject({ kind: 'resources' });
    expect(describeEngineError(error)).toMatchObject({ status: 422 });
    expect(describeEngineError(error).body).toMatch(/^Input was invalid: the query exceeded the local AE's resource limits: .*\(MEMORY_LIMIT_EXCEEDED\)$/);
  });
});

describe('large aggregations', () => {
  it('a GROUP BY and ORDER BY bigger than the memory limit spill to disk and answer, inside that limit', async () => {
    // The limit recommendations group every user × event × minute of a month: at 100,000 users that
    // is millions of groups, past the memory limit held in RAM. ClickHouse's external aggregation
    // and sort keep such a query inside max_memory_usage instead of refusing it.
    const groups = 3_000_000;
    const answer = await ae().store.query(
      `SELECT count() AS n, max(c) AS top FROM (SELECT number % ${groups} AS k, count() AS c FROM numbers(${2 * groups}) GROUP BY k ORDER BY c DESC, k)`,
      { format: 'JSON', ...queryLimits(configFromEnvForTest(limits)) },
    );
    expect(JSON.parse(answer).data).toEqual([{ n: String(groups), top: '2' }]);
  });
});
