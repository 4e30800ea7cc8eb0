/**
 * Chat: a WebSocket at /api/chat to the chat agent's Durable Object. Tracking happens in the
 * connection hook, which runs in the worker, so the Durable Object stays free of analytics.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { trackEvent } from '../analytics/track.ts';
import { checkSyncAuth, type SyncAuth } from './sync.ts';
import { connectRoom } from './websocket.ts';

export interface ChatHooks {
  /** Runs once per connection attempt by a signed-in user, with the status it got. */
  onConnect(c: Context<AppEnv>, auth: SyncAuth, status: number): void;
}

export const chatHooks: ChatHooks = {
  onConnect(c, auth, status) {
    trackEvent(c, { ...auth, event: 'chat', status });
  },
};

export async function routeChat(c: Context<AppEnv>, hooks: ChatHooks): Promise<Response> {
  const auth = await checkSyncAuth(c);
  if (!auth) return c.json({ error: 'not signed in' }, 401);
  return connectRoom(c, c.env.CHAT_ROOM, auth, (status) => hooks.onConnect(c, auth, status));
}

export const chat = new Hono<AppEnv>();
chat.get('/chat', (c) => routeChat(c, chatHooks));
