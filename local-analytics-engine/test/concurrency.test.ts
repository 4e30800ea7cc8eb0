/**
 * A slow query holds neither writes nor other queries: writes have their own chdb connection and
 * queries a pool of them. Checked by the order of events, never by the clock: the write and the
 * second query must both finish while the slow query is still running, which they could not do if
 * they queued behind it.
 */
import { describe, expect, it } from 'vitest';
import { json, point, sql, useLocalAe, write } from './helpers.ts';

const { ae } = useLocalAe();
const url = () => ae().url;

/**
 * Starts a query that sleeps for minutes (sleepEachRow is not in AE's dialect, so it runs on the
 * store directly, as the SQL API's queries do) and resolves once ClickHouse lists it as running.
 */
async function startSlowQuery(tag: string) {
  let settled = false;
  const done = ae()
    .store.query('SELECT sleepEachRow(1) FROM numbers(600)', {
      format: 'JSON',
      timeoutSeconds: 900,
      maxResultRows: 1_000,
      settings: { max_block_size: 1, function_sleep_max_microseconds_per_block: 900_000_000 },
      tag,
    })
    .finally(() => (settled = true));
  done.catch(() => undefined);
  while (!(await ae().store.running(tag))) await new Promise((r) => setTimeout(r, 20));
  return { done, isSettled: () => settled };
}

describe('a slow query', () => {
  it('does not hold a write: the write lands while the query still runs', async () => {
    const slow = await startSlowQuery('slow-write-test');
    const res = await write(url(), [point('during-slow', 'auth')]);
    expect(res.status).toBe(200);
    expect(slow.isSettled()).toBe(false);
    expect(await ae().store.running('slow-write-test')).toBe(true);
    // The point is readable at once, through the other query connection.
    const rows = await json<{ n: string }>(url(), `SELECT count() AS n FROM usage_analytics WHERE index1 = 'during-slow'`);
    expect(rows.data).toEqual([{ n: '1' }]);
    expect(slow.isSettled()).toBe(false);
    await ae().store.cancel('slow-write-test');
    await expect(slow.done).rejects.toThrow(/cancelled/i);
  });

  it('answers that come after a cancelled query are only their own', async () => {
    const res = await sql(url(), 'SELECT 1 AS one FORMAT JSON');
    expect(JSON.parse(res.text).data).toEqual([{ one: 1 }]);
    const again = await sql(url(), 'SELECT 1 AS one FORMAT JSON');
    expect(JSON.parse(again.text).data).toEqual([{ one: 1 }]);
  });

});
