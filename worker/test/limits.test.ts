/**
 * Per-user limits at the five tracked points, through the real worker in workerd, with Rate Limiting
 * bindings as miniflare simulates them ("Rate Limiting | Local simulations ✅",
 * https://developers.cloudflare.com/workers/local-development/bindings-per-env/; its ratelimit
 * plugin keeps a counter per namespace, key and window, windows aligned to the wall clock, so a run
 * of calls may straddle a window's end).
 *
 * Nothing here depends on where that end falls. The calls of a test swap in TEST_TINY_RL_* bindings
 * (limit 2 a minute for standard, 10 for high) and make 2 × 2 + 1 = 5 calls in well under a minute
 * (a test may take at most 30 s), so they see at most one window end: at most 2 + 2 pass a standard
 * limit and at least one is over it, wherever the end falls; the first two always pass; and 5 calls
 * never reach a high limit of 10. Assertions are those bounds, never an exact split.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RATE_LIMITS, type LimitClass, type UsageEvent } from '@usage-lens/contract';
import { app } from '../src/index.ts';
import type { Env } from '../src/env.ts';
import { limitMode } from '../src/limits/mode.ts';
import { TierCache, TIER_CACHE_SECONDS } from '../src/limits/tiers.ts';
import { createKey, ORIGIN, pointsOf, sessionCookie, signUp, signUpAdmin, uniqueId, type Caller, type StoredPoint } from './helpers.ts';

const CALLS = 2 * env.TEST_TINY_LIMITS.standard + 1;

/** The app's env with the tiny limiters in place of the configured ones, and whatever else is given. */
function limitedEnv(overrides: Partial<Env> = {}): Env {
  return {
    ...env,
    RL_CONNECT_STANDARD: env.TEST_TINY_RL_CONNECT_STANDARD,
    RL_CONNECT_HIGH: env.TEST_TINY_RL_CONNECT_HIGH,
    RL_SESSION_STANDARD: env.TEST_TINY_RL_SESSION_STANDARD,
    RL_SESSION_HIGH: env.TEST_TINY_RL_SESSION_HIGH,
    RL_INGEST_STANDARD: env.TEST_TINY_RL_INGEST_STANDARD,
    RL_INGEST_HIGH: env.TEST_TINY_RL_INGEST_HIGH,
    ...overrides,
  };
}

interface Send {
  token?: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  env?: Partial<Env>;
}

/** One request through the worker (the same module instance for every call of this file). */
async function send(path: string, options: Send = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, { method: options.method ?? 'GET', headers, body }), limitedEnv(options.env), ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

interface EntryPoint {
  event: UsageEvent;
  cls: LimitClass;
  ok: number;
  call: (caller: Caller, env: Partial<Env>) => Promise<Response>;
}

const socket = (path: string) => async (caller: Caller, e: Partial<Env>) => {
  const res = await send(path, { token: caller.token, headers: { upgrade: 'websocket' }, env: e });
  if (res.webSocket) {
    res.webSocket.accept();
    res.webSocket.close();
  }
  return res;
};

const ENTRY_POINTS: EntryPoint[] = [
  { event: 'auth', cls: 'session', ok: 200, call: (c, e) => send('/api/auth/me', { token: c.token, env: e }) },
  { event: 'sync_auth', cls: 'session', ok: 200, call: (c, e) => send('/api/sync/auth', { token: c.token, env: e }) },
  { event: 'sync', cls: 'connect', ok: 101, call: socket('/api/sync?room=limits') },
  { event: 'chat', cls: 'connect', ok: 101, call: socket('/api/chat?room=limits') },
  {
    event: 'ingest',
    cls: 'ingest',
    ok: 201,
    call: (c, e) => send('/api/ingest', { token: c.token, method: 'POST', body: { items: [{ type: 'limits.test', payload: {} }] }, env: e }),
  },
];

async function calls(n: number, run: () => Promise<Response>): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

const statuses = (responses: Response[]) => responses.map((r) => r.status);
const overPoints = (points: StoredPoint[]) => points.filter((p) => p.double2 === 1);

let admin: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
});

afterEach(() => vi.restoreAllMocks());

describe('observe mode', () => {
  it.each(ENTRY_POINTS)('$event: every call goes through, and the calls over the limit are marked over (double2 = 1)', async (point) => {
    const user = await signUp();
    const responses = await calls(CALLS, () => point.call(user, { LIMITS_MODE: 'observe' }));
    expect(statuses(responses)).toEqual(Array(CALLS).fill(point.ok));
    const points = await pointsOf(user.userId, CALLS);
    expect(points).toHaveLength(CALLS);
    for (const p of points) expect([p.blob1, p.double1]).toEqual([point.event, point.ok]);
    const over = overPoints(points).length;
    expect(over).toBeGreaterThanOrEqual(1);
    expect(over).toBeLessThanOrEqual(CALLS - env.TEST_TINY_LIMITS.standard);
  });
});

