/**
 * The authorization matrix for every admin route: anonymous 401, user session 403, admin session
 * and admin key allowed, ingest key 403; plus how admins come to be and how keys are revoked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createKey, signUp, signUpAdmin, verifyEmail, type Caller } from './helpers.ts';

let admin: Caller;
let user: Caller;
let adminKey: string;
let ingestKey: string;

beforeAll(async () => {
  admin = await signUpAdmin();
  user = await signUp('Plain User');
  adminKey = (await createKey(admin, 'admin')).key;
  ingestKey = (await createKey(admin, 'ingest')).key;
});

type Route = { method: string; path: () => string; body?: () => unknown; ok: number };
const routes: Route[] = [
  { method: 'GET', path: () => '/api/admin/usage?period=24h', ok: 200 },
  { method: 'GET', path: () => '/api/admin/users', ok: 200 },
  { method: 'PATCH', path: () => `/api/admin/users/${user.userId}`, body: () => ({ role: 'user' }), ok: 200 },
  { method: 'GET', path: () => '/api/admin/orgs', ok: 200 },
  { method: 'POST', path: () => '/api/admin/orgs', body: () => ({ name: `Org ${Math.random()}` }), ok: 201 },
  { method: 'GET', path: () => '/api/admin/api-keys', ok: 200 },
  { method: 'POST', path: () => '/api/admin/api-keys', body: () => ({ name: 'k', scope: 'ingest' }), ok: 201 },
  { method: 'DELETE', path: () => '/api/admin/api-keys/no-such-key', ok: 404 },
  { method: 'GET', path: () => '/api/admin/limits?period=7d', ok: 200 },
  { method: 'GET', path: () => '/api/admin/limits/tiers', ok: 200 },
  { method: 'PUT', path: () => `/api/admin/limits/tiers/user/${user.userId}`, body: () => ({ tier: 'standard' }), ok: 200 },
  { method: 'DELETE', path: () => '/api/admin/limits/tiers/org/no-such-org', ok: 404 },
];

const callers: { who: string; token: () => string | undefined; status: (ok: number) => number }[] = [
  { who: 'anonymous', token: () => undefined, status: () => 401 },
  { who: 'user session', token: () => user.token, status: () => 403 },
  { who: 'admin session', token: () => admin.token, status: (ok) => ok },
  { who: 'admin API key', token: () => adminKey, status: (ok) => ok },
  { who: 'ingest API key', token: () => ingestKey, status: () => 403 },
];

describe.each(routes)('$method $path', (route) => {
  it.each(callers)('$who', async (caller) => {
    const res = await call(route.path(), { token: caller.token(), method: route.method, body: route.body?.() });
    expect(res.status, await res.clone().text()).toBe(caller.status(route.ok));
    if (res.status >= 400) expect(((await res.json()) as { error: string }).error).toBeTruthy();
  });
});

describe('who is an admin', () => {
  it('an email in ADMIN_EMAILS is an admin once verified (unverified: admin-emails.test.ts)', async () => {
    const root = await signUp('Root', 'root@example.com');
    await verifyEmail(root);
    const me = (await (await call('/api/auth/me', { token: root.token })).json()) as { user: { role: string; isAdmin: boolean } };
    expect(me.user).toMatchObject({ role: 'admin', isAdmin: true });
  });

  it('a user promoted to role admin gets in; demoted, is refused again', async () => {
    const someone = await signUp('Someone');
    expect((await call('/api/admin/users', { token: someone.token })).status).toBe(403);
    await call(`/api/admin/users/${someone.userId}`, { token: admin.token, method: 'PATCH', body: { role: 'admin' } });
    expect((await call('/api/admin/users', { token: someone.token })).status).toBe(200);
    await call(`/api/admin/users/${someone.userId}`, { token: admin.token, method: 'PATCH', body: { role: 'user' } });
    expect((await call('/api/admin/users', { token: someone.token })).status).toBe(403);
  });

  it('a garbage bearer token and a forged API key are 401', async () => {
    expect((await call('/api/admin/users', { token: 'not-a-session' })).status).toBe(401);
    expect((await call('/api/admin/users', { token: `${adminKey.slice(0, -4)}AAAA` })).status).toBe(401);
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, listed without the secret', async () => {
    const { id, key } = await createKey(admin, 'admin');
    expect(key).toMatch(/^ul_admin_[A-Za-z0-9_-]{43}$/);
    const list = (await (await call('/api/admin/api-keys', { token: admin.token })).json()) as { apiKeys: Record<string, unknown>[] };
    const listed = list.apiKeys.find((k) => k.id === id)!;
    expect(listed).toMatchObject({ scope: 'admin', revokedAt: null });
    expect(JSON.stringify(list)).not.toContain(key);
    expect(key.startsWith(String(listed.prefix))).toBe(true);
  });

  it('a revoked key is refused at once, and revoking twice is 404', async () => {
    const { id, key } = await createKey(admin, 'admin');
    expect((await call('/api/admin/users', { token: key })).status).toBe(200);
    expect((await call(`/api/admin/api-keys/${id}`, { token: admin.token, method: 'DELETE' })).status).toBe(204);
    expect((await call('/api/admin/users', { token: key })).status).toBe(401);
    expect((await call(`/api/admin/api-keys/${id}`, { token: admin.token, method: 'DELETE' })).status).toBe(404);
  });

  it('an admin key cannot ingest; an ingest key can', async () => {
    const body = { items: [{ type: 't', payload: {} }] };
    expect((await call('/api/ingest', { token: adminKey, method: 'POST', body })).status).toBe(403);
    expect((await call('/api/ingest', { token: ingestKey, method: 'POST', body })).status).toBe(201);
  });

  it('bad key requests name the field', async () => {
    const scope = await call('/api/admin/api-keys', { token: admin.token, method: 'POST', body: { name: 'x', scope: 'root' } });
    expect(scope.status).toBe(400);
    expect(await scope.json()).toMatchObject({ field: 'scope' });
    const owner = await call('/api/admin/api-keys', { token: admin.token, method: 'POST', body: { name: 'x', scope: 'ingest', userId: 'nobody' } });
    expect(await owner.json()).toMatchObject({ field: 'userId' });
  });
});

it('GET /api/admin/users lists users with names and admin flags', async () => {
  const res = await call('/api/admin/users', { token: admin.token });
  const { users } = (await res.json()) as { users: { id: string; name: string; isAdmin: boolean }[] };
  expect(users.find((u) => u.id === user.userId)).toMatchObject({ name: 'Plain User', isAdmin: false });
  expect(users.find((u) => u.id === admin.userId)).toMatchObject({ name: 'Ada Admin', isAdmin: true });
});
