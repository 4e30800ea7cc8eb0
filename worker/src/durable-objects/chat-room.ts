/**
 * The chat agent: one Durable Object per conversation, answering each user message. The answer is
 * a stand-in for a model call; what matters here is the connection the worker tracks.
 */
import { DurableObject } from 'cloudflare:workers';
import { acceptMember, MAX_MESSAGE_BYTES, messageSize, senderOf } from './sync-room.ts';

export class ChatRoom extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    return acceptMember(this.ctx, request);
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (messageSize(message) > MAX_MESSAGE_BYTES) {
      ws.close(1009, 'message too large');
      return;
    }
    const text = typeof message === 'string' ? message : new TextDecoder().decode(message);
    const turn = ((await this.ctx.storage.get<number>('turns')) ?? 0) + 1;
    await this.ctx.storage.put('turns', turn);
    ws.send(JSON.stringify({ role: 'assistant', turn, to: senderOf(ws), text: `You said: ${text}` }));
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, 'closing');
  }
}
