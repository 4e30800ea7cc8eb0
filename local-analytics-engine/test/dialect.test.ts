/**
 * What the dialect check hands to ClickHouse: exactly the tokens it checked, with the dataset
 * qualified, AE's INTERVAL literals and function spellings translated, and comments gone.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery, tokenize } from '../src/dialect.ts';

const options = { datasets: new Set(['usage_analytics']), tableFor: (d: string) => `analytics_engine.${d}` };

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
      sql: 'SELECT index1 , sum ( _sample_interval ) AS n FROM analytics_engine.usage_analytics WHERE timestamp > now ( ) - INTERVAL 7 DAY GROUP BY index1',
      format: 'JSON',
      dataset: 'usage_analytics',
    });
  });

  it('keeps string literals intact, quotes and escapes included', () => {
    const parsed = parseQuery(`SELECT count() FROM usage_analytics WHERE index1 = 'it\\'s -- not a comment' OR blob1 = 'a''b'`, options);
    expect(parsed.kind === 'select' && parsed.sql).toContain(`'it\\'s -- not a comment' OR blob1 = 'a''b'`);
  });

  it('treats a keyword inside a string as text', () => {
    expect(parseQuery(`SELECT count() FROM usage_analytics WHERE blob1 = 'JOIN UNION DROP'`, options).kind).toBe('select');
  });

  it('refuses unterminated strings and comments', () => {
    expect(() => tokenize(`SELECT 'open`)).toThrow(/unterminated string/);
    expect(() => tokenize(`SELECT 1 /* open`)).toThrow(/unterminated comment/);
  });
});
