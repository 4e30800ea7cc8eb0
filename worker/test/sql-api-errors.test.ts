/**
 * SQL API failures become clear errors: 403 → 502 (AE not enabled / token lacks the permission),
 * 422 → 502 with AE's message, 429/503/504 → 503 with Retry-After, unreachable → 502, too slow →
 * 504, malformed → 502. 403, 422 and unreachable come from the real local AE; the rest from the
 * fake in fault-server.ts.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { HTTPException } from 'hono/http-exception';
import { runAeSql } from '../src/usage/sql-api.ts';
import { call, signUpAdmin, type Caller } from './helpers.ts';

async function failure(overrides: Partial<typeof env>, sql = 'SELECT 1 FORMAT JSON') {
  try {
    await runAeSql({ ...env, ...overrides }, sql);
  } catch (error) {
    expect(error).toBeInstanceOf(HTTPException);
    const res = (error as HTTPException).getResponse();
    return { status: res.status, message: (error as HTTPException).message, retryAfter: res.headers.get('retry-after') };
  }
  throw new Error('expected runAeSql to fail');
}

describe('against the real local AE', () => {
  it('answers a valid query', async () => {
    const answer = await runAeSql(env, "SELECT 'ok' AS v FORMAT JSON");
    expect(answer.data).toEqual([{ v: 'ok' }]);
  });

  it('a wrong token (AE 403) is a 502 that says what to check', async () => {
    const f = await failure({ CF_ANALYTICS_TOKEN: 'wrong' });
    expect(f.status).toBe(502);
    expect(f.message).toMatch(/not be enabled.*Account Analytics Read/);
    expect(f.message).not.toContain('wrong');
  });

  it('an invalid query (AE 422) is a 502 carrying AE\'s reason', async () => {
    const f = await failure({}, 'SELECT * FROM usage_analytics JOIN x FORMAT JSON');
    expect(f).toMatchObject({ status: 502 });
    expect(f.message).toContain('Input was invalid: JOINs are not supported');
  });

  it('an unreachable API is a 502', async () => {
    const f = await failure({ CF_API_BASE_URL: 'http://127.0.0.1:9' });
    expect(f.status).toBe(502);
    expect(f.message).toMatch(/unreachable/);
  });

  it('missing settings are a 503 naming them', async () => {
    const f = await failure({ CF_ANALYTICS_TOKEN: '' });
    expect(f.status).toBe(503);
    expect(f.message).toContain('CF_ANALYTICS_TOKEN');
  });
});

describe('against the fake for throttling, timeouts and broken answers', () => {
  const at = (kind: string) => ({ CF_API_BASE_URL: `${env.TEST_FAULT_URL}/${kind}` });

  it.each([
    ['429', '7'],
    ['503', '30'],
    ['504', '30'],
  ])('AE %s is a 503 with Retry-After %s', async (kind, retryAfter) => {
    const f = await failure(at(kind));
    expect(f.status).toBe(503);
    expect(f.retryAfter).toBe(retryAfter);
  });

  it('malformed JSON is a 502', async () => {
    expect(await failure(at('malformed'))).toMatchObject({ status: 502, message: expect.stringMatching(/malformed JSON/) });
  });

  it('an answer cut off mid-body is a 502', async () => {
    expect((await failure(at('truncated'))).status).toBe(502);
  });

  it('Cloudflare gateway errors in JSON keep their message', async () => {
    expect(await failure(at('gateway-json'))).toMatchObject({ status: 502, message: expect.stringContaining('bad account id') });
  });

  it('an answer slower than CF_SQL_TIMEOUT_MS is a 504', async () => {
    expect(await failure({ ...at('slow'), CF_SQL_TIMEOUT_MS: '300' })).toMatchObject({ status: 504 });
  });
});

describe('through the usage API', () => {
  let admin: Caller;
  beforeAll(async () => {
    admin = await signUpAdmin();
  });

  it('a failing SQL API leaves the app answering and the usage API explaining', async () => {
    const original = env.CF_API_BASE_URL;
    (env as { CF_API_BASE_URL?: string }).CF_API_BASE_URL = `${env.TEST_FAULT_URL}/429`;
    try {
      const res = await call('/api/admin/usage', { token: admin.token });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toMatchObject({ error: expect.stringContaining('rate-limited') });
      expect((await call('/api/auth/me', { token: admin.token })).status).toBe(200);
    } finally {
      (env as { CF_API_BASE_URL?: string }).CF_API_BASE_URL = original;
    }
  });
});
