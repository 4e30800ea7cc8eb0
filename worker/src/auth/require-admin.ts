import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv, Env, Principal } from '../env.ts';
import { isAdmin } from './admins.ts';
import { resolvePrincipal } from './principal.ts';

/**
 * 401 without credentials, 403 for anyone but an admin session or an admin-scoped API key whose
 * owner is an admin now (a key never carries more than its owner's current rights).
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const principal = await resolvePrincipal(c);
  if (!principal) {
    throw new HTTPException(401, { message: 'authentication required: sign in or send an admin API key' });
  }
  if (!mayAdminister(c.env, principal)) throw new HTTPException(403, { message: 'admin access required' });
  await next();
});

/** What requireAdmin lets through: an admin's session, or an admin-scoped key of an admin. */
export function mayAdminister(env: Pick<Env, 'ADMIN_EMAILS'>, principal: Principal): boolean {
  return (principal.via === 'session' || principal.scope === 'admin') && isAdmin(env, principal);
}
