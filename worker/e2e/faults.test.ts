/**
 * Faults in the running stack: with the local Analytics Engine down, every tracked point still
 * answers its user (tracking never fails a request) and the usage API says what is wrong.
 */
import { expect, it } from 'vitest';
import { useStack } from './stack.ts';
import { AppClient } from './client.ts';

const env = useStack({ own: true });

it('with the local AE down, the five tracked points still answer, and the usage API explains', async () => {
  const app = await new AppClient(env.stack().workerUrl).signUp('Faulty Fay', `fay-${Date.now()}@example.com`, 'fault-password');
  await env.stack().stopAnalyticsEngine();
  expect((await fetch(`${env.stack().aeUrl}/health`).catch(() => null))?.ok ?? false).toBe(false);

  expect((await app.request('/api/auth/me')).status).toBe(200);
  expect((await app.request('/api/sync/auth')).status).toBe(200);
  expect((await app.request('/api/ingest', { method: 'POST', body: { items: [{ type: 'note', payload: {} }] } })).status).toBe(201);
  expect(JSON.parse(await app.roundTrip('/api/sync?room=down', 'edit'))).toMatchObject({ ack: true });
  expect(JSON.parse(await app.roundTrip('/api/chat?room=down', 'hi'))).toMatchObject({ role: 'assistant' });

  const adminClient = new AppClient(env.stack().workerUrl);
  adminClient.token = env.admin().token;
  const usage = await adminClient.request('/api/admin/usage?period=24h');
  // Unreachable is worth retrying: the binding marks it so, and the usage API says when.
  expect(usage.status).toBe(503);
  expect(usage.headers.get('retry-after')).toBe('30');
  expect(await usage.json()).toEqual({ error: expect.stringMatching(/^Analytics Engine could not answer now; try again later: .*unavailable/) });
  // The app itself is unaffected.
  expect((await app.request('/api/auth/me')).status).toBe(200);
});
