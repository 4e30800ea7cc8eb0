/**
 * GET /api/admin/limits over a constructed data set in the real local AE (its HTTP SQL API, as in
 * production this route reads AE's SQL API): known calls per user per minute and per day, so the
 * percentiles, the recommended limits and the users over them are known exactly.
 *
 * The data lives in the staging dataset, which no other test file writes, and the requests run with
 * a staging BETTER_AUTH_URL, so the distributions hold these points only. Percentiles follow
 * ClickHouse's quantileExactWeighted (weights 1, no interpolation): of n sorted values, the one at
 * position ceil(q × n) (1-based).
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITS, recommendLimit, RECOMMENDATION } from '@usage-lens/contract';
import { app } from '../src/index.ts';
import type { Env } from '../src/env.ts';
import type { LimitsReport } from '../src/usage/recommend.ts';
import { createKey, signUp, signUpAdmin, uniqueId, writePoints, type Caller, type TestPoint } from './helpers.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const STAGING = { BETTER_AUTH_URL: 'http://staging.localhost:8787' };

/** ClickHouse's quantileExactWeighted with every weight 1. */
const exactQuantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * q) - 1)];
};

let adminKey: string;
let heavy: Caller;
let highTier: Caller;
let midnight: number;

async function send(path: string, options: { key?: string; env?: Partial<Env> } = {}): Promise<Response> {
  const headers = new Headers();
  if (options.key) headers.set('authorization', `Bearer ${options.key}`);
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://127.0.0.1:8787${path}`, { headers }), { ...env, ...STAGING, ...options.env }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function limits(query = '', e: Partial<Env> = {}): Promise<LimitsReport> {
  const res = await send(`/api/admin/limits${query}`, { key: adminKey, env: e });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as LimitsReport;
}

const readsToday = async () =>
  (await env.DB.prepare('select reads from ae_read where day = ?').bind(new Date().toISOString().slice(0, 10)).first<{ reads: number }>())?.reads ?? 0;

