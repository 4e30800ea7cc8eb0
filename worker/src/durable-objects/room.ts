/**
 * What the sync room and the chat agent share: members join over WebSockets with the hibernation
 * API (an idle room costs nothing), the worker names the user in a header only it sets, and
 * messages are size-checked before the room handles them. Usage is tracked by the worker when a
 * connection is made, never here.
 */
import { DurableObject } from 'cloudflare:workers';

export const MAX_MESSAGE_BYTES = 64 * 1024;

export abstract class Room extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get('x-usage-lens-user');
    if (!userId) return new Response('missing user', { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ userId });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const size = typeof message === 'string' ? new TextEncoder().encode(message).byteLength : message.byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      ws.close(1009, 'message too large');
      return;
    }
    const text = typeof message === 'string' ? message : new TextDecoder().decode(message);
    const from = (ws.deserializeAttachment() as { userId: string } | null)?.userId ?? 'unknown';
    await this.onMessage(ws, from, text);
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, 'closing');
  }

  protected abstract onMessage(ws: WebSocket, from: string, text: string): Promise<void>;
}
