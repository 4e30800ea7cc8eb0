/**
 * The SQL API against data this file writes: the query shapes AE documents give exact results in
 * AE's JSON shape and every format; hostile queries are refused with 422 and change nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chTime, DAY0, json, point, sql, useLocalAe, write } from './helpers.ts';
import { describeEngineError } from '../src/sql-api.ts';

const { ae } = useLocalAe();
const url = () => ae().url;
const T0 = DAY0;
const MIN = 60_000;

beforeAll(async () => {
  const points = [
    // u1: 3 auth in the first 10 minutes, one failed; sampled sync rows standing for 10 each
    point('u1', 'auth', { timestamp: T0 + 1 * MIN }),
    point('u1', 'auth', { timestamp: T0 + 2 * MIN }),
    point('u1', 'auth', { timestamp: T0 + 3 * MIN, doubles: [401] }),
    point('u1', 'sync', { timestamp: T0 + 12 * MIN, doubles: [101], _sample_interval: 10 }),
    point('u1', 'sync', { timestamp: T0 + 14 * MIN, doubles: [101], _sample_interval: 10 }),
    // u2: ingest with varied statuses across two buckets
    point('u2', 'ingest', { timestamp: T0 + 4 * MIN, doubles: [201], blobs: ['ingest', 'org_2'] }),
    point('u2', 'ingest', { timestamp: T0 + 25 * MIN, doubles: [400], blobs: ['ingest', 'org_2'] }),
    // u3: recent traffic for INTERVAL literals relative to now()
    point('u3', 'chat', { doubles: [101] }),
    point('u3', 'chat', { doubles: [101], timestamp: Date.now() - 3 * 86_400_000 }),
    point('u3', 'chat', { doubles: [101], timestamp: Date.now() - 10 * 86_400_000 }),
  ];
  expect((await write(url(), points)).status).toBe(200);
});

describe('documented query shapes, exact results', () => {
  it('counts per index with SUM(_sample_interval), not rows', async () => {
    const r = await json(url(), 'SELECT index1 AS user, SUM(_sample_interval) AS events, count() AS rows FROM usage_analytics GROUP BY user ORDER BY user');
    expect(r.meta).toEqual([
      { name: 'user', type: 'String' },
      { name: 'events', type: 'UInt64' },
      { name: 'rows', type: 'UInt64' },
    ]);
    expect(r.data).toEqual([
      { user: 'u1', events: '23', rows: '5' },
      { user: 'u2', events: '2', rows: '2' },
      { user: 'u3', events: '3', rows: '3' },
    ]);
    expect(r.rows).toBe(3);
  });

  it('buckets time with toStartOfInterval and INTERVAL \'n\' MINUTE', async () => {
    const r = await json(
      url(),
      `SELECT toStartOfInterval(timestamp, INTERVAL '10' MINUTE) AS t, SUM(_sample_interval) AS n
       FROM usage_analytics WHERE index1 IN ('u1', 'u2') GROUP BY t ORDER BY t`,
    );
    expect(r.data).toEqual([
      { t: chTime(T0), n: '4' },
      { t: chTime(T0 + 10 * MIN), n: '20' },
      { t: chTime(T0 + 20 * MIN), n: '1' },
    ]);
  });

  it('filters relative to now() with INTERVAL \'7\' DAY', async () => {
    const r = await json(url(), `SELECT SUM(_sample_interval) AS n FROM usage_analytics WHERE index1 = 'u3' AND timestamp > NOW() - INTERVAL '7' DAY`);
    expect(r.data).toEqual([{ n: '2' }]);
  });

  it('weights quantiles with quantileExactWeighted', async () => {
    const r = await json(url(), `SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS p50 FROM usage_analytics WHERE index1 = 'u1'`);
    // 20 sampled events at 101 outweigh 3 at 200/401.
    expect(r.data).toEqual([{ p50: 101 }]);
  });

  it('ranks with topK', async () => {
    const r = await json(url(), `SELECT topK(2)(blob1) AS top FROM usage_analytics WHERE index1 = 'u1'`);
    expect(r.data).toEqual([{ top: ['auth', 'sync'] }]);
  });

  it('counts conditionally with countIf and sumIf, and uses if()', async () => {
    const r = await json(
      url(),
      `SELECT countIf(double1 >= 400) AS failed_rows, sumIf(_sample_interval, double1 >= 400) AS failed,
              if(SUM(_sample_interval) > 10, 'busy', 'quiet') AS level
       FROM usage_analytics WHERE index1 IN ('u1', 'u2')`,
    );
    expect(r.data).toEqual([{ failed_rows: '2', failed: '2', level: 'busy' }]);
  });

  it('accepts a subquery as the table', async () => {
    const r = await json(url(), `SELECT count() AS users FROM (SELECT index1 FROM usage_analytics GROUP BY index1)`);
    expect(r.data).toEqual([{ users: '3' }]);
  });

  it('is case-insensitive about function names, as AE is', async () => {
    const r = await json(url(), `SELECT COUNT() AS c, Sum(_sample_interval) AS s, TOSTARTOFHOUR(toDateTime(0)) AS h FROM usage_analytics WHERE index1 = 'u2'`);
    expect(r.data).toEqual([{ c: '2', s: '2', h: '1970-01-01 00:00:00' }]);
  });

  it('answers JSONEachRow and TabSeparated, and JSON by default', async () => {
    const q = `SELECT index1, SUM(_sample_interval) AS n FROM usage_analytics WHERE index1 IN ('u1','u2') GROUP BY index1 ORDER BY index1`;
    const each = await sql(url(), `${q} FORMAT JSONEachRow`);
    expect(each.status).toBe(200);
    expect(each.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { index1: 'u1', n: '23' },
      { index1: 'u2', n: '2' },
    ]);
    const tsv = await sql(url(), `${q} FORMAT TabSeparated`);
    expect(tsv.text).toBe('u1\t23\nu2\t2\n');
    expect(tsv.contentType).toContain('tab-separated');
    // "If no format clause is included then the default format of JSON will be used."
    // https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/statements/
    const plain = await sql(url(), q);
    expect(plain.contentType).toContain('application/json');
    expect(JSON.parse(plain.text)).toMatchObject({ data: [{ index1: 'u1', n: '23' }, { index1: 'u2', n: '2' }], rows: 2 });
  });

  it('answers GET ?query= like POST', async () => {
    const r = await sql(url(), `SELECT 1 AS one FORMAT JSON`, { method: 'GET' });
    expect(JSON.parse(r.text).data).toEqual([{ one: 1 }]);
  });

  it('lists datasets with SHOW TABLES and zones with SHOW TIMEZONES', async () => {
    const tables = JSON.parse((await sql(url(), 'SHOW TABLES FORMAT JSON')).text);
    expect(tables.meta).toEqual([{ name: 'dataset', type: 'String' }]);
    expect(tables.data).toEqual([{ dataset: 'usage_analytics' }, { dataset: 'usage_analytics_staging' }]);
    const zones = (await sql(url(), 'SHOW TIMEZONES FORMAT JSONEachRow')).text.trim().split('\n').map((l) => JSON.parse(l).name);
    expect(zones).toContain('Europe/London');
    expect(zones).toContain('UTC');
    // "SHOW TIMEZONE responds with the current default timezone ... always Etc/UTC" (statements page)
    expect(JSON.parse((await sql(url(), 'SHOW TIMEZONE')).text).data).toEqual([{ timezone: 'Etc/UTC' }]);
  });

  // The forms AE documents that the local AE used to refuse, with exact results on this file's data.
  // https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/
  it('string functions: position(… IN …), extract(… FROM …), format(), lowerUTF8/upperUTF8, toLower/toUpper', async () => {
    const r = await json(
      url(),
      `SELECT position('s' IN blob1) AS p, extract(MINUTE FROM timestamp) AS m, extract(SECOND from toDateTime('2022-06-06 11:30:15')) AS s,
              format('{}:{}', index1, blob1) AS f, lowerUTF8('ÉTÉ') AS lo, upperUTF8('été') AS up, toLower('ÉTÉ') AS tl, toUpper('été') AS tu,
              length('héllo') AS len, substring('héllo', 2, 3) AS sub
       FROM usage_analytics WHERE index1 = 'u1' AND blob1 = 'sync' ORDER BY timestamp LIMIT 1`,
    );
    expect(r.data).toEqual([{ p: '1', m: 12, s: 15, f: 'u1:sync', lo: 'été', up: 'ÉTÉ', tl: 'été', tu: 'ÉTÉ', len: '5', sub: 'éll' }]);
  });

  it('aggregates: first_value/last_value, count(DISTINCT), sum/avg(DISTINCT), quantileWeighted', async () => {
    const r = await json(
      url(),
      `SELECT first_value(blob1) AS first, last_value(blob1) AS last, count(DISTINCT blob1) AS kinds, sum(DISTINCT double1) AS statuses,
              avg(DISTINCT _sample_interval) AS intervals, quantileWeighted(0.5, double1, _sample_interval) AS p50
       FROM (SELECT blob1, double1, _sample_interval FROM usage_analytics WHERE index1 = 'u1' ORDER BY timestamp)`,
    );
    expect(r.data).toEqual([{ first: 'auth', last: 'sync', kinds: '2', statuses: 702, intervals: 5.5, p50: 101 }]);
  });

  it('encoding, mathematical and bit functions', async () => {
    const r = await json(url(), `SELECT hex(255) AS h, bin(5) AS b, round(ln(1), 3) AS l, pow(2, 10) AS p, abs(-3) AS a, bitAnd(6, 3) AS ba, bitTest(5, 0) AS bt, bitShiftLeft(1, 4) AS bs, toUInt8(300 - 100) AS u8`);
    expect(r.data).toEqual([{ h: 'FF', b: '00000101', l: 0, p: 1024, a: 3, ba: 2, bt: 1, bs: 16, u8: 200 }]);
  });

  it('HAVING on aggregates and aliases, LIKE/ILIKE and NOT LIKE, OFFSET', async () => {
    const r = await json(
      url(),
      `SELECT index1 AS who, SUM(_sample_interval) AS events FROM usage_analytics
       WHERE blob1 ILIKE 'AU%' OR blob1 LIKE 'in_est' OR (blob1 NOT LIKE 'a%' AND blob1 LIKE 's%')
       GROUP BY who HAVING events > 1 AND count() >= 2 ORDER BY who LIMIT 5 OFFSET 0`,
    );
    expect(r.data).toEqual([{ who: 'u1', events: '23' }, { who: 'u2', events: '2' }]);
    const skip = await json(url(), `SELECT index1 AS who FROM usage_analytics GROUP BY who ORDER BY who OFFSET 2`);
    expect(skip.data).toEqual([{ who: 'u3' }]);
  });

  it('toStartOfWeek starts on Monday, as documented', async () => {
    // "Treats Monday as the first day of the week" (date and time functions page); 2026-11-22 is a Sunday.
    const r = await json(url(), `SELECT toStartOfWeek(toDateTime('2026-11-22 12:00:00')) AS w`);
    expect(r.data).toEqual([{ w: '2026-11-16' }]);
  });

  it('has every AE column, with AE\'s types', async () => {
    const r = await json(url(), `SELECT * FROM usage_analytics LIMIT 1`);
    const columns = Object.fromEntries(r.meta.map((c) => [c.name, c.type]));
    expect(columns).toMatchObject({
      dataset: 'LowCardinality(String)',
      timestamp: "DateTime('UTC')",
      _sample_interval: 'UInt32',
      index1: 'String',
      blob1: 'String',
      blob20: 'String',
      double1: 'Float64',
      double20: 'Float64',
    });
    expect(r.meta).toHaveLength(4 + 20 + 20);
    expect(r.data[0].dataset).toBe('usage_analytics');
  });
});

describe('refused queries', () => {
  const fingerprint = async () => [
    (await sql(url(), 'SHOW TABLES FORMAT JSON')).text,
    (await sql(url(), 'SELECT count() FROM usage_analytics FORMAT JSON')).text,
  ];

  it.each([
    ['JOIN', 'SELECT * FROM usage_analytics a JOIN usage_analytics b ON a.index1 = b.index1', 'JOINs are not supported'],
    ['comma join', 'SELECT * FROM usage_analytics, usage_analytics_staging', 'JOINs are not supported'],
    ['UNION', 'SELECT 1 UNION ALL SELECT 2', 'UNIONs are not supported'],
    ['CASE', "SELECT CASE WHEN double1 > 0 THEN 'a' END FROM usage_analytics", 'CASE expressions are not supported'],
    ['file()', "SELECT * FROM file('/etc/passwd', 'LineAsString')", 'table functions are not supported: file()'],
    ['url()', "SELECT * FROM url('http://127.0.0.1:1/', 'CSV')", 'table functions are not supported: url()'],
    ['file() as a scalar', "SELECT file('/etc/passwd')", 'unsupported function file()'],
    ['quoted function name', 'SELECT "file"(\'/etc/passwd\')', '"-quoted identifiers are not supported'],
    ['system.tables', 'SELECT name FROM system.tables', 'qualified names are not supported'],
    ['another database', 'SELECT * FROM analytics_engine.usage_analytics', 'qualified names are not supported'],
    ['IN table', 'SELECT count() FROM usage_analytics WHERE index1 IN usage_analytics_staging', 'IN takes a list'],
    ['two datasets', 'SELECT count() FROM usage_analytics WHERE index1 IN (SELECT index1 FROM usage_analytics_staging)', 'subqueries are only supported in FROM'],
    ['INSERT', "INSERT INTO usage_analytics (index1) VALUES ('x')", 'only SELECT and SHOW'],
    ['DROP', 'DROP TABLE usage_analytics', 'only SELECT and SHOW'],
    ['two statements', 'SELECT 1; DROP TABLE usage_analytics', 'multiple statements'],
    ['SETTINGS', 'SELECT 1 SETTINGS readonly = 0', 'SETTINGS is not supported'],
    ['INTO OUTFILE', "SELECT 1 INTO OUTFILE '/tmp/x'", 'INTO is not supported'],
    ['unknown function', 'SELECT currentUser()', 'unsupported function currentUser()'],
    ['dictionary', "SELECT dictGet('d', 'a', 1)", 'unsupported function dictGet()'],
    ['unknown dataset', 'SELECT count() FROM nope', 'unknown dataset nope'],
    ['WITH', 'WITH 1 AS x SELECT x', 'only SELECT and SHOW'],
    ['query parameters', 'SELECT {x:UInt8}', 'unexpected character "{"'],
    ['lambda', 'SELECT arrayMap(x -> x, range(3))', 'unexpected ">"'],
    ['array literal', 'SELECT [1, 2]', 'unexpected character "["'],
    ['unknown format', 'SELECT 1 FORMAT Native', 'unsupported format Native'],
    ['comment hiding a statement', 'SELECT 1 -- ;\n; DROP TABLE usage_analytics', 'multiple statements'],
    // One source in FROM (issue 10): a second one after the dataset, its alias or a subquery.
    ['the issue\'s file read behind an alias', 'SELECT * FROM usage_analytics AS a, "/etc/hostname" LIMIT 1', 'Input was invalid'],
    ['an aliased dataset and a second source', 'SELECT * FROM usage_analytics a, usage_analytics_staging LIMIT 1', 'JOINs are not supported'],
    ['a subquery and a second source', 'SELECT * FROM (SELECT index1 FROM usage_analytics), usage_analytics', 'JOINs are not supported'],
    ['a table function after a comma', "SELECT * FROM usage_analytics, file('/etc/passwd', 'LineAsString')", 'JOINs are not supported'],
    ['a 4-way comma join', 'SELECT count() FROM usage_analytics a, usage_analytics b, usage_analytics c, usage_analytics d', 'JOINs are not supported'],
  ])('%s → 422', async (_name, query, reason) => {
    const before = await fingerprint();
    const res = await sql(url(), query);
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/^Input was invalid: /);
    expect(res.text).toContain(reason);
    expect(await fingerprint()).toEqual(before);
  });

  it('an empty body is a 400', async () => {
    expect((await sql(url(), '')).status).toBe(400);
    expect((await sql(url(), '  -- nothing\n')).status).toBe(400);
  });

  it('an unknown column is a 422 with ClickHouse\'s reason', async () => {
    const res = await sql(url(), 'SELECT blob21 FROM usage_analytics');
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/^Input was invalid: .*blob21/);
    expect(res.text).not.toContain('SETTINGS');
  });

  it('a wrong token or account is a 403 Authorization error', async () => {
    for (const init of [{ token: 'nope' }, { account: 'someone-else' }]) {
      const res = await sql(url(), 'SELECT 1', init);
      expect(res).toMatchObject({ status: 403, text: 'Authorization error' });
    }
    const res = await fetch(`${url()}/client/v4/accounts/test-account/analytics_engine/sql`, { method: 'POST', body: 'SELECT 1' });
    expect(res.status).toBe(403);
  });
});

describe('time limit', () => {
  it('a query past the time limit is stopped by ClickHouse and answered 504', async () => {
    // sleepEachRow is not AE's, so it cannot come through the API; the store runs it directly to
    // prove the limit is applied to every query and mapped to AE's 504.
    const error = await ae()
      .store.query('SELECT sleepEachRow(0.5) FROM numbers(4)', { format: 'JSON', timeoutSeconds: 1, maxResultRows: 10 })
      .catch((e: unknown) => e);
    expect(describeEngineError(error)).toEqual({ status: 504, contentType: 'text/plain; charset=utf-8', body: 'Query timed out' });
  });
});