describe('enforce mode', () => {
  it.each(ENTRY_POINTS)('$event: a call over the limit is a 429 naming the limit, with Retry-After, tracked with status 429 and over', async (point) => {
    const user = await signUp();
    const responses = await calls(CALLS, () => point.call(user, { LIMITS_MODE: 'enforce' }));
    const codes = statuses(responses);
    // The first two calls of a fresh user always pass; after that, at least one is refused.
    expect(codes.slice(0, 2)).toEqual([point.ok, point.ok]);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length + codes.filter((s) => s === point.ok).length).toBe(CALLS);
    for (const res of refused) {
      expect(res.webSocket).toBeNull();
      expect(res.headers.get('retry-after')).toBe('60');
      const body = (await res.json()) as { error: string; limit: unknown };
      expect(body.limit).toEqual({ event: point.event, class: point.cls, tier: 'standard', perMinute: RATE_LIMITS.standard[point.cls] });
      expect(body.error).toMatch(new RegExp(`^limit: more than ${RATE_LIMITS.standard[point.cls]} ${point.cls} calls a minute .*standard tier`));
    }
    const points = await pointsOf(user.userId, CALLS);
    expect(points.filter((p) => p.double1 === 429).map((p) => [p.blob1, p.double2])).toEqual(refused.map(() => [point.event, 1]));
    // A call that was let through was within the limit.
    expect(points.filter((p) => p.double1 === point.ok).map((p) => p.double2)).toEqual(Array(CALLS - refused.length).fill(0));
  });

  it('a WebSocket over the limit never reaches its room: refused before the upgrade', async () => {
    const user = await signUp();
    const responses = await calls(CALLS, () => socket('/api/sync?room=limits')(user, { LIMITS_MODE: 'enforce' }));
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const res of refused) {
      expect(res.webSocket).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('the classes are counted apart: refused for auth/me, the same user still ingests', async () => {
    const user = await signUp();
    const session = await calls(CALLS, () => send('/api/auth/me', { token: user.token, env: { LIMITS_MODE: 'enforce' } }));
    expect(statuses(session)).toContain(429);
    const ingest = ENTRY_POINTS.find((p) => p.event === 'ingest')!;
    expect((await ingest.call(user, { LIMITS_MODE: 'enforce' })).status).toBe(201);
  });

  it('admins are never limited, by session or by their ingest key', async () => {
    const responses = await calls(CALLS, () => send('/api/auth/me', { token: admin.token, env: { LIMITS_MODE: 'enforce' } }));
    expect(statuses(responses)).toEqual(Array(CALLS).fill(200));
    const key = (await createKey(admin, 'ingest')).key;
    const ingests = await calls(CALLS, () =>
      send('/api/ingest', { token: key, method: 'POST', body: { items: [{ type: 'admin', payload: {} }] }, env: { LIMITS_MODE: 'enforce' } }),
    );
    expect(statuses(ingests)).toEqual(Array(CALLS).fill(201));
    const points = await pointsOf(admin.userId, 2 * CALLS);
    expect(overPoints(points)).toEqual([]);
  });

  it('/health is never limited', async () => {
    const responses = await calls(3 * CALLS, () => send('/health', { env: { LIMITS_MODE: 'enforce' } }));
    expect(statuses(responses)).toEqual(Array(3 * CALLS).fill(200));
  });

  it('an ingest key is limited as its owner: the same user, the same counter', async () => {
    const user = await signUp();
    const key = (await createKey(admin, 'ingest', user.userId)).key;
    const viaKey = await calls(CALLS, () =>
      send('/api/ingest', { token: key, method: 'POST', body: { items: [{ type: 'k', payload: {} }] }, env: { LIMITS_MODE: 'enforce' } }),
    );
    expect(statuses(viaKey)).toContain(429);
  });
});

describe('when the limiter fails, the call goes through', () => {
  // FAKE: a limiter that throws. The simulated binding only throws for options this worker never
  // sends (a non-string key, an unsupported period), so the failure cannot be produced for real;
  // Cloudflare does not document whether limit() can throw at all.
  const throwing: RateLimit = {
    limit: () => Promise.reject(new Error('rate limiter unavailable')),
  };

  it('a throwing limiter: 200, a warning without the user, the point not marked', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const user = await signUp();
    const responses = await calls(CALLS, () => send('/api/auth/me', { token: user.token, env: { LIMITS_MODE: 'enforce', RL_SESSION_STANDARD: throwing } }));
    expect(statuses(responses)).toEqual(Array(CALLS).fill(200));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('the auth limit check failed, the call goes through: rate limiter unavailable'));
    for (const [message] of warn.mock.calls) expect(String(message)).not.toContain(user.userId);
    expect(overPoints(await pointsOf(user.userId, CALLS))).toEqual([]);
  });

  it('a missing binding: 201, one warning naming the binding', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const user = await signUp();
    const ingest = ENTRY_POINTS.find((p) => p.event === 'ingest')!;
    const responses = await calls(CALLS, () => ingest.call(user, { LIMITS_MODE: 'enforce', RL_INGEST_STANDARD: undefined }));
    expect(statuses(responses)).toEqual(Array(CALLS).fill(201));
    expect(warn.mock.calls.filter(([m]) => String(m).includes('no rate limiting binding RL_INGEST_STANDARD'))).toHaveLength(1);
  });
});

