import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { trackEvent } from '../analytics/track.ts';
import { isAdmin } from '../auth/admins.ts';
import { resolveSessionUser } from '../auth/principal.ts';
import { checkLimit, limitRefusal } from '../limits/check.ts';

/** GET /api/auth/me: the signed-in user, tracked as `auth`, within the user's session limit. */
export async function handleGetMe(c: Context<AppEnv>): Promise<Response> {
  const user = await resolveSessionUser(c);
  if (!user) return c.json({ error: 'not signed in' }, 401);
  const limit = await checkLimit(c, user, 'auth');
  if (limit.refuse) {
    trackEvent(c, { userId: user.userId, event: 'auth', orgId: user.orgId, status: 429, overLimit: true });
    return limitRefusal(c, limit.limit!);
  }
  trackEvent(c, { userId: user.userId, event: 'auth', orgId: user.orgId, status: 200, overLimit: limit.over });
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
