/**
 * The chat agent: one Durable Object per conversation, answering each user message. The answer is
 * a stand-in for a model call; what matters here is the connection the worker tracks.
 */
import { Room } from './room.ts';

export class ChatRoom extends Room {
  protected async onMessage(ws: WebSocket, from: string, text: string): Promise<void> {
    const turn = ((await this.ctx.storage.get<number>('turns')) ?? 0) + 1;
    await this.ctx.storage.put('turns', turn);
    ws.send(JSON.stringify({ role: 'assistant', turn, to: from, text: `You said: ${text}` }));
  }
}
