import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { FieldError } from '../errors.ts';

const ROOM = /^[A-Za-z0-9_-]{1,64}$/;

export interface RoomOwner {
  userId: string;
  orgId: string;
}

/**
 * Connects a signed-in caller's WebSocket to a room's Durable Object and reports the outcome's
 * status exactly once: 426 without an upgrade, 400 for a bad room, else the DO's answer (101).
 * Rooms live inside the caller's organisation, or their own space without one. The DO learns the
 * user from a header only the worker sets.
 */
export async function connectRoom<T extends Rpc.DurableObjectBranded>(
  c: Context<AppEnv>,
  namespace: DurableObjectNamespace<T>,
  owner: RoomOwner,
  report: (status: number) => void,
): Promise<Response> {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    report(426);
    return c.json({ error: 'expected a WebSocket upgrade' }, 426);
  }
  const room = c.req.query('room') ?? 'default';
  if (!ROOM.test(room)) {
    report(400);
    throw new FieldError('room', 'letters, digits, _ and - only, 1 to 64 characters');
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set('x-usage-lens-user', owner.userId);
  const stub = namespace.get(namespace.idFromName(`${owner.orgId || owner.userId}:${room}`));
  const res = await stub.fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  report(res.status);
  return res;
}
