/**
 * Issue 10, item 8: better-auth's rate limiter is on in every environment, with its counters in D1
 * (shared by every isolate), and sign-in allows 5 attempts a minute per client IP and email.
 *
 * better-auth keys a counter by IP and path and, past the limit, answers 429 with X-Retry-After
 * (node_modules/better-auth/dist/api/rate-limiter/index.mjs, onRequestRateLimit and
 * rateLimitResponse); the window runs from the last allowed request. The client IP is
 * CF-Connecting-IP, the header Cloudflare sets
 * (https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip).
 * The window is controlled through the limiter's own rows, never by waiting.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, ORIGIN, PASSWORD, signUp } from './helpers.ts';

const signIn = (email: string, password: string, ip: string) =>
  call('/api/auth/sign-in/email', { method: 'POST', body: { email, password }, headers: { origin: ORIGIN, 'cf-connecting-ip': ip } });

async function signInRows(ip: string): Promise<{ key: string; count: number; lastRequest: number }[]> {
  const { results } = await env.DB.prepare(`select key, count, lastRequest from rateLimit where key like ? || '|/sign-in/email%'`)
    .bind(ip)
    .all<{ key: string; count: number; lastRequest: number }>();
  return results;
}

describe('sign-in throttling', () => {
  it('five wrong passwords, then 429 even with the right one; other emails and other IPs unaffected', async () => {
    const ip = '203.0.113.7';
    const user = await signUp('Guessed At');
    const other = await signUp('Bystander');
    for (let i = 0; i < 5; i++) expect((await signIn(user.email, 'wrong-password', ip)).status).toBe(401);

    const refused = await signIn(user.email, PASSWORD, ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('x-retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('x-retry-after'))).toBeLessThanOrEqual(60);

    // The count lives in D1, where every isolate reads it.
    const rows = await signInRows(ip);
    expect(rows).toHaveLength(1);
    expect(rows[0].count).toBe(5);

    expect((await signIn(other.email, PASSWORD, ip)).status).toBe(200);
    expect((await signIn(user.email, PASSWORD, '198.51.100.9')).status).toBe(200);
  });

  it('the same email is throttled however its case is written', async () => {
    const ip = '203.0.113.8';
    const user = await signUp('Case Shifter');
    for (let i = 0; i < 5; i++) expect((await signIn(i % 2 ? user.email.toUpperCase() : user.email, 'wrong-password', ip)).status).toBe(401);
    expect((await signIn(user.email.toUpperCase(), PASSWORD, ip)).status).toBe(429);
  });

  it('once the minute since the last attempt has passed, sign-in works again', async () => {
    const ip = '203.0.113.9';
    const user = await signUp('Patient User');
    for (let i = 0; i < 5; i++) await signIn(user.email, 'wrong-password', ip);
    expect((await signIn(user.email, PASSWORD, ip)).status).toBe(429);
    await env.DB.prepare(`update rateLimit set lastRequest = lastRequest - 60000 where key like ? || '|/sign-in/email%'`).bind(ip).run();
    expect((await signIn(user.email, PASSWORD, ip)).status).toBe(200);
  });

  it('many different users signing in from one address are not throttled', async () => {
    const ip = '203.0.113.10';
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => signUp(`Office User ${i}`)));
    for (const user of users) expect((await signIn(user.email, PASSWORD, ip)).status).toBe(200);
  });
});
