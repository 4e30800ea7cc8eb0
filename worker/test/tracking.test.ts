/**
 * Each of the five instrumented points writes exactly one data point with the seed's schema
 * (index1 user, blob1 event, blob2 org, double1 status), read back from the local AE.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, nextMessage, openSocket, pointsOf, signUp, signUpAdmin, createKey, type Caller } from './helpers.ts';

let admin: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
});

async function userInOrg(): Promise<Caller & { orgId: string }> {
  const user = await signUp('Tracked User');
  const org = await call('/api/admin/orgs', { token: admin.token, method: 'POST', body: { name: `Org ${user.userId}` } });
  const { id: orgId } = (await org.json()) as { id: string };
  const patched = await call(`/api/admin/users/${user.userId}`, { token: admin.token, method: 'PATCH', body: { orgId } });
  expect(patched.status).toBe(200);
  return { ...user, orgId };
}

describe('the five tracked points', () => {
  it('GET /api/auth/me writes one auth point with status 200 and the org', async () => {
    const user = await userInOrg();
    const res = await call('/api/auth/me', { token: user.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { id: user.userId, orgId: user.orgId, isAdmin: false } });
    expect(await pointsOf(user.userId, 1)).toEqual([
      { index1: user.userId, blob1: 'auth', blob2: user.orgId, double1: 200, double2: 0, _sample_interval: 1 },
    ]);
  });

  it('GET /api/sync/auth writes one sync_auth point', async () => {
    const user = await signUp();
    const res = await call('/api/sync/auth', { token: user.token });
    expect(res.status).toBe(200);
    expect(await pointsOf(user.userId, 1)).toEqual([
      { index1: user.userId, blob1: 'sync_auth', blob2: '', double1: 200, double2: 0, _sample_interval: 1 },
    ]);
  });

  it('the sync WebSocket writes one sync point with 101 and relays messages between members', async () => {
    const user = await userInOrg();
    const a = await openSocket('/api/sync?room=doc-1', user.token);
    const b = await openSocket('/api/sync?room=doc-1', user.token);
    expect(a.res.status).toBe(101);
    expect(b.res.status).toBe(101);
    const relayed = nextMessage(b.ws!);
    a.ws!.send('edit 1');
    expect(JSON.parse(await relayed)).toEqual({ from: user.userId, data: 'edit 1' });
    a.ws!.close();
    b.ws!.close();
    const points = await pointsOf(user.userId, 2);
    expect(points).toEqual([
      { index1: user.userId, blob1: 'sync', blob2: user.orgId, double1: 101, double2: 0, _sample_interval: 1 },
      { index1: user.userId, blob1: 'sync', blob2: user.orgId, double1: 101, double2: 0, _sample_interval: 1 },
    ]);
  });

  it('the chat WebSocket is tracked once, in the connection hook, and the agent answers', async () => {
    const user = await signUp();
    const { res, ws } = await openSocket('/api/chat?room=help', user.token);
    expect(res.status).toBe(101);
    const answer = nextMessage(ws!);
    ws!.send('hello');
    expect(JSON.parse(await answer)).toMatchObject({ role: 'assistant', turn: 1, text: 'You said: hello' });
    ws!.send('again');
    await nextMessage(ws!);
    ws!.close();
    // Two messages on one connection are still one tracked chat event.
    expect(await pointsOf(user.userId, 2, 1_000)).toEqual([
      { index1: user.userId, blob1: 'chat', blob2: '', double1: 101, double2: 0, _sample_interval: 1 },
    ]);
  });

  it('POST /api/ingest writes one ingest point per call with its status, 201 or 400', async () => {
    const user = await signUp();
    const ok = await call('/api/ingest', { token: user.token, method: 'POST', body: { items: [{ type: 'note', payload: { n: 1 } }] } });
    expect(ok.status).toBe(201);
    const bad = await call('/api/ingest', { token: user.token, method: 'POST', body: { items: [{ type: 'note' }] } });
    expect(bad.status).toBe(400);
    const points = await pointsOf(user.userId, 2);
    expect(points.map((p) => [p.blob1, p.double1]).sort()).toEqual([
      ['ingest', 201],
      ['ingest', 400],
    ]);
  });

  it('an ingest API key is tracked as the user it acts for', async () => {
    const user = await signUp();
    const { key } = await createKey(admin, 'ingest', user.userId);
    const res = await call('/api/ingest', { token: key, method: 'POST', body: { items: [{ type: 'metric', payload: { v: 2 } }] } });
    expect(res.status).toBe(201);
    expect(await pointsOf(user.userId, 1)).toEqual([
      { index1: user.userId, blob1: 'ingest', blob2: '', double1: 201, double2: 0, _sample_interval: 1 },
    ]);
  });

  it('a WebSocket route without an upgrade answers 426 and is tracked with 426', async () => {
    const user = await signUp();
    expect((await call('/api/sync', { token: user.token })).status).toBe(426);
    expect((await call('/api/chat', { token: user.token })).status).toBe(426);
    const points = await pointsOf(user.userId, 2);
    expect(points.map((p) => [p.blob1, p.double1]).sort()).toEqual([
      ['chat', 426],
      ['sync', 426],
    ]);
  });

  it('a bad room name is a 400 naming room, tracked once', async () => {
    const user = await signUp();
    const res = await call('/api/sync?room=../../etc', { token: user.token, headers: { upgrade: 'websocket' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'room' });
    expect(await pointsOf(user.userId, 1)).toEqual([
      { index1: user.userId, blob1: 'sync', blob2: '', double1: 400, double2: 0, _sample_interval: 1 },
    ]);
  });

  it('anonymous calls are refused with 401 and write nothing', async () => {
    const before = await pointsOf('', 0, 0);
    for (const path of ['/api/auth/me', '/api/sync/auth', '/api/sync', '/api/chat']) {
      expect((await call(path, { headers: { upgrade: 'websocket' } })).status).toBe(401);
    }
    expect((await call('/api/ingest', { method: 'POST', body: { items: [] } })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect((await pointsOf('', 0, 0)).length).toBe(before.length);
  });
});
