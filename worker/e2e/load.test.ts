/**
 * Load: concurrent clients over the five tracked points against the running stack. Every request
 * must succeed (no 5xx) and the usage API must then count exactly what was sent: zero lost.
 * LOAD_REQUESTS (default 1,000 in npm test; npm run bench runs 10,000) and LOAD_CONCURRENCY
 * (default 32) scale it.
 */
import { expect, it } from 'vitest';
import { useStack } from './stack.ts';
import { AppClient, waitForEvents } from './client.ts';

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 1_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 32);
const USERS = 20;

const env = useStack();

type Route = 'auth' | 'sync_auth' | 'ingest' | 'sync' | 'chat';
// Mostly cheap HTTP calls, as in the app; WebSockets are a tenth.
const MIX: Route[] = ['auth', 'auth', 'auth', 'sync_auth', 'sync_auth', 'sync_auth', 'ingest', 'ingest', 'ingest', 'ingest', 'sync', 'chat'];

async function hit(client: AppClient, route: Route, i: number): Promise<number> {
  switch (route) {
    case 'auth':
      return (await client.request('/api/auth/me')).status;
    case 'sync_auth':
      return (await client.request('/api/sync/auth')).status;
    case 'ingest':
      return (await client.request('/api/ingest', { method: 'POST', body: { items: [{ type: 'load', payload: { i } }] } })).status;
    default:
      await client.roundTrip(`/api/${route}?room=load-${i % 7}`, 'x');
      return 101;
  }
}

it(`${REQUESTS} concurrent requests over the five tracked points: no 5xx, zero lost`, { timeout: 600_000 }, async () => {
  const clients = await Promise.all(
    Array.from({ length: USERS }, (_, u) => new AppClient(env.stack().workerUrl).signUp(`Load User ${u}`, `load-${u}-${Date.now()}@example.com`, 'load-password')),
  );
  const expected = new Map(clients.map((c) => [c.userId, { sync: 0, sync_auth: 0, auth: 0, chat: 0, ingest: 0 } as Record<Route, number>]));
  const statuses = new Map<number, number>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < REQUESTS; i = next++) {
        const client = clients[i % USERS];
        const route = MIX[(i * 7 + Math.floor(i / USERS)) % MIX.length];
        let status: number;
        try {
          status = await hit(client, route, i);
        } catch {
          status = 599;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status < 400) expected.get(client.userId)![route]++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`load: ${REQUESTS} requests in ${seconds.toFixed(1)} s (${Math.round(REQUESTS / seconds)} req/s), statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  expect([...statuses.keys()].every((s) => [200, 201, 101].includes(s))).toBe(true);

  const adminClient = new AppClient(env.stack().workerUrl);
  adminClient.token = env.admin().token;
  const query = `/api/admin/usage?period=24h&${clients.map((c) => `user=${c.userId}`).join('&')}`;
  const read = async () => ((await (await adminClient.request(query)).json()) as { totals: { events: number } }).totals.events;
  expect(await waitForEvents(read, REQUESTS, 60_000)).toBe(REQUESTS);
  const usage = (await (await adminClient.request(query)).json()) as { users: { id: string; events: Record<Route, number> }[] };
  for (const [userId, counts] of expected) {
    expect(usage.users.find((u) => u.id === userId)?.events, userId).toEqual(counts);
  }
});
