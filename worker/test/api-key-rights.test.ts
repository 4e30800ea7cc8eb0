/**
 * Issue 10, item 1: an API key acts with its owner's current rights. Admin scope counts only while
 * the owner is an admin (role, or a verified ADMIN_EMAILS address); a banned owner's keys do
 * nothing; an admin key is minted only for an admin. Keys show their last use and may expire.
 *
 * Bans go through better-auth's admin plugin (POST /api/auth/admin/ban-user), and a ban with a
 * past `banExpires` no longer counts, as in that plugin's session hook
 * (node_modules/better-auth/dist/plugins/admin/admin.mjs: banned && !(banExpires < now)).
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createKey, ORIGIN, signUp, signUpAdmin, type Caller } from './helpers.ts';

let admin: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
});

async function setRole(user: Caller, role: 'admin' | 'user'): Promise<void> {
  const res = await call(`/api/admin/users/${user.userId}`, { token: admin.token, method: 'PATCH', body: { role } });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function betterAuthAdmin(path: string, body: unknown): Promise<void> {
  const res = await call(`/api/auth/admin/${path}`, { token: admin.token, method: 'POST', body, headers: { origin: ORIGIN } });
  expect(res.status, await res.clone().text()).toBe(200);
}

const ingestBody = { items: [{ type: 'key.test', payload: {} }] };
const readUsers = (token: string) => call('/api/admin/users', { token }).then((r) => r.status);
const ingestWith = (token: string) => call('/api/ingest', { token, method: 'POST', body: ingestBody }).then((r) => r.status);
const mintWith = (token: string) =>
  call('/api/admin/api-keys', { token, method: 'POST', body: { name: 'minted by a key', scope: 'admin' } }).then((r) => r.status);

interface ListedKey {
  id: string;
  lastUsedAt: number | null;
  expiresAt: number | null;
}
async function listed(id: string): Promise<ListedKey> {
  const res = await call('/api/admin/api-keys', { token: admin.token });
  const { apiKeys } = (await res.json()) as { apiKeys: ListedKey[] };
  return apiKeys.find((k) => k.id === id)!;
}

describe('an admin key follows its owner', () => {
  it('promote Y, Y mints an admin key, demote Y: the key reads and mints nothing more', async () => {
    const y = await signUp('Yusuf Promoted');
    await setRole(y, 'admin');
    const { key } = await createKey(y, 'admin');
    expect(await readUsers(key)).toBe(200);

    await setRole(y, 'user');
    expect(await readUsers(y.token)).toBe(403);
    expect(await readUsers(key)).toBe(403);
    expect(await mintWith(key)).toBe(403);

    // Current rights, not a one-way switch: promoted again, the same key works again.
    await setRole(y, 'admin');
    expect(await readUsers(key)).toBe(200);
  });

  it('ban X: X’s admin key and ingest key are refused; unbanned, they work again', async () => {
    const x = await signUp('Xena Banned');
    await setRole(x, 'admin');
    const adminKey = (await createKey(x, 'admin')).key;
    const ingestKey = (await createKey(admin, 'ingest', x.userId)).key;
    expect(await readUsers(adminKey)).toBe(200);
    expect(await ingestWith(ingestKey)).toBe(201);

    await betterAuthAdmin('ban-user', { userId: x.userId, banReason: 'test' });
    expect((await call('/api/auth/me', { token: x.token })).status).toBe(401);
    expect(await readUsers(adminKey)).toBe(401);
    expect(await ingestWith(ingestKey)).toBe(401);
    expect(await mintWith(adminKey)).toBe(401);

    await betterAuthAdmin('unban-user', { userId: x.userId });
    expect(await readUsers(adminKey)).toBe(200);
    expect(await ingestWith(ingestKey)).toBe(201);
  });

  it('a ban whose banExpires has passed no longer blocks the keys', async () => {
    const z = await signUp('Zed Expired Ban');
    const ingestKey = (await createKey(admin, 'ingest', z.userId)).key;
    await betterAuthAdmin('ban-user', { userId: z.userId, banExpiresIn: 3600 });
    expect(await ingestWith(ingestKey)).toBe(401);
    // Move the ban's end into the past through the stored row instead of waiting an hour.
    const { banExpires } = (await env.DB.prepare('select banExpires from user where id = ?').bind(z.userId).first<{ banExpires: unknown }>())!;
    const past = typeof banExpires === 'number' ? Date.now() - 1_000 : new Date(Date.now() - 1_000).toISOString();
    await env.DB.prepare('update user set banExpires = ? where id = ?').bind(past, z.userId).run();
    expect(await ingestWith(ingestKey)).toBe(201);
  });
});

describe('minting', () => {
  it('an admin key for someone who is not an admin is refused, naming userId', async () => {
    const plain = await signUp('Plain Owner');
    const res = await call('/api/admin/api-keys', { token: admin.token, method: 'POST', body: { name: 'k', scope: 'admin', userId: plain.userId } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'userId', error: expect.stringContaining('userId') });
    // An ingest key for the same user is fine: it carries no admin rights.
    await createKey(admin, 'ingest', plain.userId);
  });
});

describe('last use', () => {
  it('is null until the key is used, then the time of that use', async () => {
    const { id, key } = await createKey(admin, 'ingest');
    expect((await listed(id)).lastUsedAt).toBeNull();
    const before = Date.now();
    expect(await ingestWith(key)).toBe(201);
    const after = Date.now();
    const { lastUsedAt } = await listed(id);
    expect(lastUsedAt).not.toBeNull();
    expect(lastUsedAt!).toBeGreaterThanOrEqual(before);
    expect(lastUsedAt!).toBeLessThanOrEqual(after);
  });

  it('a refused key (revoked) records no use', async () => {
    const { id, key } = await createKey(admin, 'ingest');
    expect((await call(`/api/admin/api-keys/${id}`, { token: admin.token, method: 'DELETE' })).status).toBe(204);
    expect(await ingestWith(key)).toBe(401);
    expect((await listed(id)).lastUsedAt).toBeNull();
  });
});

describe('expiry', () => {
  const mint = (expiresAt: unknown) =>
    call('/api/admin/api-keys', { token: admin.token, method: 'POST', body: { name: 'expiring', scope: 'ingest', expiresAt } });

  it('accepts an ISO 8601 time or epoch milliseconds in the future, and lists it', async () => {
    const iso = new Date(Date.now() + 7 * 86_400_000);
    iso.setUTCMilliseconds(0);
    const a = await mint(iso.toISOString());
    expect(a.status, await a.clone().text()).toBe(201);
    const created = (await a.json()) as { id: string; expiresAt: number };
    expect(created.expiresAt).toBe(iso.getTime());
    expect((await listed(created.id)).expiresAt).toBe(iso.getTime());

    const ms = Date.now() + 3_600_000;
    const b = await mint(ms);
    expect(b.status, await b.clone().text()).toBe(201);
    expect(((await b.json()) as { expiresAt: number }).expiresAt).toBe(ms);
  });

  it.each([
    ['in the past', () => Date.now() - 60_000],
    ['more than a year ahead', () => Date.now() + 367 * 86_400_000],
    ['1e300', () => 1e300],
    ['a fraction of a millisecond', () => Date.now() + 3_600_000.5],
    ['a number in a string', () => String(Date.now() + 3_600_000)],
    ['not a calendar day', () => `${new Date().getUTCFullYear() + 1}-02-30T00:00:00Z`],
    ['a US-style date', () => '12/31/2099'],
    ['a boolean', () => true],
  ])('refuses expiresAt %s with a 400 naming it', async (_label, value) => {
    const res = await mint(value());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'expiresAt', error: expect.stringContaining('expiresAt') });
  });

  it('an expired key is refused', async () => {
    const res = await mint(Date.now() + 3_600_000);
    const { id, key } = (await res.json()) as { id: string; key: string };
    expect(await ingestWith(key)).toBe(201);
    // Let the hour pass through the key's own row rather than the wall clock.
    await env.DB.prepare('update api_key set expiresAt = ? where id = ?').bind(Date.now() - 1, id).run();
    expect(await ingestWith(key)).toBe(401);
  });
});
