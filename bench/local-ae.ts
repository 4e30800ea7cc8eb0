/**
 * Local AE bench: batched ingest through the HTTP write path (points/s), the 30-day per-user
 * usage read over 1M points (the usage API's first page: the exact statement and parameters the
 * worker sends through the Analytics SQL binding), medians of several
 * rounds, and how long a 1-point write takes while a 30 s query runs. Targets: >= 50,000
 * points/s, < 1 s, < 1 s.
 *
 *   node bench/local-ae.ts [--points 1000000 --rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { USAGE_EVENTS, toDataPoint } from '@usage-lens/contract';
import { usersRead } from '@usage-lens/worker/read-sql';
import { configFromEnv, startLocalAe } from '@usage-lens/local-analytics-engine/server';

export interface AeBenchResult {
  points: number;
  ingestPointsPerSecond: number;
  ingestSeconds: number;
  queryMedianSeconds: number;
  queryRoundsSeconds: number[];
  resultRows: number;
  /** One 1-point write over HTTP while a 30-second query holds a query connection. */
  writeDuringSlowQueryMs: number;
}

/**
 * Times one write while a query that takes 30 s is running (sleepEachRow is not AE's, so it runs on
 * the store as the SQL API's queries do), then cancels the query rather than waiting it out.
 */
async function writeDuringSlowQuery(ae: Awaited<ReturnType<typeof startLocalAe>>): Promise<number> {
  const tag = 'bench-slow-query';
  const slow = ae.store
    .query('SELECT sleepEachRow(1) FROM numbers(30)', {
      format: 'JSON', timeoutSeconds: 60, maxResultRows: 100, tag,
      settings: { max_block_size: 1, function_sleep_max_microseconds_per_block: 60_000_000 },
    })
    .catch(() => undefined);
  while (!(await ae.store.running(tag))) await new Promise((r) => setTimeout(r, 20));
  const start = performance.now();
  const res = await fetch(`${ae.url}/datasets/usage_analytics/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ points: [toDataPoint({ userId: 'during-slow-query', event: 'auth', orgId: '', status: 200 })] }),
  });
  const ms = performance.now() - start;
  if (!res.ok) throw new Error(`write during the slow query failed: ${res.status} ${await res.text()}`);
  if (!(await ae.store.running(tag))) throw new Error('the slow query ended before the write was timed');
  await ae.store.cancel(tag);
  await slow;
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchLocalAe(points: number, rounds: number, log = console.log): Promise<AeBenchResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'local-ae-bench-'));
  const ae = await startLocalAe({ ...configFromEnv({}), port: 0, dataDir, token: 'bench', accountId: 'bench' });
  try {
    const users = 10_000;
    const now = Date.now();
    const span = 30 * 86_400_000;
    const batchSize = 50_000;
    let written = 0;
    let ingestMs = 0;
    while (written < points) {
      const n = Math.min(batchSize, points - written);
      const batch = Array.from({ length: n }, (_, j) => {
        const i = written + j;
        return {
          ...toDataPoint({ userId: `user_${i % users}`, event: USAGE_EVENTS[Math.floor(i / users) % USAGE_EVENTS.length], orgId: `org_${i % 50}`, status: i % 31 === 0 ? 400 : 200 }),
          timestamp: now - Math.floor((i / points) * span),
        };
      });
      const body = JSON.stringify({ points: batch });
      const start = performance.now();
      const res = await fetch(`${ae.url}/datasets/usage_analytics/points`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer bench' } });
      if (!res.ok) throw new Error(`write failed: ${res.status} ${await res.text()}`);
      ingestMs += performance.now() - start;
      written += n;
    }
    const ingestSeconds = ingestMs / 1000;
    log(`ingested ${points.toLocaleString('en-US')} points in ${ingestSeconds.toFixed(2)} s (batches of ${batchSize.toLocaleString('en-US')} over HTTP)`);

    const page = usersRead('usage_analytics', { from: now - span, to: now + 1000, users: [], orgs: [], events: [] }, {
      order: { column: 'events', direction: 'desc' },
      limit: 101,
      offset: 0,
      minEvents: 0,
    });
    const roundsSeconds: number[] = [];
    let resultRows = 0;
    for (let r = 0; r < rounds + 1; r++) {
      const start = performance.now();
      const res = await fetch(`${ae.url}/client/v4/accounts/bench/analytics/sql`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
        body: JSON.stringify(page),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`query failed: ${res.status} ${text}`);
      const elapsed = (performance.now() - start) / 1000;
      resultRows = (JSON.parse(text) as { rows: number }).rows;
      // The first round warms ClickHouse's caches, as a dashboard's first load would.
      if (r > 0) roundsSeconds.push(elapsed);
    }
    const writeDuringSlowQueryMs = await writeDuringSlowQuery(ae);
    return {
      points,
      writeDuringSlowQueryMs,
      ingestPointsPerSecond: points / ingestSeconds,
      ingestSeconds,
      queryMedianSeconds: median(roundsSeconds),
      queryRoundsSeconds: roundsSeconds,
      resultRows,
    };
  } finally {
    await ae.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { points: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '5' } } });
  const result = await benchLocalAe(Number(values.points), Number(values.rounds));
  const ingestOk = result.ingestPointsPerSecond >= 50_000;
  const queryOk = result.queryMedianSeconds < 1;
  console.log('');
  console.log(`batched ingest:            ${Math.round(result.ingestPointsPerSecond).toLocaleString('en-US')} points/s   target >= 50,000   ${ingestOk ? 'ok' : 'MISSED'}`);
  console.log(`30-day per-user query:     ${result.queryMedianSeconds.toFixed(3)} s (median of ${result.queryRoundsSeconds.length}, ${result.resultRows.toLocaleString('en-US')} rows)   target < 1 s   ${queryOk ? 'ok' : 'MISSED'}`);
  const writeOk = result.writeDuringSlowQueryMs < 1000;
  console.log(`write during a 30 s query: ${result.writeDuringSlowQueryMs.toFixed(1)} ms   target < 1 s   ${writeOk ? 'ok' : 'MISSED'}`);
}
