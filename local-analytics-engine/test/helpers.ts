import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { configFromEnv, startLocalAe, type LocalAe } from '../src/server.ts';

export const TOKEN = 'test-token';
export const ACCOUNT = 'test-account';

/** The local AE's default configuration with the test's token and account and `overrides`. */
export function configFromEnvForTest(overrides: Partial<ReturnType<typeof configFromEnv>> = {}) {
  return { ...configFromEnv({}), port: 0, token: TOKEN, accountId: ACCOUNT, ...overrides };
}

/** Starts a local AE on a free port over a fresh data directory for the calling test file. */
export function useLocalAe(overrides: Partial<ReturnType<typeof configFromEnv>> = {}): { ae: () => LocalAe; dataDir: string } {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'local-ae-test-'));
  let ae: LocalAe;
  beforeAll(async () => {
    ae = await startLocalAe({ ...configFromEnv({}), port: 0, dataDir, token: TOKEN, accountId: ACCOUNT, ...overrides });
  });
  afterAll(async () => {
    await ae?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { ae: () => ae, dataDir };
}

export interface SqlResult {
  status: number;
  contentType: string;
  text: string;
}

export async function sql(base: string, query: string, init: { token?: string; account?: string; method?: 'GET' | 'POST' } = {}): Promise<SqlResult> {
  const url = `${base}/client/v4/accounts/${init.account ?? ACCOUNT}/analytics_engine/sql`;
  const headers = { authorization: `Bearer ${init.token ?? TOKEN}` };
  const res =
    init.method === 'GET'
      ? await fetch(`${url}?query=${encodeURIComponent(query)}`, { headers })
      : await fetch(url, { method: 'POST', headers, body: query });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

export async function json<Row = Record<string, unknown>>(base: string, query: string): Promise<{ meta: { name: string; type: string }[]; data: Row[]; rows: number }> {
  const res = await sql(base, `${query} FORMAT JSON`);
  if (res.status !== 200) throw new Error(`${res.status}: ${res.text}`);
  return JSON.parse(res.text);
}

export async function write(
  base: string,
  points: unknown,
  dataset = 'usage_analytics',
  init: { token?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  const res = await fetch(`${base}/datasets/${dataset}/points`, { method: 'POST', headers, body: JSON.stringify({ points }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const DAY = 86_400_000;
/**
 * Midnight UTC a week ago: fixed-looking data that stays inside AE's 92-day retention whenever the
 * tests run, with buckets on round times.
 */
export const DAY0 = Math.floor(Date.now() / DAY) * DAY - 7 * DAY;
/** `2026-11-20T00:00:00Z`, as ISO text. */
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
/** `2026-11-20`, the date alone. */
export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** `2026-11-20 00:00:00`, as ClickHouse prints a DateTime. */
export const chTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

export const point = (user: string, event: string, extra: Record<string, unknown> = {}) => ({
  indexes: [user],
  blobs: [event, 'org_1'],
  doubles: [200],
  ...extra,
});

export interface AnalyticsSqlAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The parsed body when the answer is JSON. */
  json?: { data: Record<string, unknown>[]; rows: number; statistics: { elapsed_ms: number; rows_read: number; bytes_read: number } };
}

/** Posts to the local Analytics SQL API route (the binding's service) as JSON, or raw SQL when `body` is a string. */
export async function analyticsSql(
  base: string,
  body: { query: unknown; params?: unknown } | string,
  init: { token?: string | null; account?: string; rawJson?: string } = {},
): Promise<AnalyticsSqlAnswer> {
  const url = `${base}/client/v4/accounts/${init.account ?? ACCOUNT}/analytics/sql`;
  const headers: Record<string, string> = { 'content-type': typeof body === 'string' && !init.rawJson ? 'text/plain' : 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  const res = await fetch(url, { method: 'POST', headers, body: init.rawJson ?? (typeof body === 'string' ? body : JSON.stringify(body)) });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, text, json: res.ok ? JSON.parse(text) : undefined };
}
