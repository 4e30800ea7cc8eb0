/**
 * Property-based hostile input (fast-check, 1,000 values per property) against the local AE: any
 * point is stored or refused with a 400 naming it, never a 500; any SQL is answered or refused as
 * AE would, never a 500, and never changes what is stored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { json, point, sql, useLocalAe, write } from './helpers.ts';
import { parseTimestamp } from '../src/timestamp.ts';

const { ae } = useLocalAe();
const url = () => ae().url;
const RUNS = 1_000;

const DAY = 86_400_000;
/**
 * Rows stamped at or after this second outlive the suite: AE's 92-day TTL removes them a day from
 * now at the earliest. Counting only these keeps the property free of TTL merges running at their
 * own pace in the background.
 */
const STABLE_FROM = Math.ceil((Date.now() - 91 * DAY) / 1000);
const stableRows = async () =>
  Number((await json<{ n: string }>(url(), `SELECT count() AS n FROM usage_analytics WHERE timestamp >= toDateTime(${STABLE_FROM})`)).data[0].n);

/** Whether an accepted point lands among the stable rows: its own time (epoch ms or ISO text), or now. */
function landsStable(point: unknown): boolean {
  const t = point !== null && typeof point === 'object' && !Array.isArray(point) ? (point as { timestamp?: unknown }).timestamp : undefined;
  if (t === undefined) return true;
  const ms = typeof t === 'number' ? t : parseTimestamp(String(t));
  return ms !== null && Math.floor(ms / 1000) >= STABLE_FROM;
}

describe('writes', () => {
  it(`any JSON as a point is written or refused with a 400 naming it (${RUNS} runs)`, async () => {
    const now = Date.now();
    const nearNow = { min: now - 100 * DAY, max: now + 10 * 60_000 };
    const anyPoint = fc.oneof(
      fc.anything(),
      fc.record({
        indexes: fc.oneof(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null), fc.integer()), { maxLength: 3 }), fc.anything()),
        blobs: fc.oneof(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 2_000 }), fc.constant(null), fc.double()), { maxLength: 22 }), fc.anything()),
        doubles: fc.oneof(fc.array(fc.oneof(fc.double(), fc.string()), { maxLength: 22 }), fc.anything()),
        timestamp: fc.oneof(
          fc.constant(undefined), fc.integer(), fc.string(), fc.double(), fc.anything(),
          fc.integer(nearNow),
          fc.date({ min: new Date(nearNow.min), max: new Date(nearNow.max), noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        _sample_interval: fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 2_000_000 }), fc.double()),
      }, { requiredKeys: [] }),
    );
    // Each run counts before and after its own write, so no baseline carries over between runs
    // (fast-check re-runs smaller inputs while it shrinks a failure).
    await fc.assert(
      fc.asyncProperty(fc.array(anyPoint, { minLength: 1, maxLength: 3 }), async (points) => {
        const before = await stableRows();
        const res = await write(url(), points);
        expect([200, 400]).toContain(res.status);
        const after = await stableRows();
        if (res.status === 200) {
          expect(after - before).toBe(points.filter(landsStable).length);
        } else {
          expect(typeof res.body.field).toBe('string');
          expect(after).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('SQL', () => {
  const pieces = [
    'SELECT', 'FROM', 'usage_analytics', 'WHERE', 'index1', '=', "'x'", "'", '\\', ';', '--', '/*', '*/', '(', ')', ',', '*',
    'JOIN', 'UNION', 'CASE', 'INSERT', 'DROP', 'TABLE', 'system.tables', "file('/etc/passwd')", 'SETTINGS', 'readonly', '=', '0',
    'count()', 'SUM(_sample_interval)', 'FORMAT', 'JSON', 'Native', '{x:UInt8}', '`', '"', 'INTERVAL', "'7'", 'DAY', '1', '#',
  ];
  const hostileSql = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((parts) => parts.join(' ')),
  );

  it(`any SQL is answered or refused as AE would, and changes nothing (${RUNS} runs)`, async () => {
    await write(url(), [point('keep', 'auth')]);
    const before = [await stableRows(), (await sql(url(), 'SHOW TABLES FORMAT JSON')).text];
    await fc.assert(
      fc.asyncProperty(hostileSql, async (query) => {
        const res = await sql(url(), query);
        expect([200, 400, 422, 504]).toContain(res.status);
        if (res.status >= 400) expect(res.text).toMatch(/^(Input was invalid: |Query timed out)/);
      }),
      { numRuns: RUNS },
    );
    expect([await stableRows(), (await sql(url(), 'SHOW TABLES FORMAT JSON')).text]).toEqual(before);
  });
});