describe('off mode and the mode setting', () => {
  it('off: nothing is counted, nothing refused, nothing marked', async () => {
    const user = await signUp();
    // A spy around the real (tiny) limiter: it still counts, and says whether it was asked.
    const real = env.TEST_TINY_RL_SESSION_STANDARD;
    const limit = vi.fn((options: RateLimitOptions) => real.limit(options));
    const responses = await calls(CALLS, () => send('/api/auth/me', { token: user.token, env: { LIMITS_MODE: 'off', RL_SESSION_STANDARD: { limit } } }));
    expect(statuses(responses)).toEqual(Array(CALLS).fill(200));
    expect(limit).not.toHaveBeenCalled();
    expect(overPoints(await pointsOf(user.userId, CALLS))).toEqual([]);
  });

  it('a mode that is none of off, observe, enforce is read as observe, with one warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const typo = `enforcing-${uniqueId('m')}`;
    const user = await signUp();
    const responses = await calls(CALLS, () => send('/api/auth/me', { token: user.token, env: { LIMITS_MODE: typo } }));
    expect(statuses(responses)).toEqual(Array(CALLS).fill(200));
    expect(overPoints(await pointsOf(user.userId, CALLS)).length).toBeGreaterThanOrEqual(1);
    expect(warn.mock.calls.filter(([m]) => String(m).includes(`LIMITS_MODE ${JSON.stringify(typo)}`))).toHaveLength(1);
    expect(limitMode({ LIMITS_MODE: typo })).toBe('observe');
  });

  it.each([
    [undefined, 'observe'],
    ['', 'observe'],
    ['off', 'off'],
    ['observe', 'observe'],
    [' enforce ', 'enforce'],
    ['ENFORCE', 'observe'],
  ])('LIMITS_MODE=%j is %s', (raw, mode) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(limitMode({ LIMITS_MODE: raw })).toBe(mode);
  });
});

describe('tiers', () => {
  const enforce = { LIMITS_MODE: 'enforce' };
  const me = (user: Caller) => calls(CALLS, () => send('/api/auth/me', { token: user.token, env: enforce }));
  const setTier = (type: string, id: string, tier: string) => send(`/api/admin/limits/tiers/${type}/${id}`, { token: admin.token, method: 'PUT', body: { tier } });

  async function orgWith(user: Caller): Promise<string> {
    const created = await send('/api/admin/orgs', { token: admin.token, method: 'POST', body: { name: uniqueId('Limits org') } });
    const { id } = (await created.json()) as { id: string };
    expect((await send(`/api/admin/users/${user.userId}`, { token: admin.token, method: 'PATCH', body: { orgId: id } })).status).toBe(200);
    return id;
  }

  it("a user's high tier raises their limit (and a 429 would name it)", async () => {
    const user = await signUp();
    const res = await setTier('user', user.userId, 'high');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'user', id: user.userId, name: user.name, email: user.email, tier: 'high', updatedBy: admin.userId });
    expect(statuses(await me(user))).toEqual(Array(CALLS).fill(200));
  });

  it("an organisation's tier applies to its users", async () => {
    const user = await signUp();
    const org = await orgWith(user);
    expect((await setTier('org', org, 'high')).status).toBe(200);
    expect(statuses(await me(user))).toEqual(Array(CALLS).fill(200));
    const other = await signUp();
    expect(statuses(await me(other))).toContain(429);
  });

  it("a user's own tier beats their organisation's; deleting it falls back to the organisation's", async () => {
    const user = await signUp();
    const org = await orgWith(user);
    expect((await setTier('org', org, 'high')).status).toBe(200);
    expect((await setTier('user', user.userId, 'standard')).status).toBe(200);
    const refused = (await me(user)).filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(((await refused[0].json()) as { limit: { tier: string } }).limit.tier).toBe('standard');
    // Back to the organisation's high tier: a new counter (its own binding), well under its limit.
    expect((await send(`/api/admin/limits/tiers/user/${user.userId}`, { token: admin.token, method: 'DELETE' })).status).toBe(204);
    expect(statuses(await me(user))).toEqual(Array(CALLS).fill(200));
  });

  it('lists the tiers given, with names, the mode, the limits and how soon a change applies', async () => {
    const user = await signUp('Tiered Tess');
    const org = await orgWith(user);
    await setTier('user', user.userId, 'high');
    await setTier('org', org, 'high');
    const res = await send('/api/admin/limits/tiers', { token: admin.token, env: { LIMITS_MODE: 'enforce' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { mode: string; defaultTier: string; perMinute: unknown; appliesWithinSeconds: number; assignments: { type: string; id: string; name: string | null }[] };
    expect(body).toMatchObject({ mode: 'enforce', defaultTier: 'standard', perMinute: RATE_LIMITS, appliesWithinSeconds: TIER_CACHE_SECONDS });
    expect(body.assignments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'user', id: user.userId, name: 'Tiered Tess', email: user.email, tier: 'high' }),
        expect.objectContaining({ type: 'org', id: org, email: null, tier: 'high' }),
      ]),
    );
    // Organisations first, then users, each by name (the console lists them in this order).
    const keys = body.assignments.map((a) => `${a.type}\u0000${a.name ?? ''}\u0000${a.id}`);
    expect(keys).toEqual([...keys].sort());
    expect(body.assignments.findIndex((a) => a.type === 'user')).toBeGreaterThan(body.assignments.findIndex((a) => a.type === 'org'));
  });
});

