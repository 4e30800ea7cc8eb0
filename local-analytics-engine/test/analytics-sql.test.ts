/**
 * The Analytics SQL API route (the service behind the local Analytics SQL binding) against data
 * this file writes, in real chdb: documented query shapes give exact, sampling-weighted results;
 * every rule of the dialect refuses with 422 (one test per rule, citing its page); parameters are
 * bound as data, never SQL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, analyticsSql, chTime, DAY0, iso, isoDate, point, sql, useLocalAe, write } from './helpers.ts';

const { ae } = useLocalAe();
const url = () => ae().url;
const T0 = DAY0;
const DAY = 86_400_000;
const MIN = 60_000;
const DS = 'events.analyticsEngine.usage_analytics';
const SINCE = `timestamp >= '${iso(T0)}'`;

/** Strings that would break out of a naively built literal, stored as data by u3. */
const HOSTILE = ["it's", 'a\\b', "'); DROP TABLE usage_analytics; --", '$2', "x\\' OR 1=1 --", "''"];

beforeAll(async () => {
  const points = [
    // u1: 3 auth in the first minutes (one failed), and 2 sampled sync rows standing for 10 each
    point('u1', 'auth', { timestamp: T0 + 1 * MIN }),
    point('u1', 'auth', { timestamp: T0 + 2 * MIN }),
    point('u1', 'auth', { timestamp: T0 + 3 * MIN, doubles: [401] }),
    point('u1', 'sync', { timestamp: T0 + 12 * MIN, doubles: [101], _sample_interval: 10 }),
    point('u1', 'sync', { timestamp: T0 + 14 * MIN, doubles: [101], _sample_interval: 10 }),
    // u2: ingest in two buckets
    point('u2', 'ingest', { timestamp: T0 + 4 * MIN, doubles: [201], blobs: ['ingest', 'org_2'] }),
    point('u2', 'ingest', { timestamp: T0 + 25 * MIN, doubles: [400], blobs: ['ingest', 'org_2'] }),
    // u3: hostile strings as data
    ...HOSTILE.map((s, i) => point('u3', s, { timestamp: T0 + (30 + i) * MIN })),
    // u4: before the window every query below starts at
    point('u4', 'auth', { timestamp: T0 - 86_400_000 }),
  ];
  expect((await write(url(), points)).status).toBe(200);
});

const ok = async (query: string, params?: unknown) => {
  const res = await analyticsSql(url(), { query, params });
  if (res.status !== 200) throw new Error(`${res.status}: ${res.text}`);
  return res.json!;
};

const refused = async (query: string, params?: unknown) => {
  const res = await analyticsSql(url(), params === undefined ? { query } : { query, params });
  expect(res.status, res.text).toBe(422);
  expect(res.contentType).toContain('text/plain');
  expect(res.text).toMatch(/^Input was invalid: /);
  return res.text;
};

