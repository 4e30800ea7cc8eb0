/**
 * The worker issue's acceptance script, against the running stack: a new user's traffic shows up in
 * /api/admin/usage with exactly the counts sent and the user's name; the call is 403 for that user,
 * 401 anonymously, and period=1y is a 400 naming period.
 */
import { expect, it } from 'vitest';
import { useStack } from './stack.ts';
import { AppClient, waitForEvents } from './client.ts';

const env = useStack();

interface Usage {
  totals: { events: number; byEvent: Record<string, number> };
  users: { id: string; name: string; total: number; events: Record<string, number> }[];
}

it('a new user\'s scripted traffic shows up with exactly those counts and the user\'s name', async () => {
  const app = await new AppClient(env.stack().workerUrl).signUp('Grace Scripted', `grace-${Date.now()}@example.com`, 'scripted-password');
  for (let i = 0; i < 3; i++) expect((await app.request('/api/auth/me')).status).toBe(200);
  for (let i = 0; i < 2; i++) expect((await app.request('/api/sync/auth')).status).toBe(200);
  expect(JSON.parse(await app.roundTrip('/api/sync?room=doc', 'edit'))).toMatchObject({ ack: true });
  expect(JSON.parse(await app.roundTrip('/api/chat?room=help', 'hi'))).toMatchObject({ role: 'assistant' });
  for (let i = 0; i < 2; i++) {
    expect((await app.request('/api/ingest', { method: 'POST', body: { items: [{ type: 'note', payload: { i } }] } })).status).toBe(201);
  }

  const adminClient = new AppClient(env.stack().workerUrl);
  adminClient.token = env.admin().token;
  const read = async () => {
    const res = await adminClient.request(`/api/admin/usage?period=24h&user=${app.userId}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as Usage).users[0]?.total ?? 0;
  };
  expect(await waitForEvents(read, 9)).toBe(9);

  const res = await adminClient.request('/api/admin/usage?period=24h');
  const usage = (await res.json()) as Usage;
  const row = usage.users.find((u) => u.id === app.userId);
  expect(row).toEqual({
    id: app.userId,
    name: 'Grace Scripted',
    email: expect.stringMatching(/^grace-/),
    total: 9,
    errors: 0,
    overLimit: 0,
    events: { sync: 1, sync_auth: 2, auth: 3, chat: 1, ingest: 2 },
    cost: { share: expect.any(Number), monthlyWrites: expect.any(Number), monthlyUsd: expect.any(Number) },
  });

  expect((await app.request('/api/admin/usage?period=24h')).status).toBe(403);
  expect((await app.request('/api/admin/usage?period=24h', { token: null })).status).toBe(401);
  const bad = await adminClient.request('/api/admin/usage?period=1y');
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ field: 'period' });
});
