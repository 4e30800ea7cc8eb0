/**
 * The write path: workerd's limits and messages on every point, a rejected batch writes nothing,
 * and concurrent writers all land.
 */
import { describe, expect, it } from 'vitest';
import { AE_LIMITS } from '@usage-lens/contract';
import { json, point, useLocalAe, write } from './helpers.ts';

const { ae } = useLocalAe();
const url = () => ae().url;
const count = async (user: string) =>
  Number((await json<{ n: string }>(url(), `SELECT count() AS n FROM usage_analytics WHERE index1 = '${user}'`)).data[0].n);

describe('workerd parity: limits and messages', () => {
  const ok = { indexes: ['u'], blobs: ['b'], doubles: [1] };
  it.each([
    ['2 indexes', { ...ok, indexes: ['a', 'b'] }, 'indexes', 'writeDataPoint(): Maximum of 1 indexes supported.'],
    ['index of 97 bytes', { ...ok, indexes: ['x'.repeat(97)] }, 'indexes', 'writeDataPoint(): Size of indexes[0] exceeds 96 bytes).'],
    ['index of 49 two-byte chars', { ...ok, indexes: ['é'.repeat(49)] }, 'indexes', 'writeDataPoint(): Size of indexes[0] exceeds 96 bytes).'],
    ['21 blobs', { ...ok, blobs: Array(21).fill('b') }, 'blobs', 'writeDataPoint(): Maximum of 20 blobs supported.'],
    ['blobs over 16,000 bytes together', { ...ok, blobs: ['x'.repeat(8_000), 'y'.repeat(8_001)] }, 'blobs', 'writeDataPoint(): Cumulative size of blobs exceeds 16000 bytes).'],
    ['21 doubles', { ...ok, doubles: Array(21).fill(1) }, 'doubles', 'writeDataPoint(): Maximum of 20 doubles supported.'],
    ['a string double', { ...ok, doubles: ['1'] }, 'doubles', 'writeDataPoint(): doubles[0] must be a number.'],
    ['a numeric blob', { ...ok, blobs: [5] }, 'blobs', 'writeDataPoint(): blobs[0] must be a string or an ArrayBuffer.'],
    ['a non-object point', 'point', 'point', 'writeDataPoint(): The data point must be an object.'],
  ])('%s → 400 naming the point and field', async (_name, bad, field, message) => {
    const res = await write(url(), [ok, bad]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: `points[1].${field}: ${message}`, point: 1, field });
  });

  it('accepts exactly the limits', async () => {
    const user = 'at-limits';
    const res = await write(url(), [
      { indexes: [user.padEnd(96, 'x')], blobs: Array.from({ length: 20 }, () => 'z'.repeat(800)), doubles: Array(20).fill(1.5) },
    ]);
    expect(res).toEqual({ status: 200, body: { written: 1, dataset: 'usage_analytics' } });
    expect(AE_LIMITS.maxBlobBytes).toBe(16_000);
  });

  it('accepts an empty point, as workerd does', async () => {
    expect((await write(url(), [{}])).status).toBe(200);
  });

  it.each([
    [{ ...point('u', 'e'), _sample_interval: 0 }, '_sample_interval'],
    [{ ...point('u', 'e'), _sample_interval: 1.5 }, '_sample_interval'],
    [{ ...point('u', 'e'), timestamp: 'tomorrow' }, 'timestamp'],
    [{ ...point('u', 'e'), timestamp: -1 }, 'timestamp'],
  ])('local extensions are checked too: %j', async (bad, field) => {
    expect((await write(url(), [bad])).body).toMatchObject({ field, point: 0 });
  });
});

describe('batches', () => {
  it('a batch with one bad point writes nothing', async () => {
    const batch = [...Array.from({ length: 99 }, () => point('atomic', 'sync')), { blobs: Array(21).fill('x') }];
    expect((await write(url(), batch)).status).toBe(400);
    expect(await count('atomic')).toBe(0);
    expect((await write(url(), batch.slice(0, 99))).status).toBe(200);
    expect(await count('atomic')).toBe(99);
  });

  it('bad bodies and dataset names are 400s naming what is wrong', async () => {
    const notJson = await fetch(`${url()}/datasets/usage_analytics/points`, { method: 'POST', body: '{' });
    expect(await notJson.json()).toMatchObject({ field: 'body' });
    expect((await write(url(), 'nope')).body).toMatchObject({ field: 'points' });
    expect((await write(url(), [], 'bad-name!')).body).toMatchObject({ field: 'dataset' });
  });

  it('writing to a new dataset creates it, as AE does on first write', async () => {
    expect((await write(url(), [point('x', 'y')], 'brand_new')).status).toBe(200);
    expect((await json(url(), 'SELECT count() AS n FROM brand_new')).data).toEqual([{ n: '1' }]);
  });

  it('concurrent writers all land, none lost', async () => {
    const writers = 25;
    const perWriter = 400;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) => write(url(), Array.from({ length: perWriter }, (_, i) => point(`c-${w}`, 'sync', { doubles: [i] })))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const rows = await json<{ user: string; n: string }>(url(), `SELECT index1 AS user, count() AS n FROM usage_analytics WHERE startsWith(index1, 'c-') GROUP BY user`);
    expect(rows.data).toHaveLength(writers);
    expect(rows.data.every((r) => r.n === String(perWriter))).toBe(true);
  });
});

describe('/stats', () => {
  it('counts SQL queries and written points', async () => {
    const before = (await (await fetch(`${url()}/stats`)).json()) as { sqlQueries: number; pointsWritten: number };
    await write(url(), [point('s', 'x'), point('s', 'y')]);
    await json(url(), 'SELECT 1');
    const after = (await (await fetch(`${url()}/stats`)).json()) as { sqlQueries: number; pointsWritten: number };
    expect(after.sqlQueries - before.sqlQueries).toBe(1);
    expect(after.pointsWritten - before.pointsWritten).toBe(2);
  });
});