describe('answers in the binding\'s shape', () => {
  it('is { data, rows, statistics } with numbers as JSON numbers and no meta', async () => {
    // https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/ (AnalyticsSQLResult)
    const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND index1 = 'u2'`);
    expect(Object.keys(r).sort()).toEqual(['data', 'rows', 'statistics']);
    expect(r.data).toEqual([{ n: 2 }]);
    expect(r.rows).toBe(1);
    expect(Object.keys(r.statistics).sort()).toEqual(['bytes_read', 'elapsed_ms', 'rows_read']);
    expect(r.statistics.rows_read).toBeGreaterThan(0);
    expect(Number.isInteger(r.statistics.elapsed_ms)).toBe(true);
  });

  it('names an unaliased expression after its text', async () => {
    const r = await ok(`SELECT COUNT(), index1 FROM ${DS} WHERE ${SINCE} AND index1 = 'u2' GROUP BY index1`);
    expect(r.data).toEqual([{ 'COUNT()': 2, index1: 'u2' }]);
  });

  it('accepts raw SQL as the body', async () => {
    // "POST also accepts raw SQL" https://developers.cloudflare.com/analytics/sql-api/query-api/
    const res = await analyticsSql(url(), `SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND index1 = 'u1'`);
    expect(res.json?.data).toEqual([{ n: 23 }]);
  });
});

describe('sampling weights, applied as the SQL API does', () => {
  // "For adaptively sampled event and log datasets, the SQL API automatically applies sample
  // weights to COUNT, SUM, AVG, countIf, sumIf, avgIf, and topK."
  // https://developers.cloudflare.com/analytics/sql-api/sql-reference/functions/
  it('COUNT() and COUNT(*) count represented events: a row with _sample_interval 10 counts 10', async () => {
    const r = await ok(`SELECT index1 AS who, COUNT() AS events, COUNT(*) AS star FROM ${DS} WHERE ${SINCE} AND index1 IN ('u1', 'u2') GROUP BY who ORDER BY who`);
    expect(r.data).toEqual([
      { who: 'u1', events: 23, star: 23 },
      { who: 'u2', events: 2, star: 2 },
    ]);
  });

  it('SUM, AVG, countIf, sumIf and avgIf are weighted', async () => {
    const r = await ok(
      `SELECT SUM(double1) AS s, AVG(double1) AS a, countIf(double1 >= 400) AS failed,
              sumIf(double1, blob1 = 'sync') AS sync_sum, avgIf(double1, blob1 = 'auth') AS auth_avg
       FROM ${DS} WHERE ${SINCE} AND index1 = 'u1'`,
    );
    const [row] = r.data as { s: number; a: number; failed: number; sync_sum: number; auth_avg: number }[];
    expect(row.s).toBe(200 + 200 + 401 + 101 * 10 * 2);
    expect(row.a).toBeCloseTo(2821 / 23, 10);
    expect(row.failed).toBe(1);
    expect(row.sync_sum).toBe(2020);
    expect(row.auth_avg).toBeCloseTo(801 / 3, 10);
  });

  it('topK ranks by represented events, not rows', async () => {
    // u1 has 3 auth rows and 2 sync rows, but the sync rows stand for 20 events.
    const r = await ok(`SELECT topK(2)(blob1) AS top FROM ${DS} WHERE ${SINCE} AND index1 = 'u1'`);
    expect(r.data).toEqual([{ top: ['sync', 'auth'] }]);
  });

  it('DISTINCT aggregates are not weighted', async () => {
    // "COUNT, SUM, and AVG support DISTINCT on ... Workers Analytics Engine datasets."
    // https://developers.cloudflare.com/analytics/sql-api/sql-reference/
    const r = await ok(`SELECT COUNT(DISTINCT blob1) AS kinds, SUM(DISTINCT double1) AS statuses FROM ${DS} WHERE ${SINCE} AND index1 = 'u1'`);
    expect(r.data).toEqual([{ kinds: 2, statuses: 200 + 401 + 101 }]);
  });

  it('explicit weights: quantileWeighted, quantileExactWeighted, topKWeighted', async () => {
    const r = await ok(
      `SELECT quantileWeighted(0.5, double1, _sample_interval) AS p50, quantileExactWeighted(0.5)(double1, _sample_interval) AS p50b,
              topKWeighted(1)(blob1, _sample_interval) AS top
       FROM ${DS} WHERE ${SINCE} AND index1 = 'u1'`,
    );
    expect(r.data).toEqual([{ p50: 101, p50b: 101, top: ['sync'] }]);
  });
});

describe('documented query shapes, exact results', () => {
  it('buckets with toStartOfInterval and INTERVAL \'n\' MINUTE, ORDER BY without LIMIT', async () => {
    // "Workers Analytics Engine datasets preserve compatibility with ORDER BY without LIMIT."
    // https://developers.cloudflare.com/analytics/sql-api/sql-reference/statements/
    const r = await ok(
      `SELECT toStartOfInterval(timestamp, INTERVAL '10' MINUTE) AS bucket, COUNT() AS n
       FROM ${DS} WHERE ${SINCE} AND index1 IN ('u1', 'u2') GROUP BY bucket ORDER BY bucket`,
    );
    expect(r.data).toEqual([
      { bucket: chTime(T0), n: 4 },
      { bucket: chTime(T0 + 10 * MIN), n: 20 },
      { bucket: chTime(T0 + 20 * MIN), n: 1 },
    ]);
  });

  it('CASE, LIKE/ILIKE, IS NOT NULL, NOT IN, BETWEEN, HAVING, LIMIT and OFFSET', async () => {
    // https://developers.cloudflare.com/analytics/sql-api/sql-reference/operators/
    const r = await ok(
      `SELECT index1 AS who, CASE WHEN SUM(double1) > 1000 THEN 'heavy' ELSE 'light' END AS kind, COUNT() AS n
       FROM ${DS}
       WHERE timestamp BETWEEN '${isoDate(T0)}' AND '${isoDate(T0 + DAY)}' AND blob1 NOT IN ('sync') AND blob1 ILIKE 'AU%' AND blob2 IS NOT NULL
         AND NOT blob1 LIKE 'x%'
       GROUP BY who HAVING COUNT() > 1 ORDER BY who LIMIT 5 OFFSET 0`,
    );
    expect(r.data).toEqual([{ who: 'u1', kind: 'light', n: 3 }]);
    const page = await ok(`SELECT index1 AS who FROM ${DS} WHERE ${SINCE} GROUP BY who ORDER BY who LIMIT 1 OFFSET 1`);
    expect(page.data).toEqual([{ who: 'u2' }]);
  });

  it('string, date and bit functions with the meanings the docs give', async () => {
    const r = await ok(
      `SELECT length('héllo') AS len, toUpper('é') AS up, substring('héllo', 2, 2) AS sub, position('l' IN 'hello') AS pos,
              format('{}-{}', 'a', 1) AS f, hex(255) AS h, bitAnd(6, 3) AS b, toStartOfWeek(toDate('2026-11-20')) AS monday,
              extract(MINUTE FROM toDateTime('2026-11-20 10:42:00')) AS minute, intDiv(7, 2) AS d
       FROM ${DS} WHERE ${SINCE} LIMIT 1`,
    );
    expect(r.data).toEqual([{ len: 5, up: 'É', sub: 'él', pos: 3, f: 'a-1', h: 'FF', b: 2, monday: '2026-11-16', minute: 42, d: 3 }]);
  });

  it('SELECT * returns AE\'s columns', async () => {
    const r = await ok(`SELECT * FROM ${DS} WHERE ${SINCE} AND index1 = 'u2' ORDER BY timestamp LIMIT 1`);
    expect(r.data[0]).toMatchObject({ index1: 'u2', blob1: 'ingest', double1: 201, _sample_interval: 1, dataset: 'usage_analytics' });
    expect(Object.keys(r.data[0])).toHaveLength(44);
  });

  it('reads a double-quoted dataset name', async () => {
    // "or a double-quoted identifier ... events.analyticsEngine."example-dataset""
    // https://developers.cloudflare.com/analytics/sql-api/datasets/
    const r = await ok(`SELECT COUNT() AS n FROM events.analyticsEngine."usage_analytics" WHERE ${SINCE} AND index1 = 'u2'`);
    expect(r.data).toEqual([{ n: 2 }]);
  });

  it('reads string literals by standard SQL: \'\' is a quote, a backslash is itself', async () => {
    // "Escape a single quote inside a string according to standard SQL string literal syntax."
    // https://developers.cloudflare.com/analytics/sql-api/sql-reference/data-types/
    const r = await ok(`SELECT countIf(blob1 = 'it''s') AS quote, countIf(blob1 = 'a\\b') AS backslash, countIf(blob1 = '$2') AS dollar FROM ${DS} WHERE ${SINCE}`);
    expect(r.data).toEqual([{ quote: 1, backslash: 1, dollar: 1 }]);
  });

  it('the lower bound filters: rows before it are not counted', async () => {
    const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE timestamp >= '${isoDate(T0 - DAY)}' AND index1 = 'u4'`);
    expect(r.data).toEqual([{ n: 1 }]);
    const none = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND index1 = 'u4'`);
    expect(none.data).toEqual([{ n: 0 }]);
  });
});

describe('parameters are data, never SQL', () => {
  // "Use $1, $2, and subsequent placeholders with an array" / "Use $name placeholders with an
  // object"; "Parameter values can be strings, numbers, booleans, or null. ... Every placeholder
  // must have a corresponding value." https://developers.cloudflare.com/analytics/sql-api/query-api/
  it.each(HOSTILE)('the string %j matches exactly the one row that holds it', async (value) => {
    const r = await ok(`SELECT COUNT() AS n, argMax(blob1, double1) AS got FROM ${DS} WHERE ${SINCE} AND blob1 = $1`, [value]);
    expect(r.data).toEqual([{ n: 1, got: value }]);
  });

  it('a quote, backslash or placeholder inside a value cannot end it or bind again', async () => {
    const before = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE}`);
    const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND blob1 = $1 AND index1 = $2`, ["' OR 1=1 OR blob1 = '$2", 'u3']);
    expect(r.data).toEqual([{ n: 0 }]);
    const dropped = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND blob1 = $1`, ["'); DROP TABLE usage_analytics; SELECT ('"]);
    expect(dropped.data).toEqual([{ n: 0 }]);
    expect(await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE}`)).toMatchObject({ data: before.data });
  });

  it('a placeholder-looking text inside a SQL string is data, not a placeholder', async () => {
    const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND blob1 = '$2'`);
    expect(r.data).toEqual([{ n: 1 }]);
  });

  it('IN lists take one placeholder per element', async () => {
    const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE ${SINCE} AND index1 IN ($1, $2, $3)`, ['u1', 'u2', "it's"]);
    expect(r.data).toEqual([{ n: 25 }]);
  });

  it('named placeholders take an object', async () => {
    const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE timestamp >= $since AND index1 = $who AND double1 >= $status`, {
      since: iso(T0), who: 'u1', status: 400,
    });
    expect(r.data).toEqual([{ n: 1 }]);
  });

  it('numbers, negative numbers, booleans and null bind as typed literals', async () => {
    const r = await ok(
      `SELECT countIf(double1 > $1) AS above, countIf((double1 >= 400) = $2) AS failed, countIf($3 IS NULL) AS all_rows, $4 * 2 AS twice
       FROM ${DS} WHERE ${SINCE} AND index1 = 'u1'`,
      [-1, true, null, 2.5],
    );
    expect(r.data).toEqual([{ above: 23, failed: 1, all_rows: 23, twice: 5 }]);
  });

  describe('timestamps: ISO 8601 with a timezone, bound as a DateTime', () => {
    // "Use an ISO 8601 timestamp with a timezone"; "A date without a time is interpreted as
    // midnight UTC"; "A date and time without a timezone is rejected."
    // https://developers.cloudflare.com/analytics/sql-api/sql-reference/data-types/
    const count = (since: string) => ok(`SELECT COUNT() AS n FROM ${DS} WHERE timestamp >= $1 AND index1 = 'u1'`, [since]);

    it('Z, an offset and a date-only value mean the instants they name', async () => {
      const day = isoDate(T0);
      expect((await count(`${day}T00:12:00Z`)).data).toEqual([{ n: 20 }]);
      // 02:12 at +02:00 is 00:12 UTC
      expect((await count(`${day}T02:12:00+02:00`)).data).toEqual([{ n: 20 }]);
      expect((await count(`${day}T00:02:30.500Z`)).data).toEqual([{ n: 21 }]);
      expect((await count(day)).data).toEqual([{ n: 23 }]);
      expect((await count(isoDate(T0 + DAY))).data).toEqual([{ n: 0 }]);
    });

    it('either side of the comparison and both ends of BETWEEN', async () => {
      const r = await ok(`SELECT COUNT() AS n FROM ${DS} WHERE $1 <= timestamp AND timestamp BETWEEN $1 AND $2 AND index1 = 'u1'`, [iso(T0), iso(T0 + 12 * MIN)]);
      expect(r.data).toEqual([{ n: 13 }]);
    });

    it.each([
      ['a naive date-time', `${isoDate(T0)}T00:00:00`],
      ['a ClickHouse-style naive date-time', chTime(T0)],
      ['a date that does not exist', '2026-02-30'],
      ['words', 'yesterday'],
    ])('%s is refused', async (_name, value) => {
      const text = await refused(`SELECT COUNT() FROM ${DS} WHERE timestamp >= $1`, [value]);
      expect(text).toContain('$1 is compared with timestamp and must be an ISO 8601 timestamp with a timezone');
    });

    it('a naive timestamp literal in SQL is refused too', async () => {
      expect(await refused(`SELECT COUNT() FROM ${DS} WHERE timestamp >= '${chTime(T0)}'`)).toContain('ISO 8601 timestamp with a timezone');
    });
  });

  describe('every placeholder needs a value of a documented type', () => {
    it.each([
      ['a missing positional value', 'index1 = $1 AND blob1 = $2', ['u1'], 'no value for $2'],
      ['no params at all', 'index1 = $1', undefined, 'no value for $1'],
      ['a missing named value', 'index1 = $who', { someone: 'u1' }, 'no value for $who'],
      ['an array for named placeholders', 'index1 = $who', ['u1'], 'named placeholders take an object'],
      ['an object for positional placeholders', 'index1 = $1', { 1: 'u1' }, 'positional placeholders take an array'],
      ['$0', 'index1 = $0', ['u1'], 'positional placeholders start at $1'],
      ['mixed placeholders', 'index1 = $1 AND blob1 = $what', ['u1'], 'not both'],
      ['an object value', 'index1 = $1', [{ a: 1 }], 'params[0] must be a string, a number, a boolean or null'],
      ['an array value', 'index1 = $1', [['u1', 'u2']], 'params[0] must be a string, a number, a boolean or null'],
      ['params that are a string', 'index1 = $1', 'u1', 'params must be an array'],
    ])('%s → 422', async (_name, where, params, reason) => {
      expect(await refused(`SELECT COUNT() FROM ${DS} WHERE ${SINCE} AND ${where}`, params)).toContain(reason);
    });

    it('a non-finite number → 422 (JSON\'s 1e999 is Infinity)', async () => {
      const res = await analyticsSql(url(), '', { rawJson: `{"query":"SELECT COUNT() FROM ${DS} WHERE ${SINCE} AND double1 = $1","params":[1e999]}` });
      expect(res.status).toBe(422);
      expect(res.text).toBe('Input was invalid: params[0] must be a finite number');
    });
  });
});

