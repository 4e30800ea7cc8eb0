/**
 * trackEvent never fails or delays a request: not when the binding is missing, throws, rejects or
 * hangs, and not when a point breaks AE's limits (then it is dropped with a warning).
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppEnv, Env, UsageAnalyticsBinding } from '../src/env.ts';
import { trackEvent } from '../src/analytics/track.ts';
import type { UsageEventInput } from '@usage-lens/contract';
import { pointsOf, uniqueId } from './helpers.ts';

function appTracking(events: (c: unknown) => UsageEventInput[]) {
  const app = new Hono<AppEnv>();
  app.get('/t', (c) => {
    for (const e of events(c)) trackEvent(c, e);
    return c.text('ok');
  });
  return app;
}

async function request(app: Hono<AppEnv>, binding: UsageAnalyticsBinding | undefined): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request('/t', {}, { ...env, USAGE_ANALYTICS: binding } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

afterEach(() => vi.restoreAllMocks());

describe('with the real local AE binding', () => {
  it('writes a valid point', async () => {
    const userId = uniqueId('t');
    const res = await request(appTracking(() => [{ userId, event: 'auth', status: 200 }]), env.USAGE_ANALYTICS);
    expect(res.status).toBe(200);
    expect(await pointsOf(userId, 1)).toHaveLength(1);
  });

  it('marks a call over its rate limit in doubles[1] (double2 = 1), and every other call 0', async () => {
    const userId = uniqueId('over');
    const res = await request(
      appTracking(() => [
        { userId, event: 'auth', status: 200, overLimit: true },
        { userId, event: 'auth', status: 429, overLimit: true },
        { userId, event: 'sync', status: 101, overLimit: false },
        { userId, event: 'ingest', status: 201 },
      ]),
      env.USAGE_ANALYTICS,
    );
    expect(res.status).toBe(200);
    const points = await pointsOf(userId, 4);
    expect(points.map((p) => [p.blob1, p.double1, p.double2]).sort()).toEqual([
      ['auth', 200, 1],
      ['auth', 429, 1],
      ['ingest', 201, 0],
      ['sync', 101, 0],
    ]);
  });

  it('drops a userId over 96 bytes with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const userId = `${uniqueId('long')}${'x'.repeat(96)}`;
    const res = await request(appTracking(() => [{ userId, event: 'auth' }]), env.USAGE_ANALYTICS);
    expect(res.status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Size of indexes[0] exceeds 96 bytes'));
    expect(await pointsOf(userId, 1, 500)).toEqual([]);
  });

  it('drops blobs over 16,000 bytes with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const userId = uniqueId('blob');
    const res = await request(appTracking(() => [{ userId, event: 'sync', orgId: 'o'.repeat(16_000) }]), env.USAGE_ANALYTICS);
    expect(res.status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Cumulative size of blobs exceeds 16000 bytes'));
    expect(await pointsOf(userId, 1, 500)).toEqual([]);
  });

  it('writes at most 250 points per invocation', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const userId = uniqueId('many');
    const res = await request(
      appTracking(() => Array.from({ length: 260 }, () => ({ userId, event: 'ingest' as const, status: 201 }))),
      env.USAGE_ANALYTICS,
    );
    expect(res.status).toBe(200);
    expect(await pointsOf(userId, 250)).toHaveLength(250);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pointsOf(userId, 251, 0)).toHaveLength(250);
    expect(warn).toHaveBeenCalledTimes(10);
  });

  it('the local binding rejects a bad point with workerd\'s TypeError', async () => {
    const error = await Promise.resolve(env.USAGE_ANALYTICS!.writeDataPoint({ blobs: Array(21).fill('x') })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('writeDataPoint(): Maximum of 20 blobs supported.');
  });
});

// FAKE bindings: a binding that throws, rejects or hangs cannot be produced on demand from the
// real one (trackEvent checks limits first), so these stand in for whatever might go wrong.
describe('with failing bindings (fakes)', () => {
  const event = { userId: 'u', event: 'auth' } as const;

  it('no binding at all is a no-op', async () => {
    expect((await request(appTracking(() => [event]), undefined)).status).toBe(200);
  });

  it('a binding that throws does not fail the request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const binding = { writeDataPoint: () => { throw new TypeError('writeDataPoint(): boom'); } };
    expect((await request(appTracking(() => [event]), binding)).status).toBe(200);
    expect(warn).toHaveBeenCalled();
  });

  it('a binding whose promise rejects does not fail the request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const binding = { writeDataPoint: () => Promise.reject(new Error('service binding down')) };
    expect((await request(appTracking(() => [event]), binding)).status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('write of auth failed'), expect.any(Error));
  });

  it('a binding that never answers does not hold the response', async () => {
    const binding = { writeDataPoint: () => new Promise<void>(() => undefined) };
    const app = appTracking(() => [event]);
    // No waitOnExecutionContext: the response must be complete while the write is still pending.
    const res = await app.request('/t', {}, { ...env, USAGE_ANALYTICS: binding } as Env, createExecutionContext());
    expect(await res.text()).toBe('ok');
  });
});
