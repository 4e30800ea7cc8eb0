/**
 * Limits in the real stack (wrangler dev, workerd, the local AE), with wrangler.toml's own Rate
 * Limiting bindings (standard: 120 session calls a minute) and LIMITS_MODE=enforce.
 *
 * wrangler dev simulates the binding with miniflare's ratelimit plugin, whose windows are wall-clock
 * minutes, so nothing here depends on where a window ends: 2 × 120 + 1 calls made in less than a
 * minute (each test's own timeout) meet at most one window end, so at most 240 pass and at least one
 * is refused, wherever it falls; and a high-tier user's 241 calls stay under 1,200. A machine too
 * slow for that fails by timeout, never by a wrong count.
 */
import { expect, it } from 'vitest';
import { RATE_LIMITS } from '@usage-lens/contract';
import { AppClient, waitForEvents } from './client.ts';
import { useStack } from './stack.ts';

const env = useStack({ limitsMode: 'enforce' });
const CALLS = 2 * RATE_LIMITS.standard.session + 1;

async function burst(app: AppClient): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < CALLS; i++) out.push(await app.request('/api/auth/me'));
  return out;
}

function adminClient(): AppClient {
  const client = new AppClient(env.stack().workerUrl);
  client.token = env.admin().token;
  return client;
}

interface Usage {
  totals: { events: number; errors: number; overLimit: number; byEvent: Record<string, number> };
}

let bea: AppClient;

it('enforce: a user over the standard session limit gets 429s naming it; each is tracked as over', async () => {
  const app = await new AppClient(env.stack().workerUrl).signUp('Burst Bea', `bea-${Date.now()}@example.com`, 'burst-password');
  bea = app;
  const responses = await burst(app);
  const refused = responses.filter((r) => r.status === 429);
  expect(responses[0].status).toBe(200);
  expect(refused.length).toBeGreaterThanOrEqual(1);
  expect(responses.length - refused.length).toBeLessThanOrEqual(2 * RATE_LIMITS.standard.session);
  expect(responses.every((r) => r.status === 200 || r.status === 429)).toBe(true);
  expect(refused[0].headers.get('retry-after')).toBe('60');
  expect(await refused[0].json()).toEqual({
    error: expect.stringMatching(/^limit: more than 120 session calls a minute/),
    limit: { event: 'auth', class: 'session', tier: 'standard', perMinute: 120 },
  });

  // Every call is tracked; exactly the refused ones as over the limit, with status 429.
  const admin = adminClient();
  const usage = async () => ((await (await admin.request(`/api/admin/usage?period=24h&user=${app.userId}`)).json()) as Usage).totals;
  expect(await waitForEvents(async () => (await usage()).events, CALLS)).toBe(CALLS);
  expect(await usage()).toMatchObject({ events: CALLS, errors: refused.length, overLimit: refused.length, byEvent: { auth: CALLS } });

});

it('a high tier lifts the limit: another binding, its own counter, 1,200 a minute', async () => {
  const tier = await adminClient().request(`/api/admin/limits/tiers/user/${bea.userId}`, { method: 'PUT', body: { tier: 'high' } });
  expect(tier.status).toBe(200);
  expect((await burst(bea)).map((r) => r.status)).toEqual(Array(CALLS).fill(200));
});

it('the recommendations read the local AE through the SQL API settings the stack passes', async () => {
  const stack = env.stack();
  // Two past days of one user's sync calls, written straight into the local AE.
  const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const points = [1, 2].map((d) => ({ indexes: ['e2e-limits-user'], blobs: ['sync', ''], doubles: [101, 0], timestamp: midnight - d * 86_400_000 + 3_600_000, _sample_interval: 30 }));
  const write = await fetch(`${stack.aeUrl}/datasets/usage_analytics/points`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.aeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ points }),
  });
  expect(write.status).toBe(200);
  const res = await adminClient().request('/api/admin/limits?event=sync');
  expect(res.status, await res.clone().text()).toBe(200);
  const report = (await res.json()) as { mode: string; events: { event: string; users: number; userDays: number; minute: { max: number }; recommended: { perMinute: number } }[] };
  expect(report.mode).toBe('enforce');
  expect(report.events).toEqual([expect.objectContaining({ event: 'sync', users: 1, userDays: 2, minute: expect.objectContaining({ max: 30 }), recommended: expect.objectContaining({ perMinute: 60 }) })]);
});