describe('refused: one test per documented rule', () => {
  const STATEMENTS = 'https://developers.cloudflare.com/analytics/sql-api/sql-reference/statements/';
  const INDEX = 'https://developers.cloudflare.com/analytics/sql-api/sql-reference/';
  const FUNCTIONS = 'https://developers.cloudflare.com/analytics/sql-api/sql-reference/functions/';
  const OPERATORS = 'https://developers.cloudflare.com/analytics/sql-api/sql-reference/operators/';
  const DATA_TYPES = 'https://developers.cloudflare.com/analytics/sql-api/sql-reference/data-types/';
  const DATASETS = 'https://developers.cloudflare.com/analytics/sql-api/datasets/';
  const BINDING = 'https://developers.cloudflare.com/analytics/sql-api/workers-binding/';
  const LIMITS = 'https://developers.cloudflare.com/analytics/sql-api/limits/';
  const W = `WHERE ${SINCE}`;

  it.each([
    // [doc, rule, query, reason]
    [BINDING, 'no FORMAT clause through the binding', `SELECT COUNT() FROM ${DS} ${W} FORMAT JSON`, 'FORMAT is not supported in a binding query'],
    [BINDING, 'no tenancy predicate in a binding query', `SELECT COUNT() FROM ${DS} ${W} AND accountTag = 'x'`, 'do not specify tenancy (accountTag)'],
    [DATASETS, 'a bare dataset name', `SELECT COUNT() FROM usage_analytics ${W}`, 'use events.analyticsEngine.usage_analytics'],
    [DATASETS, 'the namespace by itself', `SELECT COUNT() FROM events.analyticsEngine ${W}`, 'not queryable'],
    [DATASETS, 'an unknown dataset', `SELECT COUNT() FROM events.analyticsEngine.nope ${W}`, 'unknown dataset events.analyticsEngine.nope'],
    [DATASETS, 'another schema', `SELECT COUNT() FROM events.httpRequests ${W}`, 'unknown dataset events.httpRequests'],
    [DATASETS, 'a back-quoted identifier', `SELECT COUNT() FROM events.analyticsEngine.\`usage_analytics\` ${W}`, '`-quoted identifiers are not supported'],
    [STATEMENTS, 'no FROM', `SELECT 1`, 'a FROM clause naming a dataset is required'],
    [STATEMENTS, 'no WHERE: no lower timestamp bound', `SELECT COUNT() FROM ${DS}`, 'a lower bound on timestamp is required'],
    [STATEMENTS, 'only an upper bound', `SELECT COUNT() FROM ${DS} WHERE timestamp < NOW()`, 'a lower bound on timestamp is required'],
    [STATEMENTS, 'a bound under OR is not a bound', `SELECT COUNT() FROM ${DS} WHERE timestamp > NOW() - INTERVAL '1' DAY OR index1 = 'u1'`, 'a lower bound on timestamp is required'],
    [STATEMENTS, 'NOT BETWEEN is not a bound', `SELECT COUNT() FROM ${DS} WHERE timestamp NOT BETWEEN '2026-01-01' AND '2026-02-01'`, 'a lower bound on timestamp is required'],
    [STATEMENTS, 'equality is not a bound', `SELECT COUNT() FROM ${DS} WHERE timestamp = '2026-11-20'`, 'a lower bound on timestamp is required'],
    [STATEMENTS, 'LIMIT with a parameter', `SELECT COUNT() FROM ${DS} ${W} LIMIT $1`, 'LIMIT takes a non-negative integer literal'],
    [STATEMENTS, 'LIMIT with an expression', `SELECT COUNT() FROM ${DS} ${W} LIMIT 1 + 1`, 'unexpected "+"'],
    [STATEMENTS, 'a negative LIMIT', `SELECT COUNT() FROM ${DS} ${W} LIMIT -1`, 'LIMIT takes a non-negative integer literal'],
    [STATEMENTS, 'a fractional LIMIT', `SELECT COUNT() FROM ${DS} ${W} LIMIT 1.5`, 'LIMIT takes a non-negative integer literal'],
    [STATEMENTS, 'LIMIT ALL', `SELECT COUNT() FROM ${DS} ${W} LIMIT ALL`, 'LIMIT takes a non-negative integer literal'],
    [STATEMENTS, 'OFFSET with a parameter', `SELECT COUNT() FROM ${DS} ${W} LIMIT 1 OFFSET $1`, 'OFFSET takes a non-negative integer literal'],
    [STATEMENTS, 'NULLS FIRST', `SELECT index1 FROM ${DS} ${W} ORDER BY index1 NULLS FIRST`, 'NULLS FIRST and NULLS LAST are not supported'],
    [STATEMENTS, 'HAVING without an aggregate', `SELECT index1 FROM ${DS} ${W} GROUP BY index1 HAVING index1 = 'u1'`, 'HAVING expression must reference an aggregate'],
    [STATEMENTS, 'a table alias', `SELECT COUNT() FROM ${DS} AS t ${W}`, 'table aliases are not supported'],
    [INDEX, 'INSERT', `INSERT INTO ${DS} VALUES (1)`, 'only SELECT statements are supported'],
    [INDEX, 'DROP', `DROP TABLE usage_analytics`, 'only SELECT statements are supported'],
    [LIMITS, 'two statements', `SELECT COUNT() FROM ${DS} ${W}; SELECT 1`, 'multiple statements are not supported'],
    [INDEX, 'JOIN', `SELECT COUNT() FROM ${DS} JOIN ${DS} ON 1 ${W}`, 'JOINs are not supported'],
    [INDEX, 'a comma join', `SELECT COUNT() FROM ${DS}, ${DS} ${W}`, 'JOINs are not supported'],
    [INDEX, 'UNION', `SELECT COUNT() FROM ${DS} ${W} UNION ALL SELECT COUNT() FROM ${DS} ${W}`, 'UNIONs are not supported'],
    [INDEX, 'a common table expression', `WITH x AS (SELECT 1) SELECT COUNT() FROM ${DS} ${W}`, 'only SELECT statements are supported'],
    [INDEX, 'IN (subquery)', `SELECT COUNT() FROM ${DS} ${W} AND index1 IN (SELECT index1 FROM ${DS} ${W})`, 'subqueries are not supported'],
    [INDEX, 'a scalar subquery', `SELECT (SELECT 1) AS x FROM ${DS} ${W}`, 'subqueries are not supported'],
    [INDEX, 'a derived table (the restricted form is not emulated)', `SELECT * FROM (SELECT COUNT() AS n FROM ${DS} ${W})`, 'derived tables'],
    [INDEX, 'a table function', `SELECT COUNT() FROM file('/etc/passwd') ${W}`, 'table functions are not supported'],
    [INDEX, 'a window function', `SELECT COUNT() OVER () FROM ${DS} ${W}`, 'window functions are not supported'],
    [INDEX, 'row-level SELECT DISTINCT', `SELECT DISTINCT index1 FROM ${DS} ${W}`, 'row-level SELECT DISTINCT is not supported'],
    [INDEX, 'a user-authored CAST', `SELECT CAST(double1 AS String) FROM ${DS} ${W}`, 'user-authored casts are not supported'],
    [INDEX, 'a :: cast', `SELECT double1::String FROM ${DS} ${W}`, 'user-authored casts are not supported'],
    [INDEX, 'LIKE ... ESCAPE', `SELECT COUNT() FROM ${DS} ${W} AND blob1 LIKE 'a!%' ESCAPE '!'`, 'LIKE ... ESCAPE is not supported'],
    [INDEX, 'SIMILAR TO', `SELECT COUNT() FROM ${DS} ${W} AND blob1 SIMILAR TO 'a'`, 'SIMILAR TO is not supported'],
    [INDEX, 'an aggregate FILTER clause', `SELECT COUNT() FILTER (WHERE double1 > 1) FROM ${DS} ${W}`, 'aggregate FILTER clauses are not supported'],
    [INDEX, 'SETTINGS', `SELECT COUNT() FROM ${DS} ${W} SETTINGS readonly = 0`, 'SETTINGS is not supported'],
    [FUNCTIONS, 'uniq', `SELECT uniq(index1) FROM ${DS} ${W}`, 'unsupported function uniq()'],
    [FUNCTIONS, 'toString', `SELECT toString(double1) FROM ${DS} ${W}`, 'unsupported function toString()'],
    [FUNCTIONS, 'concat', `SELECT concat(blob1, blob2) FROM ${DS} ${W}`, 'unsupported function concat()'],
    [FUNCTIONS, 'multiIf', `SELECT multiIf(double1 > 1, 'a', 'b') FROM ${DS} ${W}`, 'unsupported function multiIf()'],
    [FUNCTIONS, 'a function by a quoted name', `SELECT "file"('/etc/passwd') FROM ${DS} ${W}`, 'unsupported function file()'],
    [FUNCTIONS, 'COUNT(expression)', `SELECT COUNT(index1) FROM ${DS} ${W}`, 'COUNT(expression) is not supported'],
    [FUNCTIONS, 'MIN on an adaptively sampled dataset', `SELECT MIN(double1) FROM ${DS} ${W}`, 'use APPROX_MIN()'],
    [FUNCTIONS, 'MAX on an adaptively sampled dataset', `SELECT MAX(double1) FROM ${DS} ${W}`, 'use APPROX_MAX()'],
    [FUNCTIONS, 'DISTINCT in another aggregate', `SELECT countIf(DISTINCT double1 > 1) FROM ${DS} ${W}`, 'countIf(DISTINCT ...) is not supported'],
    [FUNCTIONS, 'a top-k size over 100', `SELECT topK(101)(blob1) FROM ${DS} ${W}`, 'must be integers from 1 to 100'],
    [FUNCTIONS, 'a quantile level over 1', `SELECT quantileWeighted(2, double1, _sample_interval) FROM ${DS} ${W}`, 'level must be a number between 0 and 1'],
    [FUNCTIONS, 'TODAY() outside a time predicate', `SELECT TODAY() FROM ${DS} ${W}`, 'TODAY() is supported only in a time predicate'],
    [FUNCTIONS, 'an unquoted INTERVAL', `SELECT COUNT() FROM ${DS} WHERE timestamp > NOW() - INTERVAL 7 DAY`, "INTERVAL takes a quoted positive integer"],
    [FUNCTIONS, 'a zero INTERVAL', `SELECT COUNT() FROM ${DS} WHERE timestamp > NOW() - INTERVAL '0' DAY`, "INTERVAL takes a quoted positive integer"],
    [FUNCTIONS, 'an unknown INTERVAL unit', `SELECT COUNT() FROM ${DS} WHERE timestamp > NOW() - INTERVAL '1' FORTNIGHT`, 'unsupported INTERVAL unit FORTNIGHT'],
    [OPERATORS, 'IN with an empty list', `SELECT COUNT() FROM ${DS} ${W} AND index1 IN ()`, 'IN takes a non-empty list'],
    [OPERATORS, 'the == operator', `SELECT COUNT() FROM ${DS} ${W} AND index1 == 'u1'`, 'unsupported operator =='],
    [OPERATORS, 'the || operator', `SELECT blob1 || blob2 FROM ${DS} ${W}`, 'the || operator is not supported'],
    [DATA_TYPES, 'a standalone NULL literal', `SELECT COUNT() FROM ${DS} ${W} AND blob1 = NULL`, 'standalone NULL literals are not supported'],
    [DATA_TYPES, 'an array literal', `SELECT [1, 2] FROM ${DS} ${W}`, 'unexpected character "["'],
    [STATEMENTS, 'an alias without AS', `SELECT COUNT() n FROM ${DS} ${W}`, 'write AS before the alias n'],
  ])('%s — %s → 422', async (_doc, _rule, query, reason) => {
    expect(await refused(query)).toContain(reason);
  });

  it(`a statement over 10 KiB → 422 (${LIMITS})`, async () => {
    const long = `SELECT COUNT() FROM ${DS} ${W} AND index1 IN (${Array.from({ length: 2_000 }, (_, i) => `'u${i}'`).join(', ')})`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(10 * 1024);
    expect(await refused(long)).toContain('longer than 10 KiB');
    const fits = `SELECT COUNT() AS n FROM ${DS} ${W} AND index1 IN (${Array.from({ length: 1_000 }, (_, i) => `'u${i}'`).join(', ')})`;
    expect(Buffer.byteLength(fits)).toBeLessThan(10 * 1024);
    // u0…u999 holds u1 (23 events), u2 (2) and u3 (6)
    expect((await ok(fits)).data).toEqual([{ n: 23 + 2 + 6 }]);
  });

  it(`nesting deeper than 10 → 422, 10 is accepted (${LIMITS})`, async () => {
    const nest = (depth: number) => `${'('.repeat(depth)}1${')'.repeat(depth)}`;
    expect((await ok(`SELECT ${nest(10)} AS x FROM ${DS} ${W} LIMIT 1`)).data).toEqual([{ x: 1 }]);
    expect(await refused(`SELECT ${nest(11)} AS x FROM ${DS} ${W} LIMIT 1`)).toContain('nested more than 10 levels deep');
    expect(await refused(`SELECT ${nest(100_000)} AS x FROM ${DS} ${W}`)).toContain('longer than 10 KiB');
  });

  it('scope and time_range request properties are not the binding\'s', async () => {
    // "It does not accept scope or time_range request properties."
    // https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/
    const res = await analyticsSql(url(), { query: `SELECT COUNT() FROM ${DS}`, time_range: { start: iso(T0) } } as never);
    expect(res.status).toBe(422);
    expect(res.text).toContain('time_range is not accepted by the binding');
  });

  it('an unknown column is a 422 naming it', async () => {
    expect(await refused(`SELECT blob21 FROM ${DS} ${W}`)).toContain('blob21');
  });

  it('a refused query changes nothing', async () => {
    const before = await sql(url(), 'SELECT count() AS n FROM usage_analytics FORMAT JSON');
    await refused(`SELECT COUNT() FROM ${DS} ${W}; DROP TABLE usage_analytics`);
    await refused(`INSERT INTO usage_analytics (index1) VALUES ('x')`);
    expect((await sql(url(), 'SELECT count() AS n FROM usage_analytics FORMAT JSON')).text).toBe(before.text);
  });
});

