/**
 * AE's SQL API over the local store: bearer check, the dialect check, ClickHouse, and the answer in
 * the shape Cloudflare sends (JSON with meta/data/rows, JSONEachRow, TabSeparated; errors as text).
 */
import { timingSafeEqual } from 'node:crypto';
import { parseQuery, SqlApiError, type OutputFormat } from './dialect.ts';
import type { Store } from './store.ts';

export interface SqlApiConfig {
  accountId: string;
  token: string;
  timeoutSeconds: number;
  maxResultRows: number;
  /** Bytes of one answer before the query is stopped (ClickHouse's max_result_bytes). */
  maxResultBytes: number;
  /** Memory one query may use (ClickHouse's max_memory_usage). */
  maxQueryMemoryBytes: number;
}

/**
 * The per-query limits, as ClickHouse settings; AE publishes none of its own (README). Aggregations
 * and sorts past a quarter of the memory limit go on in temporary files rather than failing: a month
 * of per-minute counts for 100,000 users (the limit recommendations) holds millions of groups. A
 * quarter, not a half, because a hash table grows by doubling and the old one lives while it copies.
 */
export function queryLimits(config: SqlApiConfig) {
  const spillAt = Math.floor(config.maxQueryMemoryBytes / 4);
  return {
    timeoutSeconds: config.timeoutSeconds,
    maxResultRows: config.maxResultRows,
    settings: {
      max_result_bytes: config.maxResultBytes,
      max_memory_usage: config.maxQueryMemoryBytes,
      max_bytes_before_external_group_by: spillAt,
      max_bytes_before_external_sort: spillAt,
    },
  };
}

export interface SqlAnswer {
  status: number;
  contentType: string;
  body: string;
}

const CONTENT_TYPES: Record<OutputFormat, string> = {
  JSON: 'application/json',
  JSONEachRow: 'application/x-ndjson',
  TabSeparated: 'text/tab-separated-values; charset=utf-8',
};

export const text = (status: number, body: string): SqlAnswer => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body,
});

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function authorized(config: SqlApiConfig, account: string, header: string | undefined): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && sameSecret(match[1], config.token) && sameSecret(account, config.accountId);
}

/** ClickHouse error codes worth telling apart; the rest are an invalid query. */
const TIMEOUT_CODES = new Set([159, 160, 209]);
/** Memory, rows or bytes past this query's limits (MEMORY_LIMIT_EXCEEDED, TOO_MANY_ROWS_OR_BYTES, …). */
const RESOURCE_CODES = new Set([158, 241, 307, 396]);

export type EngineFailure = { kind: 'timeout' | 'resources' | 'invalid'; reason: string };

/** What a ClickHouse error means for the caller, with its reason cleaned of our internals. */
export function classifyEngineError(error: unknown): EngineFailure {
  const e = error as { clickhouseCode?: number; message?: string };
  // Keep ClickHouse's reason, drop its code prefix and the echo of our internal table names.
  const message = String(e.message ?? error).split('\n')[0];
  const code = /\(([A-Z_]+)\)\s*(?:\(version [^)]*\))?\s*$/.exec(message)?.[1];
  const reason = message
    .replace(/^(?:Query failed: )?Code: \d+\. DB::Exception: /, '')
    .replace(/ in scope [\s\S]*$/i, '')
    .replace(/\s*\([A-Z_]+\)\s*(?:\(version [^)]*\))?\s*$/, '')
    .replace(/analytics_engine\./g, '');
  const withCode = `${reason}${code ? ` (${code})` : ''}`;
  if (e.clickhouseCode !== undefined && TIMEOUT_CODES.has(e.clickhouseCode)) return { kind: 'timeout', reason: withCode };
  if (e.clickhouseCode !== undefined && RESOURCE_CODES.has(e.clickhouseCode)) return { kind: 'resources', reason: withCode };
  return { kind: 'invalid', reason: withCode };
}

/**
 * AE's SQL API documents no errors; the local AE answers 504 past the time limit (as Cloudflare's
 * API gateway does past 60 s) and 422 for a query past its memory or result-size limits, since
 * sending it again cannot help (README: an assumption).
 */
export function describeEngineError(error: unknown): SqlAnswer {
  const failure = classifyEngineError(error);
  if (failure.kind === 'timeout') return text(504, 'Query timed out');
  if (failure.kind === 'resources') return text(422, `Input was invalid: the query exceeded the local AE's resource limits: ${failure.reason}`);
  return text(422, `Input was invalid: ${failure.reason}`);
}

function reshape(format: OutputFormat, output: string): string {
  if (format !== 'JSON') return output;
  // AE answers compact JSON without ClickHouse's execution statistics.
  const { statistics: _statistics, ...rest } = JSON.parse(output) as Record<string, unknown>;
  return JSON.stringify(rest);
}

export async function runSql(store: Store, config: SqlApiConfig, sql: string): Promise<SqlAnswer> {
  let parsed;
  try {
    parsed = parseQuery(sql, { datasets: store.datasets(), tableFor: (d) => store.tableFor(d) });
  } catch (error) {
    if (error instanceof SqlApiError) return text(error.status, error.message);
    throw error;
  }
  let statement: string;
  if (parsed.kind === 'show_tables') {
    const names = [...store.datasets()].sort().map((d) => `'${d}'`);
    statement = names.length
      ? `SELECT arrayJoin([${names.join(', ')}]) AS dataset`
      : `SELECT '' AS dataset WHERE 0`;
  } else if (parsed.kind === 'show_timezones') {
    statement = 'SELECT time_zone AS name FROM system.time_zones ORDER BY name';
  } else if (parsed.kind === 'show_timezone') {
    // "SHOW TIMEZONE responds with the current default timezone ... This should always be Etc/UTC."
    // https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/statements/
    statement = `SELECT 'Etc/UTC' AS timezone`;
  } else {
    statement = parsed.sql;
  }
  try {
    const output = await store.query(statement, { format: parsed.format, ...queryLimits(config) });
    return { status: 200, contentType: CONTENT_TYPES[parsed.format], body: reshape(parsed.format, output) };
  } catch (error) {
    return describeEngineError(error);
  }
}
