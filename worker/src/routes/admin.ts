/**
 * /api/admin/*: users, organisations, API keys and limits (usage is routes/usage.ts). Everything here
 * but /me is behind requireAdmin, and a change made with a session cookie must come from a trusted
 * origin, as JSON.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { API_KEY_SCOPES, type ApiKeyScope, type AppEnv } from '../env.ts';
import { mayAdminister, requireAdmin } from '../auth/require-admin.ts';
import { resolvePrincipal } from '../auth/principal.ts';
import { listUsers, parseUsersQuery, toAdminUser, USER_COLUMNS, usersByIds, type UserRow } from '../auth/users.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.ts';
import { isAdmin } from '../auth/admins.ts';
import { trustedCookieWrites } from '../auth/cookie-writes.ts';
import { readInstant, readJsonBody, requireObject } from '../body.ts';
import { FieldError } from '../errors.ts';
import { limits } from './limits.ts';

const MAX_BODY = 16 * 1024;
const NAME = /^[^\u0000-\u001f]{1,100}$/;
/** How far ahead an API key's expiresAt may be: long-lived machine keys get rotated at least yearly. */
export const API_KEY_MAX_LIFETIME_MS = 365 * 86_400_000;

export const admin = new Hono<AppEnv>();

/**
 * Who is signed in, and whether the admin API will let them in: for the admin console to show
 * "admins only" without a refused admin call. Any signed-in user (or API key) may ask, so it is
 * registered before requireAdmin, and Hono runs handlers in the order they were registered: this
 * one answers and the middleware below never runs for it. Not a tracked point (/api/auth/me is):
 * opening the console is not app usage.
 */
admin.get('/me', async (c) => {
  const principal = await resolvePrincipal(c);
  if (!principal) throw new HTTPException(401, { message: 'not signed in' });
  return c.json({ id: principal.userId, email: principal.email, name: principal.name, isAdmin: mayAdminister(c.env, principal) });
});

admin.use('*', requireAdmin);
admin.use('*', trustedCookieWrites);

/** A page of users (`q`, `limit`, `offset`), or the users of `ids`. */
admin.get('/users', async (c) => {
  const query = parseUsersQuery(new URL(c.req.url).searchParams);
  if ('ids' in query) {
    const users = await usersByIds(c.env, query.ids);
    return c.json({ users, page: { limit: query.ids.length, offset: 0, total: users.length, nextOffset: null } });
  }
  return c.json(await listUsers(c.env, query));
});

admin.patch('/users/:id', async (c) => {
  const body = requireObject(await readJsonBody(c.req.raw, MAX_BODY));
  const sets: string[] = [];
  const values: unknown[] = [];
  if ('role' in body) {
    if (body.role !== 'admin' && body.role !== 'user') throw new FieldError('role', 'must be "admin" or "user"');
    sets.push('role = ?');
    values.push(body.role);
  }
  if ('orgId' in body) {
    if (body.orgId !== null && typeof body.orgId !== 'string') throw new FieldError('orgId', 'must be an organisation id or null');
    if (typeof body.orgId === 'string') {
      const org = await c.env.DB.prepare('select id from organization where id = ?').bind(body.orgId).first();
      if (!org) throw new FieldError('orgId', 'no such organisation');
    }
    sets.push('orgId = ?');
    values.push(body.orgId);
  }
  if (sets.length === 0) throw new FieldError('body', 'give role and/or orgId');
  const updated = await c.env.DB.prepare(`update user set ${sets.join(', ')}, updatedAt = ? where id = ? returning ${USER_COLUMNS}`)
    .bind(...values, new Date().toISOString(), c.req.param('id'))
    .first<UserRow>();
  if (!updated) throw new HTTPException(404, { message: 'no such user' });
  // The user as the list shows them: isAdmin depends on ADMIN_EMAILS, which a client cannot see.
  return c.json(toAdminUser(c.env, updated));
});

admin.get('/orgs', async (c) => {
  const { results } = await c.env.DB.prepare('select id, name, createdAt from organization order by name').all<{
    id: string;
    name: string;
    createdAt: number;
  }>();
  return c.json({ orgs: results.map((o) => ({ ...o, createdAt: new Date(o.createdAt).toISOString() })) });
});

admin.post('/orgs', async (c) => {
  const body = requireObject(await readJsonBody(c.req.raw, MAX_BODY));
  if (typeof body.name !== 'string' || !NAME.test(body.name)) throw new FieldError('name', 'must be 1 to 100 printable characters');
  const org = { id: `org_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`, name: body.name, createdAt: Date.now() };
  try {
    await c.env.DB.prepare('insert into organization (id, name, createdAt) values (?, ?, ?)').bind(org.id, org.name, org.createdAt).run();
  } catch (error) {
    if (/UNIQUE/i.test(String(error))) throw new HTTPException(409, { message: 'name: an organisation with this name exists' });
    throw error;
  }
  return c.json({ ...org, createdAt: new Date(org.createdAt).toISOString() }, 201);
});

admin.get('/api-keys', async (c) => c.json({ apiKeys: await listApiKeys(c.env.DB) }));

admin.post('/api-keys', async (c) => {
  const body = requireObject(await readJsonBody(c.req.raw, MAX_BODY));
  if (typeof body.name !== 'string' || !NAME.test(body.name)) throw new FieldError('name', 'must be 1 to 100 printable characters');
  if (!API_KEY_SCOPES.includes(body.scope as ApiKeyScope)) throw new FieldError('scope', `must be one of ${API_KEY_SCOPES.join(', ')}`);
  const scope = body.scope as ApiKeyScope;
  const caller = c.get('principal')!;
  let userId = caller.userId;
  if (body.userId !== undefined) {
    if (typeof body.userId !== 'string') throw new FieldError('userId', 'must be a user id');
    const owner = await c.env.DB.prepare('select id, email, emailVerified, role from user where id = ?')
      .bind(body.userId)
      .first<{ id: string; email: string; emailVerified: number; role: string | null }>();
    if (!owner) throw new FieldError('userId', 'no such user');
    // requireAdmin would refuse such a key on every call; refusing it here says so at once.
    if (scope === 'admin' && !isAdmin(c.env, owner)) {
      throw new FieldError('userId', 'is not an admin, and an admin-scoped key can only act for an admin');
    }
    userId = body.userId;
  }
  let expiresAt: number | null = null;
  if (body.expiresAt !== undefined && body.expiresAt !== null) {
    const now = Date.now();
    expiresAt = readInstant(body.expiresAt, 'expiresAt', { notBefore: now + 1, notAfter: now + API_KEY_MAX_LIFETIME_MS });
  }
  const { record, key } = await createApiKey(c.env.DB, { name: body.name, scope, userId, createdBy: caller.userId, expiresAt });
  // The only time the key is ever shown.
  return c.json({ ...record, key }, 201);
});

admin.delete('/api-keys/:id', async (c) => {
  if (!(await revokeApiKey(c.env.DB, c.req.param('id')))) throw new HTTPException(404, { message: 'no such live API key' });
  return c.body(null, 204);
});

// After the middleware above, so requireAdmin and the cookie-write rule cover the limits routes too.
admin.route('/limits', limits);
