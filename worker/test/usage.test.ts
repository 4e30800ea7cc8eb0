/**
 * GET /api/admin/usage over known data in the local AE: exact per-user, per-event counts,
 * sampling-correct sums, names from D1, breakdowns, time buckets and windows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, signUpAdmin, uniqueId, writePoints, type Caller } from './helpers.ts';
import type { UsageReport } from '../src/usage/query-usage.ts';

let admin: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
});

async function usage(query: string): Promise<UsageReport> {
  const res = await call(`/api/admin/usage?${query}`, { token: admin.token });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as UsageReport;
}

const HOUR = 3_600_000;

describe('per-user, per-event counts', () => {
  it('counts every event once, with names and emails from the user table', async () => {
    const alice = await signUp('Alice Example');
    const bob = await signUp('Bob Example');
    const org = uniqueId('org');
    const now = Date.now();
    await writePoints([
      ...Array.from({ length: 3 }, () => ({ user: alice.userId, event: 'auth', org, at: now - HOUR })),
      ...Array.from({ length: 2 }, () => ({ user: alice.userId, event: 'sync_auth', org, at: now - 2 * HOUR })),
      { user: alice.userId, event: 'sync', org, status: 101, at: now - 3 * HOUR },
      { user: bob.userId, event: 'ingest', org, status: 400, at: now - HOUR },
      { user: bob.userId, event: 'chat', org, status: 101, at: now - 30 * HOUR }, // outside 24h
    ]);
    const report = await usage(`period=24h&org=${org}`);
    expect(report.window.period).toBe('24h');
    expect(report.dataset).toBe('usage_analytics');
    expect(report.events).toEqual(['sync', 'sync_auth', 'auth', 'chat', 'ingest']);
    expect(report.totals).toEqual({
      events: 7,
      errors: 1,
      overLimit: 0,
      activeUsers: 2,
      byEvent: { sync: 1, sync_auth: 2, auth: 3, chat: 0, ingest: 1 },
    });
    expect(report.users).toEqual([
      {
        id: alice.userId,
        name: 'Alice Example',
        email: alice.email,
        total: 6,
        errors: 0,
        overLimit: 0,
        events: { sync: 1, sync_auth: 2, auth: 3, chat: 0, ingest: 0 },
        // An org filter narrows the totals: a share of them would not be the account's.
        cost: null,
      },
      {
        id: bob.userId,
        name: 'Bob Example',
        email: bob.email,
        total: 1,
        errors: 1,
        overLimit: 0,
        events: { sync: 0, sync_auth: 0, auth: 0, chat: 0, ingest: 1 },
        cost: null,
      },
    ]);
    const week = await usage(`period=7d&org=${org}`);
    expect(week.totals.events).toBe(8);
    expect(week.users.find((u) => u.id === bob.userId)!.events.chat).toBe(1);
  });

  it("prices each user's writes: their share of the window's and the month that projects to (contract userCost)", async () => {
    // A one-second window of its own, long ago, so these are the only writes in it: 10 writes a
    // second is 25.92M a month, past the paid plan's 10M included, so $3.98 for the account.
    // AE keeps whole seconds: the window starts on one.
    const at = Math.floor(Date.now() / 1000) * 1000 - 80 * 86_400_000 - Math.floor(Math.random() * 86_400) * 1000;
    const heavy = uniqueId('heavy');
    const light = uniqueId('light');
    await writePoints([
      ...Array.from({ length: 6 }, () => ({ user: heavy, event: 'ingest', status: 201, at })),
      ...Array.from({ length: 4 }, () => ({ user: light, event: 'auth', at })),
    ]);
    const report = await usage(`from=${at}&to=${at + 1000}`);
    expect(report.totals.events).toBe(10);
    const costs = Object.fromEntries(report.users.map((u) => [u.id, u.cost!]));
    expect(costs[heavy].share).toBe(0.6);
    expect(costs[heavy].monthlyWrites).toBeCloseTo(15_552_000, 6);
    expect(costs[heavy].monthlyUsd).toBeCloseTo(2.388, 9);
    expect(costs[light].share).toBe(0.4);
    expect(costs[light].monthlyWrites).toBeCloseTo(10_368_000, 6);
    expect(costs[light].monthlyUsd).toBeCloseTo(1.592, 9);
  });

  it('counts sampled rows by their _sample_interval, not by rows', async () => {
    const user = uniqueId('sampled');
    await writePoints([
      { user, event: 'sync', status: 101, sample: 10 },
      { user, event: 'sync', status: 101, sample: 10 },
      { user, event: 'auth', sample: 25 },
      { user, event: 'auth', status: 401, sample: 4 },
    ]);
    const report = await usage(`user=${user}`);
    expect(report.users).toHaveLength(1);
    expect(report.users[0]).toMatchObject({ id: user, name: null, total: 49, errors: 4, events: { sync: 20, auth: 29 } });
  });

  it('filters by user, event and org, each multi-valued', async () => {
    const [u1, u2, u3] = [uniqueId('f'), uniqueId('f'), uniqueId('f')];
    const [o1, o2] = [uniqueId('o'), uniqueId('o')];
    await writePoints([
      { user: u1, event: 'sync', org: o1 },
      { user: u1, event: 'chat', org: o1 },
      { user: u2, event: 'sync', org: o2 },
      { user: u3, event: 'ingest', org: o2 },
    ]);
    expect((await usage(`user=${u1}&user=${u2}`)).totals.events).toBe(3);
    expect((await usage(`user=${u1}&user=${u2}&user=${u3}&event=sync,ingest`)).totals.byEvent).toMatchObject({ sync: 2, ingest: 1, chat: 0 });
    expect((await usage(`org=${o2}`)).users.map((u) => u.id).sort()).toEqual([u2, u3].sort());
    expect((await usage(`org=${o1}&org=${o2}&event=chat`)).totals.events).toBe(1);
  });
});

describe('breakdowns and buckets', () => {
  it('group=org,status gives one row per combination', async () => {
    const user = uniqueId('g');
    const [o1, o2] = [uniqueId('o'), uniqueId('o')];
    await writePoints([
      { user, event: 'auth', org: o1, status: 200 },
      { user, event: 'auth', org: o1, status: 200 },
      { user, event: 'auth', org: o2, status: 401 },
      { user, event: 'ingest', org: o2, status: 201, sample: 5 },
    ]);
    const report = await usage(`user=${user}&group=org,status`);
    expect(report.group).toEqual(['org', 'status']);
    expect(report.groups).toEqual([
      { key: { org: o2, status: 201 }, total: 5, errors: 0 },
      { key: { org: o1, status: 200 }, total: 2, errors: 0 },
      { key: { org: o2, status: 401 }, total: 1, errors: 1 },
    ]);
  });

  it('interval gives time buckets by the grouped dimension, aligned to the interval', async () => {
    const user = uniqueId('b');
    const base = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    await writePoints([
      { user, event: 'sync', at: base + 60_000 },
      { user, event: 'sync', at: base + 120_000 },
      { user, event: 'auth', at: base + 60_000 },
      { user, event: 'sync', at: base + 2 * HOUR + 1 },
    ]);
    const report = await usage(`user=${user}&interval=1h&group=event&from=${base - HOUR}&to=${base + 4 * HOUR}`);
    expect(report.window.interval).toBe(3600);
    expect(report.buckets).toEqual([
      { time: new Date(base).toISOString(), key: { event: 'sync' }, total: 2, errors: 0 },
      { time: new Date(base).toISOString(), key: { event: 'auth' }, total: 1, errors: 0 },
      { time: new Date(base + 2 * HOUR).toISOString(), key: { event: 'sync' }, total: 1, errors: 0 },
    ]);
    const overall = await usage(`user=${user}&interval=1h&from=${base - HOUR}&to=${base + 4 * HOUR}`);
    expect(overall.buckets!.map((b) => [b.key, b.total])).toEqual([
      [{}, 3],
      [{}, 1],
    ]);
  });

  it('from/to bound the window: from inclusive, to exclusive', async () => {
    const user = uniqueId('w');
    const t = Math.floor(Date.now() / 1000) * 1000 - 10 * HOUR;
    await writePoints([
      { user, event: 'auth', at: t },
      { user, event: 'auth', at: t + HOUR },
    ]);
    expect((await usage(`user=${user}&from=${t}&to=${t + HOUR}`)).totals.events).toBe(1);
    expect((await usage(`user=${user}&from=${new Date(t).toISOString()}&to=${new Date(t + HOUR + 1000).toISOString()}`)).totals.events).toBe(2);
  });
});
