/**
 * Sync: the WebSocket at /api/sync and its pre-flight /api/sync/auth. Both, and chat, go through
 * checkSyncAuth, which reads the session once and hands back who to track.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { trackEvent } from '../analytics/track.ts';
import { resolveSessionUser } from '../auth/principal.ts';
import { checkLimit, limitRefusal } from '../limits/check.ts';
import { connectRoom, type RoomOwner } from './websocket.ts';

export type SyncAuth = RoomOwner;

export async function checkSyncAuth(c: Context<AppEnv>): Promise<SyncAuth | null> {
  const user = await resolveSessionUser(c);
  return user ? { userId: user.userId, orgId: user.orgId } : null;
}

export const sync = new Hono<AppEnv>();

sync.get('/sync/auth', async (c) => {
  const auth = await checkSyncAuth(c);
  if (!auth) return c.json({ error: 'not signed in' }, 401);
  const limit = await checkLimit(c, auth, 'sync_auth');
  if (limit.refuse) {
    trackEvent(c, { ...auth, event: 'sync_auth', status: 429, overLimit: true });
    return limitRefusal(c, limit.limit!);
  }
  trackEvent(c, { ...auth, event: 'sync_auth', status: 200, overLimit: limit.over });
  return c.json({ ok: true, userId: auth.userId });
});

sync.get('/sync', async (c) => {
  const auth = await checkSyncAuth(c);
  if (!auth) return c.json({ error: 'not signed in' }, 401);
  // Refused before the upgrade: no Durable Object is reached for a call over its limit.
  const limit = await checkLimit(c, auth, 'sync');
  if (limit.refuse) {
    trackEvent(c, { ...auth, event: 'sync', status: 429, overLimit: true });
    return limitRefusal(c, limit.limit!);
  }
  return connectRoom(c, c.env.SYNC_ROOM, auth, (status) => trackEvent(c, { ...auth, event: 'sync', status, overLimit: limit.over }));
});