describe('requests', () => {
  it('malformed JSON is a 400', async () => {
    const res = await analyticsSql(url(), '', { rawJson: '{"query": ' });
    expect(res).toMatchObject({ status: 400, text: 'The request body is not valid JSON' });
  });

  it('no query is a 422', async () => {
    const res = await analyticsSql(url(), { query: undefined });
    expect(res).toMatchObject({ status: 422, text: 'Input was invalid: query is required' });
    expect((await analyticsSql(url(), { query: 42 })).text).toBe('Input was invalid: query must be a string of SQL');
  });

  it('missing or wrong credentials: 400 in the API envelope; another account: 403', async () => {
    // "400 ... the API gateway rejected missing or invalid authentication credentials";
    // "Authentication errors rejected by the API gateway use the standard Cloudflare API JSON
    // response envelope." https://developers.cloudflare.com/analytics/sql-api/errors/
    const q = { query: `SELECT COUNT() FROM ${DS} WHERE ${SINCE}` };
    for (const token of [null, 'wrong-token']) {
      const res = await analyticsSql(url(), q, { token });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ success: false, errors: [{ message: 'Authentication error' }] });
    }
    const other = await analyticsSql(url(), q, { account: `${ACCOUNT}-other` });
    expect(other).toMatchObject({ status: 403, text: 'Unable to authorize' });
  });

  it('/stats counts Analytics SQL queries apart from AE SQL API queries', async () => {
    type Stats = { sqlQueries: number; analyticsSqlQueries: number };
    const before = (await (await fetch(`${url()}/stats`)).json()) as Stats;
    await ok(`SELECT COUNT() FROM ${DS} WHERE ${SINCE}`);
    await refused(`SELECT COUNT() FROM ${DS}`);
    await analyticsSql(url(), { query: 'SELECT 1' }, { token: 'wrong' });
    const after = (await (await fetch(`${url()}/stats`)).json()) as Stats;
    expect(after.analyticsSqlQueries - before.analyticsSqlQueries).toBe(2);
    expect(after.sqlQueries - before.sqlQueries).toBe(0);
  });
});
