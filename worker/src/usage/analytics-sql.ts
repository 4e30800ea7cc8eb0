/**
 * Reads AE through the Analytics SQL binding: no HTTP round trip and no API token, and every value
 * travels as a bound parameter. Each call is one read query on AE's bill, so each is counted in D1
 * per UTC day; every way a read can fail becomes an error the caller can act on.
 *
 * The binding's errors carry only `retryable` (https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/):
 * retry "only when this property is true"; the service's own texts follow
 * https://developers.cloudflare.com/analytics/sql-api/errors/ ("Input was invalid: …" for 422).
 */
import { AE_QUERY_LIMITS } from '@usage-lens/contract';
import { HTTPException } from 'hono/http-exception';
import type { Env } from '../env.ts';
import { httpError } from '../errors.ts';
import type { Read } from './read-sql.ts';

/** What AE allows one statement (https://developers.cloudflare.com/analytics/sql-api/limits/). */
export const MAX_STATEMENT_BYTES = 10 * 1024;

const RETRY_AFTER_S = '30';

/** Waits a little longer than AE runs a query, so AE's own timeout is the one callers see. */
const timeoutMs = (env: Pick<Env, 'ANALYTICS_SQL_TIMEOUT_MS'>) =>
  Number(env.ANALYTICS_SQL_TIMEOUT_MS) || (AE_QUERY_LIMITS.timeoutSeconds + 5) * 1000;

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Adds one read to today's count; never delays or fails the read it counts. */
export function countRead(env: Pick<Env, 'DB'>, waitUntil: (p: Promise<unknown>) => void): void {
  waitUntil(
    env.DB.prepare('insert into ae_read (day, reads) values (?, 1) on conflict (day) do update set reads = reads + 1')
      .bind(utcDay(Date.now()))
      .run()
      .catch((error: unknown) => console.warn('counting an AE read failed', error)),
  );
}

export async function readsOn(db: D1Database, day: string): Promise<number> {
  const row = await db.prepare('select reads from ae_read where day = ?').bind(day).first<{ reads: number }>();
  return row?.reads ?? 0;
}

/** The service's text, or the message inside Cloudflare's API envelope (`{ errors: [{ message }] }`). */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  try {
    const envelope = JSON.parse(text) as { errors?: { code?: number; message?: string }[] };
    const first = envelope.errors?.[0];
    if (first?.message) return first.code ? `${first.message} (${first.code})` : first.message;
  } catch {
    // plain text, as the SQL service answers
  }
  return text;
}

function describe(error: unknown): Error {
  const message = messageOf(error);
  if ((error as { retryable?: unknown } | null)?.retryable === true) {
    return httpError(503, `Analytics Engine could not answer now; try again later: ${message}`, { 'retry-after': RETRY_AFTER_S });
  }
  if (/authentication error|unable to authorize|unable to resolve account|\b403\b/i.test(message)) {
    return httpError(
      502,
      `Analytics Engine refused the read: ${message}. Analytics Engine may not be enabled for this account yet, ` +
        "or the account's Workers Analytics Engine entitlement does not cover this dataset",
    );
  }
  if (/^Input was invalid/.test(message)) return httpError(502, `Analytics Engine rejected the query: ${message}`);
  return httpError(502, `Analytics Engine read failed: ${message}`);
}

export async function runRead<Row extends Record<string, unknown>>(
  env: Pick<Env, 'ANALYTICS_SQL' | 'ANALYTICS_SQL_TIMEOUT_MS' | 'DB'>,
  read: Read,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Row[]> {
  const binding = env.ANALYTICS_SQL;
  if (!binding) {
    throw httpError(503, 'usage analytics is not configured: bind ANALYTICS_SQL (an [analytics] binding in wrangler.toml)');
  }
  const ms = timeoutMs(env);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(httpError(504, `Analytics Engine did not answer within ${ms / 1000} s`)), ms);
  });
  countRead(env, waitUntil);
  try {
    const result = await Promise.race([binding.query<Row>(read), timeout]);
    if (!result || !Array.isArray(result.data)) throw httpError(502, 'Analytics Engine answered without rows');
    return result.data;
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw describe(error);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
