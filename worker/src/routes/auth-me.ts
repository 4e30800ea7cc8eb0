import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { trackEvent } from '../analytics/track.ts';
import { isAdmin } from '../auth/admins.ts';
import { resolveSessionUser } from '../auth/principal.ts';

/** GET /api/auth/me: the signed-in user, tracked as `auth`. */
export async function handleGetMe(c: Context<AppEnv>): Promise<Response> {
  const user = await resolveSessionUser(c);
  if (!user) return c.json({ error: 'not signed in' }, 401);
  trackEvent(c, { userId: user.userId, event: 'auth', orgId: user.orgId, status: 200 });
  return c.json({
    user: {
      id: user.userId,
      name: user.name,
      email: user.email,
      role: user.role,
      orgId: user.orgId,
      isAdmin: isAdmin(c.env, user),
    },
  });
}
