/**
 * Issue 10, item 6: a call refused for its key's scope is authenticated, so it is tracked like any
 * other (with its 403); `occurredAt` is ISO 8601 or epoch milliseconds within a sane range, and
 * nothing else.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createKey, pointsOf, signUp, signUpAdmin, type Caller } from './helpers.ts';

let admin: Caller;
let user: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
  user = await signUp('Occurred At');
});

const DAY = 86_400_000;
const ingest = (occurredAt: unknown) =>
  call('/api/ingest', { token: user.token, method: 'POST', body: { items: [{ type: 't', payload: {}, occurredAt }] } });

describe('tracking', () => {
  it('an admin-scoped key on /api/ingest is a 403, tracked once for its owner', async () => {
    const owner = await signUp('Wrong Scope Owner');
    await call(`/api/admin/users/${owner.userId}`, { token: admin.token, method: 'PATCH', body: { role: 'admin' } });
    const { key } = await createKey(owner, 'admin');
    const res = await call('/api/ingest', { token: key, method: 'POST', body: { items: [{ type: 't', payload: {} }] } });
    expect(res.status).toBe(403);
    const points = await pointsOf(owner.userId, 1);
    expect(points.map((p) => [p.blob1, p.double1])).toEqual([['ingest', 403]]);
  });
});

describe('occurredAt', () => {
  it.each([
    ['1e300', () => 1e300],
    ['"1"', () => '1'],
    ['"2026-02-30"', () => '2026-02-30'],
    ['"12/31/1999"', () => '12/31/1999'],
    ['a negative number', () => -1],
    ['a fraction of a millisecond', () => Date.now() - 1_000.5],
    ['a time without a zone (whose zone would be a guess)', () => new Date(Date.now() - DAY).toISOString().slice(0, 19)],
    ['hour 24', () => `${new Date(Date.now() - DAY).toISOString().slice(0, 10)}T24:00:00Z`],
    ['more than a day ahead', () => Date.now() + 2 * DAY],
    ['more than a year ago', () => new Date(Date.now() - 367 * DAY).toISOString()],
    ['an array', () => [Date.now()]],
    ['null', () => null],
  ])('refuses %s with a 400 naming items[0].occurredAt, storing nothing', async (_label, value) => {
    const before = await stored();
    const res = await ingest(value());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'items[0].occurredAt', error: expect.stringContaining('items[0].occurredAt') });
    expect(await stored()).toBe(before);
  });

  it.each([
    ['ISO 8601 in UTC', (t: number) => new Date(t).toISOString(), (t: number) => t],
    ['ISO 8601 with an offset', (t: number) => isoWithOffset(t, '+02:00'), (t: number) => t],
    ['ISO 8601 without milliseconds', (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z'), (t: number) => t - (t % 1000)],
    ['a date alone (midnight UTC)', (t: number) => new Date(t).toISOString().slice(0, 10), (t: number) => t - (t % DAY)],
    ['epoch milliseconds', (t: number) => t, (t: number) => t],
  ])('accepts %s and stores that instant', async (_label, write, expected) => {
    const t = Date.now() - 3 * 3_600_000;
    const res = await ingest(write(t));
    expect(res.status, await res.clone().text()).toBe(201);
    const { ids } = (await res.json()) as { ids: string[] };
    const row = await env.DB.prepare('select occurredAt from ingest_item where id = ?').bind(ids[0]).first<{ occurredAt: number }>();
    expect(row!.occurredAt).toBe(expected(t));
  });
});

async function stored(): Promise<number> {
  const row = await env.DB.prepare('select count(*) as n from ingest_item where userId = ?').bind(user.userId).first<{ n: number }>();
  return row!.n;
}

/** The same instant written in another zone, e.g. 12:00Z as 14:00+02:00. */
function isoWithOffset(t: number, offset: '+02:00'): string {
  return `${new Date(t + 2 * 3_600_000).toISOString().slice(0, 23)}${offset}`;
}
