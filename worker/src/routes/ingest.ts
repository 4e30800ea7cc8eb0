/**
 * POST /api/ingest: the app's data intake. Accepts `{ items: [{ type, payload, occurredAt? }] }`
 * from a session or an ingest-scoped API key, stores the batch in D1 in one transaction, and tracks
 * every authenticated call with the status it got (a rejected batch too).
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../env.ts';
import { trackEvent } from '../analytics/track.ts';
import { resolvePrincipal } from '../auth/principal.ts';
import { requireTrustedCookieWrite } from '../auth/cookie-writes.ts';
import { FieldError } from '../errors.ts';
import { checkLimit, limitRefusal } from '../limits/check.ts';
import { isObject, readInstant, readJsonBody } from '../body.ts';

const DAY_MS = 86_400_000;

export const INGEST_LIMITS = {
  maxBodyBytes: 256 * 1024,
  maxItems: 100,
  maxPayloadBytes: 16 * 1024,
  /** How old an item's occurredAt may be: clients replay offline queues, not archives. */
  maxAgeMs: 365 * DAY_MS,
  /** How far ahead of the worker's clock occurredAt may be: client clocks drift. */
  maxAheadMs: DAY_MS,
} as const;

const TYPE = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface IngestItem {
  type: string;
  payload: Record<string, unknown>;
  occurredAt: number;
}

function parseOccurredAt(value: unknown, field: string, now: number): number {
  if (value === undefined) return now;
  return readInstant(value, field, { notBefore: now - INGEST_LIMITS.maxAgeMs, notAfter: now + INGEST_LIMITS.maxAheadMs });
}

/** Validates a parsed body; every message names the field at fault. */
export function parseIngestBody(body: unknown, now = Date.now()): IngestItem[] {
  if (!isObject(body)) throw new FieldError('body', 'must be a JSON object with an items array');
  const items = body.items;
  if (!Array.isArray(items)) throw new FieldError('items', 'must be an array');
  if (items.length === 0) throw new FieldError('items', 'must not be empty');
  if (items.length > INGEST_LIMITS.maxItems) throw new FieldError('items', `at most ${INGEST_LIMITS.maxItems} per request`);
  return items.map((item, i) => {
    const at = `items[${i}]`;
    if (!isObject(item)) throw new FieldError(at, 'must be an object');
    const { type, payload, occurredAt } = item;
    if (typeof type !== 'string' || !TYPE.test(type)) {
      throw new FieldError(`${at}.type`, 'must be 1 to 64 letters, digits or _ . : -');
    }
    if (!isObject(payload)) throw new FieldError(`${at}.payload`, 'must be a JSON object');
    if (new TextEncoder().encode(JSON.stringify(payload)).byteLength > INGEST_LIMITS.maxPayloadBytes) {
      throw new FieldError(`${at}.payload`, `must be at most ${INGEST_LIMITS.maxPayloadBytes} bytes as JSON`);
    }
    return { type, payload, occurredAt: parseOccurredAt(occurredAt, `${at}.occurredAt`, now) };
  });
}

export const ingest = new Hono<AppEnv>();

ingest.post('/ingest', async (c) => {
  const principal = await resolvePrincipal(c);
  if (!principal) throw new HTTPException(401, { message: 'authentication required: sign in or send an ingest API key' });
  // Counted before anything else is checked or read: a flood of bad batches is a flood too.
  const limit = await checkLimit(c, principal, 'ingest');
  if (limit.refuse) {
    trackEvent(c, { userId: principal.userId, orgId: principal.orgId, event: 'ingest', status: 429, overLimit: true });
    return limitRefusal(c, limit.limit!);
  }
  const track = (status: number) =>
    trackEvent(c, { userId: principal.userId, orgId: principal.orgId, event: 'ingest', status, overLimit: limit.over });
  // Every refusal from here on is an authenticated call, so it is tracked with its status.
  try {
    if (principal.via === 'api-key' && principal.scope !== 'ingest') {
      throw new HTTPException(403, { message: 'this API key is not scoped for ingest' });
    }
    await requireTrustedCookieWrite(c);
    const items = parseIngestBody(await readJsonBody(c.req.raw, INGEST_LIMITS.maxBodyBytes));
    const now = Date.now();
    const ids = items.map(() => crypto.randomUUID());
    const insert = c.env.DB.prepare(
      'insert into ingest_item (id, userId, orgId, type, payload, occurredAt, createdAt) values (?, ?, ?, ?, ?, ?, ?)',
    );
    await c.env.DB.batch(
      items.map((item, i) =>
        insert.bind(ids[i], principal.userId, principal.orgId, item.type, JSON.stringify(item.payload), item.occurredAt, now),
      ),
    );
    track(201);
    return c.json({ accepted: items.length, ids }, 201);
  } catch (error) {
    track(error instanceof HTTPException ? error.status : 500);
    throw error;
  }
});
