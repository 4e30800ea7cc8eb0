/**
 * Faults in the running stack: with the local Analytics Engine down, every tracked point still
 * answers its user (tracking never fails a request) and the usage API says what is wrong.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signInAdmin, startStack, type Admin, type Stack } from '../../scripts/stack.ts';
import { AppClient } from './client.ts';

let stack: Stack;
let admin: Admin;
const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-faults-'));

beforeAll(async () => {
  stack = await startStack({ stateDir: path.join(dir, 'state'), aeDataDir: path.join(dir, 'ae'), adminEmails: 'admin@example.com' });
  admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('with the local AE down, the five tracked points still answer, and the usage API explains', async () => {
  const app = await new AppClient(stack.workerUrl).signUp('Faulty Fay', `fay-${Date.now()}@example.com`, 'fault-password');
  await stack.stopAnalyticsEngine();
  expect((await fetch(`${stack.aeUrl}/health`).catch(() => null))?.ok ?? false).toBe(false);

  expect((await app.request('/api/auth/me')).status).toBe(200);
  expect((await app.request('/api/sync/auth')).status).toBe(200);
  expect((await app.request('/api/ingest', { method: 'POST', body: { items: [{ type: 'note', payload: {} }] } })).status).toBe(201);
  expect(JSON.parse(await app.roundTrip('/api/sync?room=down', 'edit'))).toMatchObject({ ack: true });
  expect(JSON.parse(await app.roundTrip('/api/chat?room=down', 'hi'))).toMatchObject({ role: 'assistant' });

  const adminClient = new AppClient(stack.workerUrl);
  adminClient.token = admin.token;
  const usage = await adminClient.request('/api/admin/usage?period=24h');
  expect(usage.status).toBe(502);
  expect(await usage.json()).toEqual({ error: expect.stringMatching(/^Analytics Engine SQL API is unreachable/) });
  // The app itself is unaffected.
  expect((await app.request('/api/auth/me')).status).toBe(200);
});
