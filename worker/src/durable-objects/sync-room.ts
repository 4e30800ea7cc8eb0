/** A sync room: every message a member sends is relayed to the other members. */
import { Room } from './room.ts';

export class SyncRoom extends Room {
  protected async onMessage(ws: WebSocket, from: string, data: string): Promise<void> {
    const envelope = JSON.stringify({ from, data });
    const members = this.ctx.getWebSockets();
    for (const peer of members) {
      if (peer !== ws) peer.send(envelope);
    }
    ws.send(JSON.stringify({ ack: true, peers: members.length - 1 }));
  }
}
