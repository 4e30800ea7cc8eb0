import type { Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReceiver } from '../receiver/server.ts';

let server: Server;
let url: string;
const lines: string[] = [];

beforeAll(async () => {
  server = await startReceiver(0, '127.0.0.1', (line) => lines.push(line));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

it('logs each alert of a Grafana webhook notification and keeps it for /received', async () => {
  const notification = {
    receiver: 'usage-lens',
    status: 'firing',
    title: '[firing:1] User calls per hour above 500',
    message: 'FIRING User calls per hour above 500\nUser: Hot (u_hot)\n\nRESOLVED …\n',
    alerts: [
      { status: 'firing', labels: { alertname: 'User calls per hour above 500', user: 'u_hot' }, annotations: { summary: 'u_hot made 612 calls' } },
      { status: 'resolved', labels: { alertname: 'User calls per hour above 500', user: 'u_old' }, annotations: {} },
    ],
  };
  const res = await fetch(`${url}/alerts`, { method: 'POST', body: JSON.stringify(notification) });
  expect(res.status).toBe(200);
  expect(lines).toEqual([
    '[alert] FIRING alertname=User calls per hour above 500 user=u_hot — u_hot made 612 calls',
    '[alert] RESOLVED alertname=User calls per hour above 500 user=u_old — ',
    '        FIRING User calls per hour above 500',
    '        User: Hot (u_hot)',
    '        RESOLVED …',
  ]);
  const received = (await (await fetch(`${url}/received`)).json()) as { notification: unknown }[];
  expect(received.at(-1)!.notification).toEqual(notification);
});

it('refuses a body that is not JSON, and unknown paths', async () => {
  expect((await fetch(`${url}/alerts`, { method: 'POST', body: '{' })).status).toBe(400);
  expect((await fetch(`${url}/nope`)).status).toBe(404);
});
