/**
 * AE's documented SQL reference, clause by clause and function by function: what the reference
 * documents is accepted (and printed as ClickHouse SQL with the documented meaning), what it does
 * not is refused with 422 in AE's words. Each group cites its page. Results of the documented
 * forms against real data are in sql-api.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AE_SQL_DOCS, checkAeSql, checkAnalyticsSql, parseQuery } from '../src/dialect.ts';
import { tokenize } from '../src/sql/lexer.ts';

const options = { datasets: new Set(['usage_analytics']), tableFor: (d: string) => `analytics_engine.${d}` };
const lex = (sql: string) => tokenize(sql, { strings: 'clickhouse', identifierQuotes: '', params: false, blockComments: false });
const sqlOf = (query: string) => {
  const parsed = parseQuery(query, options);
  if (parsed.kind !== 'select') throw new Error(parsed.kind);
  return parsed.sql;
};
const reason = (query: string) => {
  const result = checkAeSql(query, options);
  return result.ok ? 'accepted' : result.reason;
};

describe('what reaches ClickHouse', () => {
  it('qualifies the dataset, translates INTERVAL and canonicalises function names', () => {
    const parsed = parseQuery(
      `SELECT index1, sum(_sample_interval) AS n -- per user
       FROM usage_analytics WHERE timestamp > now() - INTERVAL '7' DAY
       GROUP BY index1 FORMAT json;`,
      options,
    );
    expect(parsed).toEqual({
      kind: 'select',
      sql: 'SELECT `index1`, sum(`_sample_interval`) AS `n` FROM analytics_engine.usage_analytics WHERE (`timestamp` > (now() - INTERVAL 7 DAY)) GROUP BY `index1`',
      format: 'JSON',
      dataset: 'usage_analytics',
    });
  });

  it('keeps string literals as written, quotes and escapes included', () => {
    expect(sqlOf(`SELECT count() FROM usage_analytics WHERE index1 = 'it\\'s -- not a comment' OR blob1 = 'a''b'`)).toContain(
      `'it\\'s -- not a comment') OR (\`blob1\` = 'a''b')`,
    );
  });

  it('treats a keyword inside a string as text', () => {
    expect(reason(`SELECT count() FROM usage_analytics WHERE blob1 = 'JOIN UNION DROP'`)).toBe('accepted');
  });

  it('refuses unterminated strings', () => {
    expect(() => lex(`SELECT 'open`)).toThrow(/unterminated string/);
  });

  it('gives the documented meanings where ClickHouse\'s differ', () => {
    // length = lengthUTF8, substring by code point, toLower = lowerUTF8, Monday-first weeks (string
    // and date-time pages); quantileWeighted(q, x, w) = quantileExactWeighted(q)(x, w) (aggregates page)
    expect(sqlOf(`SELECT length(blob1), substring(blob1, 2), toLower(blob1), toUpper(blob1), isEmpty(blob1), ln(double1) FROM usage_analytics`)).toBe(
      'SELECT lengthUTF8(`blob1`), substringUTF8(`blob1`, 2), lowerUTF8(`blob1`), upperUTF8(`blob1`), empty(`blob1`), log(`double1`) FROM analytics_engine.usage_analytics',
    );
    expect(sqlOf(`SELECT toStartOfWeek(timestamp) AS w, quantileWeighted(0.5, double1, _sample_interval) AS q FROM usage_analytics GROUP BY w`)).toBe(
      'SELECT toStartOfWeek(`timestamp`, 1) AS `w`, quantileExactWeighted(0.5)(`double1`, `_sample_interval`) AS `q` FROM analytics_engine.usage_analytics GROUP BY `w`',
    );
    expect(sqlOf(`SELECT position(':' IN blob1) AS p FROM usage_analytics`)).toBe("SELECT position(`blob1`, ':') AS `p` FROM analytics_engine.usage_analytics");
  });

  it('defaults to FORMAT JSON', () => {
    // "If no format clause is included then the default format of JSON will be used." (statements page)
    expect(parseQuery('SELECT 1 AS one', options)).toMatchObject({ format: 'JSON' });
    expect(parseQuery('SHOW TIMEZONE', options)).toEqual({ kind: 'show_timezone', format: 'JSON' });
  });
});

describe('documented: accepted', () => {
  const D = 'FROM usage_analytics';
  it.each([
    [AE_SQL_DOCS.statements, 'SHOW TABLES, SHOW TIMEZONES, SHOW TIMEZONE with FORMAT', ['SHOW TABLES', 'SHOW TIMEZONES FORMAT JSONEachRow', 'SHOW TIMEZONE FORMAT TabSeparated']],
    [AE_SQL_DOCS.statements, 'SELECT *, aliases, a subquery in FROM', [`SELECT * ${D}`, `SELECT blob2 AS probe_name, double3*1.8+32 AS temp_f ${D}`, `SELECT probe_name FROM (SELECT blob1 AS probe_name, count() as num_readings ${D} GROUP BY probe_name)`]],
    [AE_SQL_DOCS.statements, 'WHERE, GROUP BY, HAVING on aliases and aggregates, ORDER BY ASC/DESC, LIMIT n|ALL, OFFSET', [
      `SELECT blob1 AS probe_name, avg(double1) AS average_temp ${D} WHERE if(blob2 = 'f', (double1-32)/1.8, double1) <= 0 GROUP BY probe_name HAVING average_temp > 10 AND count() >= 50 ORDER BY double2, average_temp DESC LIMIT 10 OFFSET 10`,
      `SELECT blob1 ${D} LIMIT ALL`,
      `SELECT blob1 ${D} OFFSET 10`,
    ]],
    [AE_SQL_DOCS.operators, 'arithmetic, comparison, IN / NOT IN, [NOT] BETWEEN, [NOT] LIKE / ILIKE, AND OR NOT, unary minus', [
      `SELECT -double1 + double2 * 2 / 3 % 4 - 1 AS x ${D} WHERE double1 = 1 OR double1 < 2 OR double1 > 3 OR double1 <= 4 OR double1 >= 5 OR double1 <> 6 OR double1 != 7`,
      `SELECT count() ${D} WHERE blob1 IN ('a', 'list') AND blob2 NOT IN ('b') AND double1 BETWEEN 1 AND 2 AND double2 NOT BETWEEN 3 AND 4`,
      `SELECT count() ${D} WHERE blob1 LIKE 'a%' AND blob2 NOT LIKE '_b' AND blob3 ILIKE 'C%' AND blob4 NOT ILIKE 'd' AND NOT blob5 = ''`,
    ]],
    [AE_SQL_DOCS.literals, 'integers, doubles, strings, booleans, INTERVAL \'n\' YEAR…SECOND', [
      `SELECT 42, -42, 4.2, -4.2, 'so long and thanks for all the fish', true, false ${D}`,
      `SELECT count() ${D} WHERE timestamp > now() - INTERVAL '42' DAY AND timestamp < now() + INTERVAL '1' YEAR - INTERVAL '1' MONTH + INTERVAL '1' HOUR + INTERVAL '1' MINUTE + INTERVAL '1' SECOND`,
    ]],
    [AE_SQL_DOCS.aggregates, 'count(), count(DISTINCT), sum/avg [DISTINCT], min, max, quantiles, argMin/argMax, first/last_value, topK, topKWeighted, countIf/sumIf/avgIf', [
      `SELECT count(), count(DISTINCT index1), sum(double1), sum(DISTINCT double1), avg(double1), avg(DISTINCT double1), min(double1), max(double1) ${D}`,
      `SELECT quantileExactWeighted(0.95)(double1, _sample_interval), quantileWeighted(0.5, double1, _sample_interval), argMax(blob1, double1), argMin(blob1, _sample_interval) ${D}`,
      `SELECT first_value(blob1), last_value(blob1), topK(double1), topK(15)(blob1), topKWeighted(double1, _sample_interval), topKWeighted(15)(blob1, _sample_interval) ${D}`,
      `SELECT countIf(double1 >= 400), sumIf(_sample_interval, double1 >= 400), avgIf(double1, blob1 = 'x') ${D}`,
    ]],
    [AE_SQL_DOCS.bit, 'the bit functions', [`SELECT bitAnd(1, 2), bitCount(3), bitHammingDistance(1, 2), bitNot(1), bitOr(1, 2), bitRotateLeft(1, 2), bitRotateRight(1, 2), bitShiftLeft(1, 2), bitShiftRight(1, 2), bitTest(1, 0), bitXor(1, 2)`]],
    [AE_SQL_DOCS.conditional, 'if()', [`SELECT if(double3 <= 0, 'FREEZING', 'NOT FREEZING') ${D}`]],
    [AE_SQL_DOCS.dateTime, 'the date and time functions', [
      `SELECT formatDateTime(now(), '%Y-%m-%d'), formatDateTime(timestamp, '%Y', 'Etc/UTC'), today(), toDateTime('2022-12-01 16:17:00', 'America/New_York'), toDateTime(0) ${D}`,
      `SELECT toYear(timestamp), toMonth(timestamp), toDayOfWeek(timestamp), toDayOfMonth(timestamp), toHour(timestamp), toMinute(timestamp), toSecond(timestamp), toUnixTimestamp(timestamp), toYYYYMM(timestamp) ${D}`,
      `SELECT toStartOfInterval(timestamp, INTERVAL '5' MINUTE), toStartOfInterval(timestamp, INTERVAL '1' DAY, 'Europe/London'), toStartOfYear(timestamp), toStartOfMonth(timestamp), toStartOfWeek(timestamp), toStartOfDay(timestamp), toStartOfHour(timestamp), toStartOfFifteenMinutes(timestamp), toStartOfTenMinutes(timestamp), toStartOfFiveMinutes(timestamp), toStartOfMinute(timestamp) ${D}`,
    ]],
    [AE_SQL_DOCS.encoding, 'bin, hex', [`SELECT bin(5), hex(255)`]],
    [AE_SQL_DOCS.mathematical, 'intDiv, log/ln, pow, round/floor/ceil [n], abs (changelog 2025-09-26)', [`SELECT intDiv(toUInt32(timestamp), 60) * 60 AS t, log(2), ln(2), pow(2, 3), round(1.5), round(1.55, 1), floor(1.5), floor(1.55, 1), ceil(1.5), ceil(1.55, 1), abs(-1) ${D}`]],
    [AE_SQL_DOCS.string, 'the string functions, position(… IN …), extract(… FROM …), format()', [
      `SELECT length(blob1), empty(blob1), isEmpty(blob1), lower(blob1), lowerUTF8(blob1), toLower(blob1), upper(blob1), upperUTF8(blob1), toUpper(blob1) ${D}`,
      `SELECT startsWith(blob1, 'prefix'), endsWith(blob1, 'suffix'), position(':' IN blob1), substring('hello: world', 1, position(':' IN 'hello: world')-1), format('blob1: {}', blob1) ${D}`,
      `SELECT extract(SECOND from toDateTime('2022-06-06 11:30:15')), extract(YEAR FROM timestamp) ${D}`,
    ]],
    [AE_SQL_DOCS.typeConversion, 'toUInt8, toUInt32', [`SELECT toUInt8(double1), toUInt32(timestamp) ${D}`]],
  ])('%s — %s', (_page, _what, queries) => {
    for (const query of queries) expect(reason(query), query).toBe('accepted');
  });
});

describe('undocumented: refused with 422', () => {
  const D = 'FROM usage_analytics';
  it.each([
    // functions the reference does not list
    [AE_SQL_DOCS.aggregates, `SELECT uniq(index1) ${D}`, 'unsupported function uniq()'],
    [AE_SQL_DOCS.aggregates, `SELECT quantile(0.5)(double1) ${D}`, 'unsupported function quantile()'],
    [AE_SQL_DOCS.aggregates, `SELECT count(index1) ${D}`, 'count() or count(DISTINCT column)'],
    [AE_SQL_DOCS.aggregates, `SELECT count(*) ${D}`, 'count(*) is not supported; use count()'],
    [AE_SQL_DOCS.aggregates, `SELECT min(DISTINCT double1) ${D}`, 'min(DISTINCT ...) is not supported'],
    [AE_SQL_DOCS.aggregates, `SELECT quantileExactWeighted(double1, _sample_interval) ${D}`, 'takes a parameter list'],
    [AE_SQL_DOCS.aggregates, `SELECT topK(1, 2)(blob1) ${D}`, 'takes 1 parameter'],
    [AE_SQL_DOCS.typeConversion, `SELECT toString(double1) ${D}`, 'unsupported function toString()'],
    [AE_SQL_DOCS.typeConversion, `SELECT toFloat64(blob1) ${D}`, 'unsupported function toFloat64()'],
    [AE_SQL_DOCS.typeConversion, `SELECT CAST(double1 AS String) ${D}`, 'user-authored casts are not supported'],
    [AE_SQL_DOCS.conditional, `SELECT multiIf(double1 > 1, 'a', 'b') ${D}`, 'unsupported function multiIf()'],
    [AE_SQL_DOCS.conditional, `SELECT CASE WHEN double1 > 0 THEN 'a' END ${D}`, 'CASE expressions are not supported, use if()'],
    [AE_SQL_DOCS.string, `SELECT concat(blob1, blob2) ${D}`, 'unsupported function concat()'],
    [AE_SQL_DOCS.string, `SELECT replaceAll(blob1, 'a', 'b') ${D}`, 'unsupported function replaceAll()'],
    [AE_SQL_DOCS.string, `SELECT position(blob1, ':') ${D}`, 'position(needle IN haystack)'],
    [AE_SQL_DOCS.string, `SELECT extract(WEEK FROM timestamp) ${D}`, 'unsupported extract unit WEEK'],
    [AE_SQL_DOCS.string, `SELECT extract(blob1, 'a.') ${D}`, 'extract takes (<unit> FROM <datetime>)'],
    [AE_SQL_DOCS.dateTime, `SELECT toStartOfQuarter(timestamp) ${D}`, 'unsupported function toStartOfQuarter()'],
    [AE_SQL_DOCS.dateTime, `SELECT toDate(timestamp) ${D}`, 'unsupported function toDate()'],
    [AE_SQL_DOCS.dateTime, `SELECT dateDiff('day', timestamp, now()) ${D}`, 'unsupported function dateDiff()'],
    [AE_SQL_DOCS.dateTime, `SELECT toStartOfWeek(timestamp, 0) ${D}`, 'toStartOfWeek() takes 1 argument'],
    [AE_SQL_DOCS.mathematical, `SELECT sqrt(double1) ${D}`, 'unsupported function sqrt()'],
    [AE_SQL_DOCS.mathematical, `SELECT intDiv(double1) ${D}`, 'intDiv() takes 2 arguments'],
    // literals
    [AE_SQL_DOCS.literals, `SELECT count() ${D} WHERE timestamp > now() - INTERVAL 7 DAY`, `INTERVAL takes a quoted number, as in INTERVAL '7' DAY`],
    [AE_SQL_DOCS.literals, `SELECT count() ${D} WHERE timestamp > now() - INTERVAL '1' WEEK`, 'unsupported INTERVAL unit WEEK'],
    [AE_SQL_DOCS.literals, `SELECT count() ${D} WHERE timestamp > now() - INTERVAL '1' QUARTER`, 'unsupported INTERVAL unit QUARTER'],
    [AE_SQL_DOCS.literals, `SELECT count() ${D} WHERE timestamp > now() - INTERVAL '1.5' DAY`, 'INTERVAL takes a whole number'],
    [AE_SQL_DOCS.literals, `SELECT NULL`, 'NULL literals are not supported'],
    [AE_SQL_DOCS.literals, `SELECT 1e6`, 'unsupported number literal 1e6'],
    [AE_SQL_DOCS.literals, `SELECT [1, 2]`, 'unexpected character "["'],
    [AE_SQL_DOCS.literals, `SELECT (1, 2)`, 'tuples are not supported'],
    // operators
    [AE_SQL_DOCS.operators, `SELECT count() ${D} WHERE index1 IN (SELECT index1 ${D})`, 'subqueries are only supported in FROM'],
    [AE_SQL_DOCS.operators, `SELECT count() ${D} WHERE index1 IN usage_analytics`, 'IN takes a list in parentheses'],
    [AE_SQL_DOCS.operators, `SELECT count() ${D} WHERE blob1 IS NULL`, 'IS NULL is not supported'],
    [AE_SQL_DOCS.operators, `SELECT count() ${D} WHERE blob1 == 'a'`, 'unsupported operator =='],
    [AE_SQL_DOCS.operators, `SELECT blob1 || blob2 ${D}`, 'the || operator is not supported'],
    [AE_SQL_DOCS.operators, `SELECT count() ${D} WHERE blob1 LIKE 'a!%' ESCAPE '!'`, 'LIKE ... ESCAPE is not supported'],
    // statements
    [AE_SQL_DOCS.statements, `SELECT DISTINCT blob1 ${D}`, 'SELECT DISTINCT is not supported'],
    [AE_SQL_DOCS.statements, `SELECT (SELECT count() ${D}) AS n`, 'subqueries are only supported in FROM'],
    [AE_SQL_DOCS.statements, `SELECT n FROM (SELECT count() AS n ${D}) AS t`, 'table aliases are not supported'],
    [AE_SQL_DOCS.statements, `SELECT * ${D} a, usage_analytics_staging LIMIT 1`, 'JOINs are not supported'],
    [AE_SQL_DOCS.statements, `SELECT * ${D}, file('/etc/passwd')`, 'JOINs are not supported'],
    [AE_SQL_DOCS.statements, `SELECT * ${D} a JOIN usage_analytics b ON a.index1 = b.index1`, 'JOINs are not supported'],
    [AE_SQL_DOCS.statements, `SELECT 1 UNION ALL SELECT 2`, 'UNIONs are not supported'],
    [AE_SQL_DOCS.statements, `WITH 1 AS x SELECT x`, 'only SELECT and SHOW statements are supported'],
    [AE_SQL_DOCS.statements, `SELECT count() n ${D}`, 'write AS before the alias n'],
    [AE_SQL_DOCS.statements, `SELECT blob1 ${D} LIMIT 10, 20`, 'LIMIT n, m is not supported'],
    [AE_SQL_DOCS.statements, `SELECT blob1 ${D} ORDER BY blob1 NULLS LAST`, 'NULLS FIRST and NULLS LAST are not supported'],
    [AE_SQL_DOCS.statements, `SELECT blob1 ${D} GROUP BY blob1 WITH TOTALS`, 'WITH is not supported'],
    [AE_SQL_DOCS.statements, `SELECT 1 FORMAT CSV`, 'unsupported format CSV'],
    [AE_SQL_DOCS.statements, `SHOW DATABASES`, 'only SHOW TABLES, SHOW TIMEZONES and SHOW TIMEZONE are supported'],
    [AE_SQL_DOCS.statements, `SELECT count() FROM analytics_engine.usage_analytics`, 'qualified names are not supported'],
    [AE_SQL_DOCS.statements, `SELECT count() FROM nope`, 'unknown dataset nope'],
    // how a query is written
    [AE_SQL_DOCS.statements, `SELECT "blob1" ${D}`, '"-quoted identifiers are not supported'],
    [AE_SQL_DOCS.statements, 'SELECT `blob1` ' + D, '`-quoted identifiers are not supported'],
    [AE_SQL_DOCS.statements, `SELECT 1 /* hidden */`, '/* */ comments are not supported; use --'],
  ])('%s: %s', (_page, query, expected) => {
    const got = reason(query);
    expect(got).toMatch(/^Input was invalid: /);
    expect(got).toContain(expected);
    expect(() => parseQuery(query, options)).toThrow(expected);
  });
});

describe('checkers for SQL the product generates', () => {
  it('checkAeSql accepts any valid dataset name when none are given', () => {
    expect(checkAeSql('SELECT count() FROM usage_analytics_staging')).toEqual({ ok: true });
    expect(checkAeSql('SELECT uniq(index1) FROM usage_analytics')).toEqual({ ok: false, reason: 'Input was invalid: unsupported function uniq()' });
  });

  it('checkAnalyticsSql is the Analytics SQL dialect\'s, from the same module', () => {
    expect(checkAnalyticsSql(`SELECT COUNT() FROM events.analyticsEngine.usage_analytics WHERE timestamp >= $1`)).toEqual({ ok: true });
    expect(checkAnalyticsSql(`SELECT COUNT() FROM usage_analytics WHERE timestamp >= $1`)).toMatchObject({ ok: false });
  });
});
