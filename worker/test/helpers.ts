/**
 * Test helpers: requests through the real worker (exports.default, in workerd), real accounts
 * through better-auth, and reads of what landed in the local Analytics Engine.
 */
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { verificationLink } from '../src/auth/verification-link.ts';

export const ORIGIN = 'http://127.0.0.1:8787';

export interface Caller {
  token: string;
  userId: string;
  email: string;
  name: string;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

export async function call(
  path: string,
  options: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { method: options.method ?? 'GET', headers, body }));
}

export const PASSWORD = 'correct-horse-battery';

export async function signUp(name = 'Test User', email = uniqueEmail()): Promise<Caller> {
  const res = await call('/api/auth/sign-up/email', {
    method: 'POST',
    body: { name, email, password: PASSWORD },
    headers: { origin: ORIGIN },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const json = (await res.json()) as { user: { id: string } };
  return { token: res.headers.get('set-auth-token')!, userId: json.user.id, email, name };
}

/** Verifies the caller's email through better-auth's own link, as the tooling does for its admin. */
export async function verifyEmail(caller: Caller): Promise<void> {
  const link = await verificationLink({ workerUrl: ORIGIN, secret: env.BETTER_AUTH_SECRET, email: caller.email, userId: caller.userId });
  const res = await exports.default.fetch(new Request(link));
  expect(res.status, await res.clone().text()).toBe(200);
}

/** ADMIN_EMAILS makes an admin of a verified address only, so the admin verifies first. */
export async function signUpAdmin(): Promise<Caller> {
  const admin = await signUp('Ada Admin', 'admin@example.com');
  await verifyEmail(admin);
  return admin;
}

/** Signs in with the password and returns the session cookie, as a browser would hold it. */
export async function sessionCookie(caller: Caller): Promise<string> {
  const res = await call('/api/auth/sign-in/email', { method: 'POST', body: { email: caller.email, password: PASSWORD }, headers: { origin: ORIGIN } });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

export async function createKey(admin: Caller, scope: 'admin' | 'ingest', userId?: string): Promise<{ id: string; key: string }> {
  const res = await call('/api/admin/api-keys', { token: admin.token, method: 'POST', body: { name: `${scope} key`, scope, userId } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

export async function aeSql<Row = Record<string, unknown>>(sql: string): Promise<Row[]> {
  const res = await fetch(`${env.TEST_LOCAL_AE_URL}/client/v4/accounts/test-account/analytics_engine/sql`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-token' },
    body: `${sql} FORMAT JSON`,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`local AE ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: Row[] }).data;
}

export interface StoredPoint {
  index1: string;
  blob1: string;
  blob2: string;
  double1: number;
  /** 1 when the call was over its rate limit. */
  double2: number;
  _sample_interval: number;
}

/** Points are forwarded after the response; wait until `count` have arrived (or give up). */
export async function pointsOf(userId: string, count: number, timeoutMs = 5_000): Promise<StoredPoint[]> {
  const escaped = userId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await aeSql<StoredPoint>(
      `SELECT index1, blob1, blob2, double1, double2, _sample_interval FROM usage_analytics WHERE index1 = '${escaped}' ORDER BY timestamp, blob1, double1, double2`,
    );
    if (rows.length >= count || Date.now() > deadline) {
      return rows.map((r) => ({ ...r, double1: Number(r.double1), double2: Number(r.double2), _sample_interval: Number(r._sample_interval) }));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a WebSocket through the worker and returns the client end. */
export async function openSocket(path: string, token?: string): Promise<{ res: Response; ws: WebSocket | null }> {
  const res = await call(path, { token, headers: { upgrade: 'websocket' } });
  const ws = res.webSocket;
  ws?.accept();
  return { res, ws };
}

export function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.addEventListener('message', (e) => resolve(String(e.data)), { once: true }));
}

export interface TestPoint {
  user: string;
  event: string;
  org?: string;
  status?: number;
  /** Over its rate limit (double2 = 1). */
  over?: boolean;
  /** Epoch ms. */
  at?: number;
  sample?: number;
}

/** Writes points straight into the local AE (its batch endpoint), for read-path tests with known data. */
export async function writePoints(points: TestPoint[], dataset = 'usage_analytics'): Promise<void> {
  const res = await fetch(`${env.TEST_LOCAL_AE_URL}/datasets/${dataset}/points`, {
    method: 'POST',
    // The local AE takes writes only with its token: the one global-setup starts it with.
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-token' },
    body: JSON.stringify({
      points: points.map((p) => ({
        indexes: [p.user],
        blobs: [p.event, p.org ?? ''],
        doubles: [p.status ?? 200, p.over ? 1 : 0],
        timestamp: p.at ?? Date.now(),
        _sample_interval: p.sample ?? 1,
      })),
    }),
  });
  if (!res.ok) throw new Error(`write failed ${res.status}: ${await res.text()}`);
}

export const uniqueId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
