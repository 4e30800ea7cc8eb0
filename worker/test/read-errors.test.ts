/**
 * Every way a read can fail becomes an error the caller can act on: retryable answers (and an
 * unreachable service) → 503 with Retry-After; a refused account → 502 saying what to check; an
 * invalid query → 502 with AE's reason; slower than the worker waits → 504; no binding → 503. The invalid
 * query, the refused token and the unreachable service are real (the local AE); the rest come from
 * the labelled fake in fault-server.ts through the real binding entrypoint.
 */
import { env } from 'cloudflare:workers';
import { HTTPException } from 'hono/http-exception';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { runRead } from '../src/usage/analytics-sql.ts';
import { totalsRead } from '../src/usage/read-sql.ts';
import { call, signUpAdmin, type Caller } from './helpers.ts';

const TOTALS = totalsRead('usage_analytics', { from: Date.now() - 3_600_000, to: Date.now(), users: [], orgs: [], events: [] });
const noWait = () => undefined;

async function failure(overrides: Partial<Env>, read = TOTALS) {
  try {
    await runRead({ ...env, ...overrides }, read, noWait);
  } catch (error) {
    expect(error).toBeInstanceOf(HTTPException);
    const res = (error as HTTPException).getResponse();
    return { status: res.status, message: (error as HTTPException).message, retryAfter: res.headers.get('retry-after') };
  }
  throw new Error('expected the read to fail');
}

const scenario = (kind: string) => fetch(`${env.TEST_FAULT_URL}/__scenario/${kind}`, { method: 'POST' });

describe('against the real local AE', () => {
  it('answers a valid read', async () => {
    const rows = await runRead(env, TOTALS, noWait);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]).sort()).toEqual(['e_auth', 'e_chat', 'e_ingest', 'e_sync', 'e_sync_auth', 'errors', 'events', 'over_limit', 'users']);
  });

  it("an invalid query is a 502 carrying AE's reason", async () => {
    const f = await failure({}, { query: 'SELECT COUNT() AS n FROM events.analyticsEngine.usage_analytics', params: {} });
    expect(f.status).toBe(502);
    expect(f.message).toMatch(/rejected the query: Input was invalid/);
  });

  it('a refused account is a 502 that says what to check', async () => {
    const f = await failure({ ANALYTICS_SQL: env.FORBIDDEN_ANALYTICS_SQL });
    expect(f.status).toBe(502);
    expect(f.message).toMatch(/may not be enabled/);
    expect(f.message).not.toContain('wrong-token');
  });

  it('an unreachable service is a 503 to retry, as the entrypoint marks it retryable', async () => {
    const f = await failure({ ANALYTICS_SQL: env.UNREACHABLE_ANALYTICS_SQL });
    expect(f.status).toBe(503);
    expect(f.retryAfter).toBe('30');
  });

  it('no binding is a 503 naming it', async () => {
    const f = await failure({ ANALYTICS_SQL: undefined });
    expect(f.status).toBe(503);
    expect(f.message).toContain('ANALYTICS_SQL');
  });
});

describe('against the fake, through the real entrypoint', () => {
  it.each(['429', '500', '503', '507'])('a retryable %s is a 503 with Retry-After', async (kind) => {
    await scenario(kind);
    const f = await failure({ ANALYTICS_SQL: env.FAULTY_ANALYTICS_SQL });
    expect(f.status).toBe(503);
    expect(f.retryAfter).toBe('30');
  });

  it('an answer that is not the documented JSON is a 502', async () => {
    await scenario('malformed');
    expect((await failure({ ANALYTICS_SQL: env.FAULTY_ANALYTICS_SQL })).status).toBe(502);
  });

  it('an answer slower than ANALYTICS_SQL_TIMEOUT_MS is a 504', async () => {
    await scenario('slow');
    expect(await failure({ ANALYTICS_SQL: env.FAULTY_ANALYTICS_SQL, ANALYTICS_SQL_TIMEOUT_MS: '300' })).toMatchObject({ status: 504 });
  });
});

describe('through the usage API', () => {
  let admin: Caller;
  beforeAll(async () => {
    admin = await signUpAdmin();
  });

  it('a failing read leaves the app answering and the usage API explaining', async () => {
    await scenario('429');
    const original = env.ANALYTICS_SQL;
    (env as { ANALYTICS_SQL?: AnalyticsSQLBinding }).ANALYTICS_SQL = env.FAULTY_ANALYTICS_SQL;
    try {
      const res = await call('/api/admin/usage', { token: admin.token });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(await res.json()).toMatchObject({ error: expect.stringContaining('try again later') });
      expect((await call('/api/auth/me', { token: admin.token })).status).toBe(200);
    } finally {
      (env as { ANALYTICS_SQL?: AnalyticsSQLBinding }).ANALYTICS_SQL = original;
    }
  });
});
