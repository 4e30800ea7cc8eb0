/**
 * Issue 10, item 7: a state change authenticated by a session cookie (what a browser attaches on
 * its own, so what a forged cross-site request carries) needs a JSON body and an Origin among the
 * trusted ones. Bearer credentials (API keys, better-auth bearer session tokens) are never attached
 * by a browser on its own, so they are exempt.
 *
 * Imitates better-auth's check for its own routes (validateOrigin in
 * node_modules/better-auth/dist/api/middlewares/origin-check.mjs): on a non-GET request that
 * carries a cookie, the Origin (else Referer) must match trustedOrigins, which always hold
 * BETTER_AUTH_URL's origin; a missing or "null" origin is refused too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createKey, ORIGIN, pointsOf, sessionCookie, signUp, signUpAdmin, type Caller } from './helpers.ts';

const EVIL = 'https://evil.example';
let admin: Caller;
let cookie: string;
let adminKey: string;

beforeAll(async () => {
  admin = await signUpAdmin();
  cookie = await sessionCookie(admin);
  adminKey = (await createKey(admin, 'admin')).key;
});

const mintBody = JSON.stringify({ name: 'from a browser', scope: 'ingest' });

describe('cookie-authenticated admin writes', () => {
  it('the issue’s reproduction: text/plain from https://evil.example is refused', async () => {
    const res = await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie, 'content-type': 'text/plain', origin: EVIL } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ field: 'origin' });
  });

  it('JSON from an untrusted origin is a 403 naming origin', async () => {
    const res = await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie, origin: EVIL } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ field: 'origin' });
  });

  it('no Origin at all, or "null", is a 403; a trusted Referer stands in for a missing Origin', async () => {
    expect((await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie } })).status).toBe(403);
    expect((await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie, origin: 'null' } })).status).toBe(403);
    const referred = await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie, referer: `${ORIGIN}/admin/keys` } });
    expect(referred.status, await referred.clone().text()).toBe(201);
  });

  it('a trusted origin with a body that is not JSON is a 415 naming content-type', async () => {
    const res = await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie, 'content-type': 'text/plain', origin: ORIGIN } });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ field: 'content-type' });
    const form = await call('/api/admin/orgs', { method: 'POST', body: 'name=x', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN } });
    expect(form.status).toBe(415);
  });

  it('JSON from the app’s own origin goes through', async () => {
    const res = await call('/api/admin/api-keys', { method: 'POST', body: mintBody, headers: { cookie, origin: ORIGIN, 'content-type': 'application/json; charset=utf-8' } });
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it('PATCH and DELETE need a trusted origin too', async () => {
    const user = await signUp('Patched By Cookie');
    const patch = await call(`/api/admin/users/${user.userId}`, { method: 'PATCH', body: { role: 'user' }, headers: { cookie, origin: EVIL } });
    expect(patch.status).toBe(403);
    const { id } = await createKey(admin, 'ingest');
    const del = await call(`/api/admin/api-keys/${id}`, { method: 'DELETE', headers: { cookie, origin: EVIL } });
    expect(del.status).toBe(403);
    expect((await call(`/api/admin/api-keys/${id}`, { method: 'DELETE', headers: { cookie, origin: ORIGIN } })).status).toBe(204);
  });

  it('reads with a cookie need nothing more', async () => {
    expect((await call('/api/admin/users', { headers: { cookie, origin: EVIL } })).status).toBe(200);
  });
});

describe('cookie-authenticated ingest', () => {
  it('from an untrusted origin is a 403, tracked as the signed-in user’s call', async () => {
    const user = await signUp('Cookie Ingester');
    const userCookie = await sessionCookie(user);
    const res = await call('/api/ingest', { method: 'POST', body: { items: [{ type: 't', payload: {} }] }, headers: { cookie: userCookie, origin: EVIL } });
    expect(res.status).toBe(403);
    expect((await pointsOf(user.userId, 1)).map((p) => p.double1)).toEqual([403]);
    const ok = await call('/api/ingest', { method: 'POST', body: { items: [{ type: 't', payload: {} }] }, headers: { cookie: userCookie, origin: ORIGIN } });
    expect(ok.status).toBe(201);
  });
});

describe('bearer credentials are exempt', () => {
  it('an admin API key writes with any content type and origin', async () => {
    const res = await call('/api/admin/api-keys', { token: adminKey, method: 'POST', body: mintBody, headers: { 'content-type': 'text/plain', origin: EVIL } });
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it('a better-auth bearer session token writes from any origin', async () => {
    const res = await call('/api/admin/orgs', { token: admin.token, method: 'POST', body: { name: `Bearer org ${Math.random()}` }, headers: { origin: EVIL } });
    expect(res.status, await res.clone().text()).toBe(201);
  });
});
