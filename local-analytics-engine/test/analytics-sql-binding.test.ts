/**
 * `LocalAnalyticsSql` called as the app calls the Analytics SQL binding: over a real service
 * binding (RPC) in workerd, run by Miniflare, against a real local AE. It resolves with the
 * binding's result and rejects with an Error whose `retryable` reaches the caller.
 * https://developers.cloudflare.com/workers/runtime-apis/bindings/analytics-sql/
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@usage-lens/tooling/stack';
import { ACCOUNT, DAY0, iso, isoDate, point, TOKEN, useLocalAe, write } from './helpers.ts';

// A small result cap, so the "resource limits" rejection (507) can be produced for real.
const MAX_ROWS = 5;
const { ae } = useLocalAe({ maxResultRows: MAX_ROWS });
// Under the package: Miniflare names modules relative to the working directory.
const buildRoot = path.join(import.meta.dirname, '..', '.test-build');
mkdirSync(buildRoot, { recursive: true });
const buildDir = mkdtempSync(path.join(buildRoot, 'binding-'));
let mf: Miniflare;

const DS = 'events.analyticsEngine.usage_analytics';
const T0 = DAY0;
const DAY_TEXT = isoDate(T0);

/** The app side: calls the binding it is given and reports what came back, as JSON. */
const APP = `
export default {
  async fetch(request, env) {
    const { binding, query, params } = await request.json();
    try {
      const result = await env[binding].query(params === undefined ? { query } : { query, params });
      return Response.json({ ok: true, result });
    } catch (e) {
      return Response.json({ ok: false, isError: e instanceof Error, name: e.name, message: e.message, retryable: e.retryable });
    }
  },
};`;

interface Outcome {
  ok: boolean;
  result?: { data: Record<string, unknown>[]; rows: number; statistics: Record<string, number> };
  isError?: boolean;
  name?: string;
  message?: string;
  retryable?: unknown;
}

async function call(query: string, params?: unknown, binding = 'ANALYTICS_SQL'): Promise<Outcome> {
  const res = await mf.dispatchFetch('http://app/', { method: 'POST', body: JSON.stringify({ binding, query, params }) });
  return (await res.json()) as Outcome;
}

beforeAll(async () => {
  const points = Array.from({ length: 8 }, (_, i) => point(`u${i}`, 'auth', { timestamp: T0 + i * 60_000 }));
  points.push(point('sampled', 'sync', { timestamp: T0, _sample_interval: 10 }));
  expect((await write(ae().url, points)).status).toBe(200);

  const bundle = path.join(buildDir, 'entrypoint.js');
  buildSync({
    entryPoints: [path.join(import.meta.dirname, '..', 'src', 'entrypoint.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['cloudflare:workers'],
    logLevel: 'warning',
  });
  // Nothing listens here: the binding's store is unreachable.
  const downUrl = `http://127.0.0.1:${await freePort()}`;
  const entrypoint = (name: string, aeUrl: string) => ({
    name,
    modules: true,
    scriptPath: bundle,
    compatibilityDate: '2026-10-01',
    bindings: { LOCAL_AE_URL: aeUrl, LOCAL_AE_ACCOUNT_ID: ACCOUNT, LOCAL_AE_TOKEN: TOKEN },
  });
  mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: 'app',
          modules: true,
          script: APP,
          compatibilityDate: '2026-10-01',
          // As the app's [[env.local.services]] binds it: service + entrypoint.
          serviceBindings: {
            ANALYTICS_SQL: { name: 'local-analytics-engine', entrypoint: 'LocalAnalyticsSql' },
            DOWN: { name: 'local-analytics-engine-down', entrypoint: 'LocalAnalyticsSql' },
          },
        },
        entrypoint('local-analytics-engine', ae().url),
        entrypoint('local-analytics-engine-down', downUrl),
      ],
    }),
  );
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  rmSync(buildDir, { recursive: true, force: true });
});

describe('LocalAnalyticsSql over a service binding', () => {
  it('resolves with { data, rows, statistics }, sampling-weighted', async () => {
    const out = await call(`SELECT index1 AS who, COUNT() AS n FROM ${DS} WHERE timestamp >= $1 AND index1 IN ($2, $3) GROUP BY who ORDER BY who`, [
      iso(T0), 'sampled', 'u0',
    ]);
    expect(out.ok).toBe(true);
    expect(out.result?.data).toEqual([
      { who: 'sampled', n: 10 },
      { who: 'u0', n: 1 },
    ]);
    expect(out.result?.rows).toBe(2);
    expect(Object.keys(out.result!.statistics).sort()).toEqual(['bytes_read', 'elapsed_ms', 'rows_read']);
  });

  it('takes named parameters', async () => {
    const out = await call(`SELECT COUNT() AS n FROM ${DS} WHERE timestamp >= $since AND blob1 = $event`, { since: DAY_TEXT, event: 'auth' });
    expect(out.result?.data).toEqual([{ n: 8 }]);
  });

  it('an invalid query rejects with an Error, the service\'s text, and retryable false', async () => {
    const out = await call(`SELECT uniq(index1) FROM ${DS} WHERE timestamp >= NOW() - INTERVAL '1' DAY`);
    expect(out).toEqual({
      ok: false, isError: true, name: 'Error', message: 'Input was invalid: unsupported function uniq()', retryable: false,
    });
  });

  it('a query past the store\'s resource limits (507) rejects with retryable true', async () => {
    // "Retry 429, 500, 503, and 507" https://developers.cloudflare.com/analytics/sql-api/errors/
    const out = await call(`SELECT index1 FROM ${DS} WHERE timestamp >= '${DAY_TEXT}'`);
    expect(out.ok).toBe(false);
    expect(out.isError).toBe(true);
    expect(out.message).toMatch(/^The query could not complete within the data store's resource limits/);
    expect(out.retryable).toBe(true);
    const within = await call(`SELECT index1 FROM ${DS} WHERE timestamp >= '${DAY_TEXT}' ORDER BY index1 LIMIT ${MAX_ROWS}`);
    expect(within.result?.rows, JSON.stringify(within)).toBe(MAX_ROWS);
  });

  it('an unreachable store rejects with retryable true', async () => {
    const out = await call(`SELECT COUNT() FROM ${DS} WHERE timestamp >= NOW() - INTERVAL '1' DAY`, undefined, 'DOWN');
    expect(out).toMatchObject({ ok: false, isError: true, retryable: true });
    expect(out.message).toContain('unavailable');
  });

  it('a non-finite number rejects before leaving the Worker, where JSON would have made it null', async () => {
    // The app parses 1e999 as Infinity and hands it to the binding over RPC, which keeps it.
    const res = await mf.dispatchFetch('http://app/', {
      method: 'POST',
      body: `{"binding":"ANALYTICS_SQL","query":"SELECT COUNT() FROM ${DS} WHERE timestamp >= '${DAY_TEXT}' AND double1 = $1","params":[1e999]}`,
    });
    expect(await res.json()).toEqual({
      ok: false, isError: true, name: 'Error', message: 'Input was invalid: params[0] must be a finite number', retryable: false,
    });
  });
});
