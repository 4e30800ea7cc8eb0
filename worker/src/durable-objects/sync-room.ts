/**
 * A sync room: every message a member sends is relayed to the other members. Uses the WebSocket
 * hibernation API, so an idle room costs nothing. Usage is tracked by the worker when the
 * connection is made, never here.
 */
import { DurableObject } from 'cloudflare:workers';

export const MAX_MESSAGE_BYTES = 64 * 1024;

export function acceptMember(ctx: DurableObjectState, request: Request): Response {
  const userId = request.headers.get('x-usage-lens-user');
  if (!userId) return new Response('missing user', { status: 400 });
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  server.serializeAttachment({ userId });
  return new Response(null, { status: 101, webSocket: client });
}

export function senderOf(ws: WebSocket): string {
  return (ws.deserializeAttachment() as { userId: string } | null)?.userId ?? 'unknown';
}

export function messageSize(message: string | ArrayBuffer): number {
  return typeof message === 'string' ? new TextEncoder().encode(message).byteLength : message.byteLength;
}

export class SyncRoom extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    return acceptMember(this.ctx, request);
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (messageSize(message) > MAX_MESSAGE_BYTES) {
      ws.close(1009, 'message too large');
      return;
    }
    const envelope = JSON.stringify({
      from: senderOf(ws),
      data: typeof message === 'string' ? message : new TextDecoder().decode(message),
    });
    for (const peer of this.ctx.getWebSockets()) {
      if (peer !== ws) peer.send(envelope);
    }
    ws.send(JSON.stringify({ ack: true, peers: this.ctx.getWebSockets().length - 1 }));
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, 'closing');
  }
}
