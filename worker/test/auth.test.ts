/**
 * better-auth on D1: the committed migrations are exactly what the auth configuration needs, and
 * email + password sign-up / sign-in / sign-out work through the worker.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getMigrations } from 'better-auth/db/migration';
import { authOptions } from '../src/auth/auth.ts';
import { call, ORIGIN, signUp, uniqueEmail } from './helpers.ts';

describe('better-auth', () => {
  it('needs no table or column the migrations do not create', async () => {
    const { toBeCreated, toBeAdded } = await getMigrations(authOptions(env));
    expect(toBeCreated.map((t) => t.table)).toEqual([]);
    expect(toBeAdded.map((t) => `${t.table}: ${Object.keys(t.fields).join(', ')}`)).toEqual([]);
  });

  it('signs up, signs in with the password, and signs out', async () => {
    const email = uniqueEmail('login');
    const user = await signUp('Login User', email);
    const bad = await call('/api/auth/sign-in/email', { method: 'POST', body: { email, password: 'wrong-password' }, headers: { origin: ORIGIN } });
    expect(bad.status).toBe(401);
    const good = await call('/api/auth/sign-in/email', {
      method: 'POST',
      body: { email, password: 'correct-horse-battery' },
      headers: { origin: ORIGIN },
    });
    expect(good.status).toBe(200);
    const cookie = good.headers.get('set-cookie')!.split(';')[0];
    const me = await call('/api/auth/me', { headers: { cookie } });
    expect(await me.json()).toMatchObject({ user: { id: user.userId, email, isAdmin: false } });
    const out = await call('/api/auth/sign-out', { method: 'POST', headers: { cookie, origin: ORIGIN } });
    expect(out.status).toBe(200);
    expect((await call('/api/auth/me', { headers: { cookie } })).status).toBe(401);
  });

  it('a user cannot set their own role or org at sign-up', async () => {
    const res = await call('/api/auth/sign-up/email', {
      method: 'POST',
      body: { name: 'Sneaky', email: uniqueEmail('sneaky'), password: 'correct-horse-battery', role: 'admin', orgId: 'org_x' },
      headers: { origin: ORIGIN },
    });
    if (res.status === 200) {
      const { user } = (await res.json()) as { user: { role: string; orgId: string | null } };
      expect(user.role).toBe('user');
      expect(user.orgId ?? '').toBe('');
    } else {
      expect(res.status).toBe(400);
    }
  });
});
