/**
 * The AE SQL API client: one POST per query, and every way it can fail turned into an error the
 * caller can act on. The token goes in the Authorization header only, never into a message.
 */
import type { Env } from '../env.ts';
import { httpError } from '../errors.ts';

export const CLOUDFLARE_API = 'https://api.cloudflare.com';
const DEFAULT_TIMEOUT_MS = 65_000;
const DEFAULT_RETRY_AFTER_S = '30';

export interface AeColumn {
  name: string;
  type: string;
}

export interface AeJson<Row = Record<string, unknown>> {
  meta: AeColumn[];
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

export async function runAeSql<Row = Record<string, unknown>>(
  env: Pick<Env, 'CF_API_BASE_URL' | 'CF_ACCOUNT_ID' | 'CF_ANALYTICS_TOKEN' | 'CF_SQL_TIMEOUT_MS'>,
  sql: string,
): Promise<AeJson<Row>> {
  if (!env.CF_ACCOUNT_ID || !env.CF_ANALYTICS_TOKEN) {
    throw httpError(503, 'usage analytics is not configured: set CF_ACCOUNT_ID and CF_ANALYTICS_TOKEN');
  }
  const timeoutMs = Number(env.CF_SQL_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  let res: Response;
  try {
    res = await fetch(sqlApiUrl(env), {
      method: 'POST',
      headers: { authorization: `Bearer ${env.CF_ANALYTICS_TOKEN}`, 'content-type': 'text/plain' },
      body: sql,
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
  if (res.status === 429 || res.status === 503 || res.status === 504) {
    const reason = res.status === 429 ? 'rate-limited the query' : res.status === 503 ? 'queued the query too long' : 'timed out';
    throw httpError(503, `Analytics Engine SQL API ${reason} (${res.status}); try again later`, {
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
  if (!parsed || !Array.isArray(parsed.data) || !Array.isArray(parsed.meta)) {
    throw httpError(502, 'Analytics Engine SQL API answered JSON without meta and data');
  }
  return parsed;
}