// sync (connect class): 100 ordinary users on two days, one minute each of k = 1..10 calls (every k
// on 20 user-days), written half as k rows and half as one row sampled k times; `heavy` on one day
// with minutes of 70, 65 and 5 calls (sampled); `highTier`, a high-tier user, one minute of 61.
// ingest: `heavy` once, 3 calls in a minute. Nothing else in the staging dataset.
const syncDayTotals: number[] = [];
beforeAll(async () => {
  const admin = await signUpAdmin();
  adminKey = (await createKey(admin, 'admin')).key;
  heavy = await signUp('Heavy Hana');
  highTier = await signUp('High Hugo');
  const res = await app.fetch(
    new Request(`http://127.0.0.1:8787/api/admin/limits/tiers/user/${highTier.userId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tier: 'high' }),
    }),
    env,
  );
  expect(res.status).toBe(200);

  midnight = Math.floor(Date.now() / DAY) * DAY;
  const d1 = midnight - DAY + 10 * 3_600_000;
  const d2 = midnight - 2 * DAY + 10 * 3_600_000;
  const points: TestPoint[] = [];
  const tag = uniqueId('n');
  for (let u = 0; u < 100; u++) {
    for (const [d, day] of [d1, d2].entries()) {
      const k = ((u + d) % 10) + 1;
      const at = day + (u % 50) * MINUTE;
      const user = `${tag}_${u}`;
      if ((u + d) % 2 === 0) points.push({ user, event: 'sync', status: 101, at, sample: k });
      else for (let i = 0; i < k; i++) points.push({ user, event: 'sync', status: 101, at: at + i * 1000 });
      syncDayTotals.push(k);
    }
  }
  points.push(
    { user: heavy.userId, event: 'sync', status: 101, at: d1, sample: 70 },
    { user: heavy.userId, event: 'sync', status: 101, at: d1 + MINUTE, sample: 65 },
    { user: heavy.userId, event: 'sync', status: 101, at: d1 + 2 * MINUTE, sample: 5 },
    { user: highTier.userId, event: 'sync', status: 101, at: d1 + 5 * MINUTE, sample: 61 },
    { user: heavy.userId, event: 'ingest', status: 201, at: d2, sample: 3 },
  );
  syncDayTotals.push(140, 61);
  await writePoints(points, 'usage_analytics_staging');
});

describe('GET /api/admin/limits on known data', () => {
  it('per event: users, user-days, day and busiest-minute percentiles, recommended and configured limits', async () => {
    const report = await limits();
    expect(report.dataset).toBe('usage_analytics_staging');
    expect(report.window).toEqual({ from: new Date(midnight - 30 * DAY).toISOString(), to: new Date(midnight).toISOString(), period: '30d', days: 30 });
    expect(report.headroom).toBe(2);
    expect(report.mode).toBe('observe');
    // The data's own percentiles, by ClickHouse's rule, are what the route reports.
    expect(syncDayTotals).toHaveLength(202);
    expect([0.5, 0.9, 0.99].map((q) => exactQuantile(syncDayTotals, q))).toEqual([6, 10, 10]);
    const sync = report.events.find((e) => e.event === 'sync');
    expect(sync).toEqual({
      event: 'sync',
      class: 'connect',
      users: 102,
      userDays: 202,
      day: { p50: 6, p90: 10, p99: 10, max: 140 },
      minute: { p50: 6, p90: 10, p99: 10, max: 70 },
      // p99 10 × headroom 2 = 20 a minute; 20 a day is under the floor of 100.
      recommended: { perMinute: 20, perDay: RECOMMENDATION.minPerDay },
      configured: { perMinute: { standard: RATE_LIMITS.standard.connect, high: RATE_LIMITS.high.connect } },
    });
    expect(report.events.find((e) => e.event === 'ingest')).toMatchObject({
      users: 1,
      userDays: 1,
      day: { p50: 3, p90: 3, p99: 3, max: 3 },
      minute: { p50: 3, p90: 3, p99: 3, max: 3 },
      recommended: { perMinute: RECOMMENDATION.minPerMinute, perDay: RECOMMENDATION.minPerDay },
    });
    // Events nobody used: zeros, and the floors.
    for (const event of ['sync_auth', 'auth', 'chat']) {
      expect(report.events.find((e) => e.event === event)).toMatchObject({
        users: 0,
        userDays: 0,
        day: { p50: 0, p90: 0, p99: 0, max: 0 },
        recommended: { perMinute: RECOMMENDATION.minPerMinute, perDay: RECOMMENDATION.minPerDay },
      });
    }
    expect(report.events.map((e) => e.event)).toEqual(['sync', 'sync_auth', 'auth', 'chat', 'ingest']);
  });

  it('users over: days and minutes over the recommended limits, minutes over the configured limit of their own tier, busiest first', async () => {
    const report = await limits();
    expect(report.usersOver).toEqual([
      {
        id: heavy.userId,
        name: 'Heavy Hana',
        email: heavy.email,
        tier: 'standard',
        event: 'sync',
        // 140 calls that day, 100 allowed.
        daysOverRecommended: 1,
        callsOverRecommendedPerDay: 40,
        // Minutes of 70 and 65 against 20.
        minutesOverRecommended: 2,
        callsOverRecommendedPerMinute: 95,
        // ... and against the standard tier's 60.
        minutesOverConfigured: 2,
        callsOverConfigured: 15,
      },
      {
        id: highTier.userId,
        name: 'High Hugo',
        email: highTier.email,
        tier: 'high',
        event: 'sync',
        daysOverRecommended: 0,
        callsOverRecommendedPerDay: 0,
        minutesOverRecommended: 1,
        callsOverRecommendedPerMinute: 41,
        // 61 is over the standard 60, not over the high tier's 600.
        minutesOverConfigured: 0,
        callsOverConfigured: 0,
      },
    ]);
  });

  it('headroom changes the recommendation; a user over nothing that applies to them is not listed', async () => {
    const report = await limits('?headroom=10');
    const sync = report.events.find((e) => e.event === 'sync')!;
    expect(sync.recommended).toEqual({ perMinute: recommendLimit(10, 10, RECOMMENDATION.minPerMinute), perDay: recommendLimit(10, 10, RECOMMENDATION.minPerDay) });
    expect(sync.recommended).toEqual({ perMinute: 100, perDay: 100 });
    // highTier's 61 is under 100 and under the high tier's 600: off the list.
    expect(report.usersOver).toEqual([
      expect.objectContaining({ id: heavy.userId, daysOverRecommended: 1, callsOverRecommendedPerDay: 40, minutesOverRecommended: 0, minutesOverConfigured: 2, callsOverConfigured: 15 }),
    ]);
    expect((await limits('?headroom=1.5')).events.find((e) => e.event === 'sync')!.recommended.perMinute).toBe(15);
  });

  it('at most two SQL reads; one when the events asked for had no calls', async () => {
    let before = await readsToday();
    await limits();
    expect((await readsToday()) - before).toBe(2);
    before = await readsToday();
    const quiet = await limits('?event=chat,auth');
    expect((await readsToday()) - before).toBe(1);
    expect(quiet.events.map((e) => e.event)).toEqual(['auth', 'chat']);
    expect(quiet.usersOver).toEqual([]);
  });

  it('period=7d covers the last 7 whole days; event narrows the events', async () => {
    const report = await limits('?period=7d&event=sync');
    expect(report.window).toEqual({ from: new Date(midnight - 7 * DAY).toISOString(), to: new Date(midnight).toISOString(), period: '7d', days: 7 });
    expect(report.events.map((e) => [e.event, e.userDays])).toEqual([['sync', 202]]);
    expect(report.usersOver.map((u) => u.id)).toEqual([heavy.userId, highTier.userId]);
  });
});

describe('GET /api/admin/limits: who may ask, what it takes, and how it fails', () => {
  it('401 without credentials, 403 for a user', async () => {
    const user = await signUp();
    expect((await send('/api/admin/limits')).status).toBe(401);
    const res = await app.fetch(new Request('http://127.0.0.1:8787/api/admin/limits', { headers: { authorization: `Bearer ${user.token}` } }), env);
    expect(res.status).toBe(403);
  });

  it.each([
    ['period=24h', 'period'],
    ['period=7d&period=30d', 'period'],
    ['headroom=0.5', 'headroom'],
    ['headroom=11', 'headroom'],
    ['headroom=2x', 'headroom'],
    ['headroom=', 'headroom'],
    ['event=sync,nope', 'event'],
    ['from=0', 'from'],
    ['user=u1', 'user'],
  ])('%s is a 400 naming %s', async (query, field) => {
    const res = await send(`/api/admin/limits?${query}`, { key: adminKey });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field });
  });

  it('without the SQL API settings: 503 naming them', async () => {
    const res = await send('/api/admin/limits', { key: adminKey, env: { CF_ANALYTICS_TOKEN: undefined } });
    expect(res.status).toBe(503);
    const { error } = (await res.json()) as { error: string };
    expect(error).toContain('set CF_ANALYTICS_TOKEN');
    expect(error).not.toContain('CF_ACCOUNT_ID and');
  });

  it('a token the SQL API refuses (the real local AE): 502 saying what to check, without the token', async () => {
    const res = await send('/api/admin/limits', { key: adminKey, env: { CF_ANALYTICS_TOKEN: 'not-the-token-4242' } });
    expect(res.status).toBe(502);
    const { error } = (await res.json()) as { error: string };
    expect(error).toMatch(/may not be enabled .* Account Analytics Read/);
    expect(error).not.toContain('not-the-token-4242');
  });

  it('an unreachable SQL API: 502', async () => {
    const res = await send('/api/admin/limits', { key: adminKey, env: { CF_API_BASE_URL: 'http://127.0.0.1:9' } });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/unreachable/) });
  });

  // These answers come from the labelled FAKE in fault-server.ts: the local AE cannot be made to
  // throttle, to fail or to answer broken JSON.
  it.each([
    ['429', 503],
    ['503', 503],
    ['507', 503],
    ['malformed', 502],
  ])('the SQL API answering %s: %i', async (fault, status) => {
    const res = await send('/api/admin/limits', { key: adminKey, env: { CF_API_BASE_URL: `${env.TEST_FAULT_URL}/__fault/${fault}` } });
    expect(res.status).toBe(status);
    if (status === 503) expect(res.headers.get('retry-after')).toBe('30');
  });

  it('an SQL API slower than CF_SQL_TIMEOUT_MS: 504 (the fake answers after 3 s; the worker waits 0.3 s)', async () => {
    const res = await send('/api/admin/limits', { key: adminKey, env: { CF_API_BASE_URL: `${env.TEST_FAULT_URL}/__fault/slow`, CF_SQL_TIMEOUT_MS: '300' } });
    expect(res.status).toBe(504);
  });
});
