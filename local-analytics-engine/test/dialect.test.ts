/**
 * What the dialect check hands to ClickHouse: SQL printed from the checked tree, with the dataset
 * qualified, AE's INTERVAL literals and function spellings translated, and comments gone.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../src/dialect.ts';
import { tokenize } from '../src/sql/lexer.ts';

const options = { datasets: new Set(['usage_analytics']), tableFor: (d: string) => `analytics_engine.${d}` };
const lex = (sql: string) => tokenize(sql, { strings: 'clickhouse', identifierQuotes: '"`', params: false });

describe('parseQuery', () => {
  it('qualifies the dataset, translates INTERVAL and canonicalises function names', () => {
    const parsed = parseQuery(
      `SELECT index1, sum(_sample_interval) AS n -- per user
       FROM usage_analytics WHERE timestamp > now() - INTERVAL '7' DAY /* last week */
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

  it('keeps string literals intact, quotes and escapes included', () => {
    const parsed = parseQuery(`SELECT count() FROM usage_analytics WHERE index1 = 'it\\'s -- not a comment' OR blob1 = 'a''b'`, options);
    expect(parsed.kind === 'select' && parsed.sql).toContain(`'it\\'s -- not a comment') OR (\`blob1\` = 'a''b')`);
  });

  it('treats a keyword inside a string as text', () => {
    expect(parseQuery(`SELECT count() FROM usage_analytics WHERE blob1 = 'JOIN UNION DROP'`, options).kind).toBe('select');
  });

  it('refuses unterminated strings and comments', () => {
    expect(() => lex(`SELECT 'open`)).toThrow(/unterminated string/);
    expect(() => lex(`SELECT 1 /* open`)).toThrow(/unterminated comment/);
  });

  it('reads exactly one source in FROM: the dataset or one subquery of it', () => {
    for (const sql of [
      'SELECT * FROM usage_analytics AS a, "/etc/hostname" LIMIT 1',
      'SELECT * FROM (SELECT index1 FROM usage_analytics) AS s, usage_analytics',
      "SELECT * FROM usage_analytics, file('/etc/passwd')",
      'SELECT count() FROM usage_analytics a, usage_analytics b, usage_analytics c, usage_analytics d',
    ]) {
      expect(() => parseQuery(sql, options), sql).toThrow(/^Input was invalid: JOINs are not supported/);
    }
    expect(() => parseQuery("SELECT * FROM file('/etc/passwd')", options)).toThrow(/table functions are not supported/);
    expect(parseQuery('SELECT n FROM (SELECT count() AS n FROM usage_analytics) AS s', options).kind).toBe('select');
  });
});