describe('the tiers API: who may call it and what it takes', () => {
  it('401 without credentials, 403 for a user, for reads and writes', async () => {
    const user = await signUp();
    expect((await send('/api/admin/limits/tiers')).status).toBe(401);
    expect((await send('/api/admin/limits/tiers', { token: user.token })).status).toBe(403);
    expect((await send(`/api/admin/limits/tiers/user/${user.userId}`, { token: user.token, method: 'PUT', body: { tier: 'high' } })).status).toBe(403);
    expect((await send(`/api/admin/limits/tiers/user/${user.userId}`, { token: user.token, method: 'DELETE' })).status).toBe(403);
  });

  it.each([
    ['team', 'u', { tier: 'high' }, 'type'],
    ['user', 'no-such-user', { tier: 'high' }, 'id'],
    ['org', 'no-such-org', { tier: 'high' }, 'id'],
    ['user', 'ADMIN', { tier: 'gold' }, 'tier'],
    ['user', 'ADMIN', {}, 'tier'],
    ['user', 'ADMIN', ['high'], 'body'],
  ])('PUT /tiers/%s/%s %j is a 400 naming %s', async (type, id, body, field) => {
    const res = await send(`/api/admin/limits/tiers/${type}/${id === 'ADMIN' ? admin.userId : id}`, { token: admin.token, method: 'PUT', body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field });
  });

  it('DELETE of a tier never given is a 404; of a bad type a 400 naming type', async () => {
    expect((await send(`/api/admin/limits/tiers/user/${uniqueId('nobody')}`, { token: admin.token, method: 'DELETE' })).status).toBe(404);
    const res = await send('/api/admin/limits/tiers/team/x', { token: admin.token, method: 'DELETE' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'type' });
  });

  it('a change made with the session cookie follows the cookie-write rule (trusted origin, JSON)', async () => {
    const cookie = await sessionCookie(admin);
    const user = await signUp();
    const path = `/api/admin/limits/tiers/user/${user.userId}`;
    const evil = await send(path, { method: 'PUT', body: { tier: 'high' }, headers: { cookie, origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ field: 'origin' });
    const form = await send(path, { method: 'PUT', body: { tier: 'high' }, headers: { cookie, origin: ORIGIN, 'content-type': 'text/plain' } });
    expect(form.status).toBe(415);
    const ok = await send(path, { method: 'PUT', body: { tier: 'high' }, headers: { cookie, origin: ORIGIN } });
    expect(ok.status).toBe(200);
  });
});

describe('the per-isolate tier cache', () => {
  it('keeps a tier for TIER_CACHE_SECONDS, then asks again', () => {
    const cache = new TierCache();
    cache.set('u', 'high', 1_000);
    expect(cache.get('u', 1_000 + TIER_CACHE_SECONDS * 1000 - 1)).toBe('high');
    expect(cache.get('u', 1_000 + TIER_CACHE_SECONDS * 1000)).toBeUndefined();
  });

  it('forgets the oldest caller first when full', () => {
    const cache = new TierCache(60_000, 2);
    cache.set('a', 'high', 0);
    cache.set('b', 'standard', 0);
    cache.set('c', 'high', 0);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual([undefined, 'standard', 'high']);
    expect(cache.size).toBe(2);
  });
});
