/**
 * The Analytics SQL API over the local store, the service behind the local stand-in for the Workers
 * Analytics SQL binding (`LocalAnalyticsSql` in entrypoint.ts). Request `{ query, params }` (or
 * raw SQL), answer `{ data, rows, statistics: { elapsed_ms, rows_read, bytes_read } }`, errors as
 * the SQL API documents them: https://developers.cloudflare.com/analytics/sql-api/errors/
 *
 * Cloudflare serves this API at `/client/v4/analytics/sql` with the account in a `scope` (or, for
 * the binding, from the Worker). Locally the account is in the path, as for AE's SQL API, because
 * the route stands in for the binding: account scope comes with the request, not in it.
 */
import { prepareAnalyticsSql } from './analytics-sql.ts';
import { SqlApiError } from './sql/errors.ts';
import { classifyEngineError, queryLimits, text, type SqlAnswer, type SqlApiConfig } from './sql-api.ts';
import type { Store } from './store.ts';

export interface AnalyticsSqlRequest {
  query?: unknown;
  params?: unknown;
}

/** Statuses the SQL API's errors page says to retry: "Retry `429`, `500`, `503`, and `507`". */
export const RETRYABLE_STATUSES = new Set([429, 500, 503, 507]);

/**
 * "Authentication errors rejected by the API gateway use the standard Cloudflare API JSON response
 * envelope" with status 400 (errors page). The envelope's code is not on that page; 10000 is the
 * one Cloudflare's API uses for authentication errors (README: an assumption).
 */
export function gatewayAuthError(): SqlAnswer {
  return {
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null }),
  };
}

/** Reads a request body: JSON `{ query, params }`, or raw SQL ("POST also accepts raw SQL", query-api page). */
export function parseRequestBody(body: string, contentType: string | undefined): AnalyticsSqlRequest | SqlAnswer {
  const looksJson = /^application\/json\b/i.test(contentType ?? '') || body.trimStart().startsWith('{');
  if (!looksJson) return { query: body };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return text(400, 'The request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return text(400, 'The request body must be a JSON object with a query and optional params');
  }
  const request = parsed as Record<string, unknown>;
  // "The binding derives account scope from the Worker. It does not accept `scope` or
  // `time_range` request properties." (https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/)
  for (const field of ['scope', 'time_range']) {
    if (field in request) {
      return text(422, `Input was invalid: ${field} is not accepted by the binding; account scope comes from the Worker and the time bound belongs in SQL`);
    }
  }
  return { query: request.query, params: request.params };
}

export async function runAnalyticsSql(store: Store, config: SqlApiConfig, request: AnalyticsSqlRequest): Promise<SqlAnswer> {
  let prepared;
  try {
    if (request.query === undefined || request.query === '') throw new SqlApiError(422, 'Input was invalid: query is required');
    prepared = prepareAnalyticsSql(request.query, request.params, {
      datasets: store.datasets(),
      tableFor: (d) => store.tableFor(d),
    });
  } catch (error) {
    if (error instanceof SqlApiError) return text(error.status, error.message);
    throw error;
  }
  let output: string;
  try {
    const limits = queryLimits(config);
    output = await store.query(prepared.sql, {
      format: 'JSON',
      ...limits,
      // The SQL API's docs show counts as JSON numbers ({"requests":125430}) but do not document
      // value typing; ClickHouse's quoting of 64-bit integers is turned off so counts are numbers.
      settings: { ...limits.settings, output_format_json_quote_64bit_integers: 0 },
    });
  } catch (error) {
    const failure = classifyEngineError(error);
    // "507 The data store could not complete the query within its resource limits. Reduce the
    // time range, selected data, or result size." (errors page)
    if (failure.kind !== 'invalid') {
      return text(507, `The query could not complete within the data store's resource limits: ${failure.reason}`);
    }
    return text(422, `Input was invalid: ${failure.reason}`);
  }
  const json = JSON.parse(output) as {
    data: Record<string, unknown>[];
    rows: number;
    statistics?: { elapsed?: number; rows_read?: number; bytes_read?: number };
  };
  // "Execution statistics do not include queue time, retries, network transfer, or client-side
  // processing. A value can be `0` when the data store does not report that statistic." (query-api page)
  const stats = json.statistics ?? {};
  const body = {
    data: json.data,
    rows: json.rows,
    statistics: {
      elapsed_ms: Math.round((stats.elapsed ?? 0) * 1000),
      rows_read: stats.rows_read ?? 0,
      bytes_read: stats.bytes_read ?? 0,
    },
  };
  return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
}
