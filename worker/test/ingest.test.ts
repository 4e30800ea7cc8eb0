/**
 * POST /api/ingest validation: every rejection names the field, and nothing of a rejected batch is
 * stored.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, type Caller } from './helpers.ts';

let user: Caller;
beforeAll(async () => {
  user = await signUp('Ingester');
});

async function stored(): Promise<number> {
  const row = await env.DB.prepare('select count(*) as n from ingest_item where userId = ?').bind(user.userId).first<{ n: number }>();
  return row!.n;
}

describe('POST /api/ingest', () => {
  it('stores accepted items with their payload', async () => {
    const before = await stored();
    // Recent, since occurredAt may be at most a year old (ingest-edges.test.ts).
    const occurredAt = Date.now() - 3_600_000;
    const res = await call('/api/ingest', {
      token: user.token,
      method: 'POST',
      body: { items: [{ type: 'page.view', payload: { path: '/' }, occurredAt: new Date(occurredAt).toISOString() }, { type: 'click', payload: {} }] },
    });
    expect(res.status).toBe(201);
    const { ids, accepted } = (await res.json()) as { ids: string[]; accepted: number };
    expect(accepted).toBe(2);
    expect(await stored()).toBe(before + 2);
    const first = await env.DB.prepare('select type, payload, occurredAt from ingest_item where id = ?').bind(ids[0]).first();
    expect(first).toEqual({ type: 'page.view', payload: '{"path":"/"}', occurredAt });
  });

  it.each([
    ['not json', 'body'],
    ['[]', 'body'],
    ['{}', 'items'],
    ['{"items": []}', 'items'],
    [JSON.stringify({ items: Array.from({ length: 101 }, () => ({ type: 't', payload: {} })) }), 'items'],
    ['{"items": [1]}', 'items[0]'],
    ['{"items": [{"type": "ok", "payload": {}}, {"type": "", "payload": {}}]}', 'items[1].type'],
    ['{"items": [{"type": "has space", "payload": {}}]}', 'items[0].type'],
    ['{"items": [{"type": "t", "payload": [1]}]}', 'items[0].payload'],
    ['{"items": [{"type": "t", "payload": {}, "occurredAt": "when"}]}', 'items[0].occurredAt'],
    [JSON.stringify({ items: [{ type: 't', payload: { big: 'x'.repeat(17_000) } }] }), 'items[0].payload'],
  ])('%s → 400 naming %s, nothing stored', async (body, field) => {
    const before = await stored();
    const res = await call('/api/ingest', { token: user.token, method: 'POST', body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field, error: expect.stringContaining(field) });
    expect(await stored()).toBe(before);
  });

  it('a body over 256 KiB is a 413', async () => {
    const res = await call('/api/ingest', { token: user.token, method: 'POST', body: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
  });
});
