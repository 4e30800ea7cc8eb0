/**
 * AE's own HTTP SQL API, for the one answer the Analytics SQL binding cannot give: the limit
 * recommendations aggregate per minute, then per user-day, then per event, and the binding's dialect
 * lets a derived table's outer query do no aggregation
 * (https://developers.cloudflare.com/analytics/sql-api/sql-reference/statements/), while AE's SQL API
 * takes `FROM (subquery)` (https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/statements/).
 *
 * `POST /client/v4/accounts/<account_id>/analytics_engine/sql`, raw SQL as the body, `Authorization:
 * Bearer <token>` (https://developers.cloudflare.com/analytics/analytics-engine/sql-api/). AE's SQL
 * API has no bound parameters: callers put only validated enums and whole numbers into the SQL.
 * "Every time you post to Workers Analytics Engine's SQL API, this counts as one read query"
 * (https://developers.cloudflare.com/analytics/analytics-engine/pricing/), so each POST is counted
 * with the binding's reads. The token goes in the Authorization header only, never into a message.
 */
import type { Env } from '../env.ts';
import { httpError } from '../errors.ts';
import { countRead } from './analytics-sql.ts';

export const CLOUDFLARE_API = 'https://api.cloudflare.com';
const DEFAULT_TIMEOUT_MS = 65_000;
const DEFAULT_RETRY_AFTER_S = '30';

export type SqlApiEnv = Pick<Env, 'CF_API_BASE_URL' | 'CF_ACCOUNT_ID' | 'CF_ANALYTICS_TOKEN' | 'CF_SQL_TIMEOUT_MS' | 'DB'>;

export interface AeJson<Row = Record<string, unknown>> {
  meta: { name: string; type: string }[];
  data: Row[];
  rows: number;
}

export function sqlApiUrl(env: Pick<Env, 'CF_API_BASE_URL' | 'CF_ACCOUNT_ID'>): string {
  const base = (env.CF_API_BASE_URL || CLOUDFLARE_API).replace(/\/+$/, '');
  return `${base}/client/v4/accounts/${encodeURIComponent(env.CF_ACCOUNT_ID ?? '')}/analytics_engine/sql`;
}

/** AE answers errors as text, Cloudflare's API gateway as `{ errors: [{ message }] }`. */
function upstreamMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string }[]; error?: string };
    const message = parsed.errors?.[0]?.message ?? parsed.error;
    if (message) return message;
  } catch {
    // not JSON: AE's plain-text error
  }
  return body.trim().slice(0, 500) || '(empty answer)';
}

/** One SQL statement (FORMAT JSON is appended), one read on AE's bill. */
export async function runAeSql<Row = Record<string, unknown>>(env: SqlApiEnv, sql: string, waitUntil: (p: Promise<unknown>) => void): Promise<Row[]> {
  const missing = (['CF_ACCOUNT_ID', 'CF_ANALYTICS_TOKEN'] as const).filter((name) => !env[name]);
  if (missing.length) {
    throw httpError(
      503,
      `limit recommendations read Analytics Engine's SQL API: set ${missing.join(' and ')} ` +
        '(the account, and an API token with Account Analytics Read)',
    );
  }
  const timeoutMs = Number(env.CF_SQL_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  countRead(env, waitUntil);
  let res: Response;
  try {
    res = await fetch(sqlApiUrl(env), {
      method: 'POST',
      headers: { authorization: `Bearer ${env.CF_ANALYTICS_TOKEN}`, 'content-type': 'text/plain' },
      body: `${sql}\nFORMAT JSON`,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw httpError(504, `Analytics Engine SQL API did not answer within ${timeoutMs / 1000} s`);
    }
    throw httpError(502, `Analytics Engine SQL API is unreachable: ${(error as Error).message}`);
  }
  let body: string;
  try {
    body = await res.text();
  } catch (error) {
    throw httpError(502, `Analytics Engine SQL API answer was cut off: ${(error as Error).message}`);
  }
  if (res.status === 401 || res.status === 403) {
    throw httpError(
      502,
      `Analytics Engine SQL API refused the credentials (${res.status}): Analytics Engine may not be enabled ` +
        'for this account yet, or CF_ANALYTICS_TOKEN lacks the Account Analytics Read permission for CF_ACCOUNT_ID',
    );
  }
  if (res.status === 429 || res.status === 500 || res.status === 503 || res.status === 504 || res.status === 507) {
    throw httpError(503, `Analytics Engine SQL API could not answer now (${res.status}: ${upstreamMessage(body)}); try again later`, {
      'retry-after': res.headers.get('retry-after') ?? DEFAULT_RETRY_AFTER_S,
    });
  }
  if (!res.ok) {
    throw httpError(502, `Analytics Engine SQL API rejected the query (${res.status}): ${upstreamMessage(body)}`);
  }
  let parsed: AeJson<Row>;
  try {
    parsed = JSON.parse(body) as AeJson<Row>;
  } catch {
    throw httpError(502, 'Analytics Engine SQL API answered with malformed JSON');
  }
  if (!parsed || !Array.isArray(parsed.data)) throw httpError(502, 'Analytics Engine SQL API answered JSON without data');
  return parsed.data;
}
