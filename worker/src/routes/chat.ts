/**
 * Chat: a WebSocket at /api/chat to the chat agent's Durable Object. Tracking happens in the
 * connection hook, which runs in the worker, so the Durable Object stays free of analytics.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { trackEvent } from '../analytics/track.ts';
import { checkLimit, limitRefusal } from '../limits/check.ts';
import { checkSyncAuth, type SyncAuth } from './sync.ts';
import { connectRoom } from './websocket.ts';

export interface ChatHooks {
  /**
   * Runs once per connection attempt by a signed-in user, with the status it got and whether it was
   * over the user's limit (429: refused for it, before the upgrade).
   */
  onConnect(c: Context<AppEnv>, auth: SyncAuth, status: number, overLimit: boolean): void;
}

export const chatHooks: ChatHooks = {
  onConnect(c, auth, status, overLimit) {
    trackEvent(c, { ...auth, event: 'chat', status, overLimit });
  },
};

export async function routeChat(c: Context<AppEnv>, hooks: ChatHooks): Promise<Response> {
  const auth = await checkSyncAuth(c);
  if (!auth) return c.json({ error: 'not signed in' }, 401);
  const limit = await checkLimit(c, auth, 'chat');
  if (limit.refuse) {
    hooks.onConnect(c, auth, 429, true);
    return limitRefusal(c, limit.limit!);
  }
  return connectRoom(c, c.env.CHAT_ROOM, auth, (status) => hooks.onConnect(c, auth, status, limit.over));
}

export const chat = new Hono<AppEnv>();
chat.get('/chat', (c) => routeChat(c, chatHooks));
