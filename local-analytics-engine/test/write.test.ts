/**
 * The write path: workerd's limits and messages on every point, a rejected batch writes nothing,
 * and concurrent writers all land.
 */
import { describe, expect, it } from 'vitest';
import { AE_LIMITS } from '@usage-lens/contract';
import { json, point, sql, TOKEN, useLocalAe, write } from './helpers.ts';

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

describe('timestamps AE could hold, and nothing else', () => {
  // "Data written to Workers Analytics Engine is stored for three months."
  // https://developers.cloudflare.com/analytics/analytics-engine/limits/ — the local AE keeps 92 days.
  const DAY = 86_400_000;
  const at = (timestamp: unknown) => write(url(), [{ ...point('ts', 'e'), timestamp }]);

  it.each([
    ['older than the 92-day retention', () => Date.now() - 93 * DAY, 'older than AE\'s 92-day retention'],
    ['older, as ISO text', () => new Date(Date.now() - 100 * DAY).toISOString(), 'older than AE\'s 92-day retention'],
    ['the year 2100', () => Date.UTC(2099, 11, 31), 'minutes in the future'],
    ['ten minutes ahead', () => Date.now() + 10 * 60_000, 'minutes in the future'],
    ['"0"', () => '0', 'ISO 8601'],
    ['an array', () => [Date.now()], 'ISO 8601'],
    ['an object', () => ({ ms: Date.now() }), 'ISO 8601'],
    ['true', () => true, 'ISO 8601'],
    ['a date-time without a timezone', () => new Date().toISOString().slice(0, 19), 'ISO 8601'],
    ['a date that does not exist', () => '2026-02-30T00:00:00Z', 'ISO 8601'],
  ])('%s → 400 naming timestamp, nothing stored', async (_name, value, reason) => {
    const before = await count('ts');
    const res = await at(value());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: 'timestamp', point: 0 });
    expect(String(res.body.error)).toContain(reason);
    expect(await count('ts')).toBe(before);
  });

  it('accepts epoch ms and ISO 8601 with a timezone inside the window, and stores what was meant', async () => {
    const base = Math.floor(Date.now() / 1000) * 1000 - 91 * DAY;
    for (const value of [base, new Date(base + 1000).toISOString(), Date.now() + 60_000]) {
      expect((await write(url(), [{ ...point('ts-ok', 'e'), timestamp: value }])).status).toBe(200);
    }
    const rows = await json<{ t: string }>(url(), `SELECT toUnixTimestamp(timestamp) AS t FROM usage_analytics WHERE index1 = 'ts-ok' ORDER BY t LIMIT 2`);
    expect(rows.data.map((r) => Number(r.t) * 1000)).toEqual([base, base + 1000]);
  });
});

describe('who may write what', () => {
  it('needs the token: none or a wrong one is a 403 naming authorization, nothing stored', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await write(url(), [point('forged', 'auth')], 'usage_analytics', { token });
      expect(res).toEqual({
        status: 403,
        body: { error: 'authorization: writing needs the local AE token (Authorization: Bearer <LOCAL_AE_TOKEN>)', field: 'authorization' },
      });
    }
    expect(await count('forged')).toBe(0);
  });

  it('writes only configured datasets: another name is a 400 and makes no table', async () => {
    const tables = (await sql(url(), 'SHOW TABLES FORMAT JSON')).text;
    const res = await write(url(), [point('x', 'y')], 'brand_new');
    expect(res).toEqual({
      status: 400,
      body: { error: 'dataset: not a configured dataset (usage_analytics, usage_analytics_staging; LOCAL_AE_DATASETS)', field: 'dataset' },
    });
    expect((await sql(url(), 'SHOW TABLES FORMAT JSON')).text).toBe(tables);
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
    const notJson = await fetch(`${url()}/datasets/usage_analytics/points`, { method: 'POST', body: '{', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await notJson.json()).toMatchObject({ field: 'body' });
    expect((await write(url(), 'nope')).body).toMatchObject({ field: 'points' });
    expect((await write(url(), [], 'bad-name!')).body).toMatchObject({ field: 'dataset' });
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
