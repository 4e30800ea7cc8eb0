/**
 * Property-based hostile input (fast-check, 1,000 values per property) against the local AE: any
 * point is stored or refused with a 400 naming it, never a 500; any SQL is answered or refused as
 * AE would, never a 500, and never changes what is stored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { json, point, sql, useLocalAe, write } from './helpers.ts';

const { ae } = useLocalAe();
const url = () => ae().url;
const RUNS = 1_000;

const rowCount = async () => Number((await json<{ n: string }>(url(), 'SELECT count() AS n FROM usage_analytics')).data[0].n);

describe('writes', () => {
  it(`any JSON as a point is written or refused with a 400 naming it (${RUNS} runs)`, async () => {
    const anyPoint = fc.oneof(
      fc.anything(),
      fc.record({
        indexes: fc.oneof(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null), fc.integer()), { maxLength: 3 }), fc.anything()),
        blobs: fc.oneof(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 2_000 }), fc.constant(null), fc.double()), { maxLength: 22 }), fc.anything()),
        doubles: fc.oneof(fc.array(fc.oneof(fc.double(), fc.string()), { maxLength: 22 }), fc.anything()),
        timestamp: fc.oneof(fc.constant(undefined), fc.integer(), fc.string(), fc.double()),
        _sample_interval: fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 2_000_000 }), fc.double()),
      }, { requiredKeys: [] }),
    );
    let stored = await rowCount();
    await fc.assert(
      fc.asyncProperty(fc.array(anyPoint, { minLength: 1, maxLength: 3 }), async (points) => {
        const res = await write(url(), points);
        expect([200, 400]).toContain(res.status);
        const now = await rowCount();
        if (res.status === 200) {
          expect(now).toBe(stored + points.length);
        } else {
          expect(typeof res.body.field).toBe('string');
          expect(now).toBe(stored);
        }
        stored = now;
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
    const before = [await rowCount(), (await sql(url(), 'SHOW TABLES FORMAT JSON')).text];
    await fc.assert(
      fc.asyncProperty(hostileSql, async (query) => {
        const res = await sql(url(), query);
        expect([200, 400, 422, 504]).toContain(res.status);
        if (res.status >= 400) expect(res.text).toMatch(/^(Input was invalid: |Query timed out)/);
      }),
      { numRuns: RUNS },
    );
    expect([await rowCount(), (await sql(url(), 'SHOW TABLES FORMAT JSON')).text]).toEqual(before);
  });
});
