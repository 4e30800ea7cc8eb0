/**
 * npm run bench: the figures behind Usage Lens's claims, each measured side by side in one run
 * (several rounds, medians) and printed with its target, then written to bench/RESULTS.md.
 *
 *   npm run bench [-- --quick]      (--quick: fewer rounds and points, for a smoke run)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { USAGE_EVENTS } from '@usage-lens/contract';
import { buildUsageSql } from '@usage-lens/worker/usage-sql';
import { benchLocalAe } from './local-ae.ts';
import { createApiKey, ROOT, signInAdmin, startStack, type Stack } from '@usage-lens/tooling/stack';
import { benchTracking } from './tracking.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const QUICK = values.quick;
const ROUNDS = QUICK ? 3 : 7;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

interface Row {
  measure: string;
  value: string;
  target: string;
  ok: boolean;
  command: string;
}
const rows: Row[] = [];
function report(row: Row) {
  rows.push(row);
  console.log(`${row.ok ? 'ok    ' : 'MISSED'}  ${row.measure.padEnd(58)} ${row.value.padEnd(34)} target ${row.target}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-bench-'));
const stacks: Stack[] = [];
const cleanup = async () => {
  for (const s of stacks) await s.stop();
  rmSync(dir, { recursive: true, force: true });
};

async function timeRequest(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}



/** 1. Latency of each tracked route with tracking on vs off, side by side in one workerd (bench/tracking.ts). */
async function trackingOverhead() {
  const results = await benchTracking(path.join(dir, 'tracking'), ROUNDS, QUICK ? 60 : 200);
  for (const r of results) {
    const ratio = r.onMs / r.offMs;
    report({
      measure: `tracking on/off: ${r.route}`,
      value: `${ratio.toFixed(3)}× (${r.onMs.toFixed(2)} vs ${r.offMs.toFixed(2)} ms; A/A ${(r.controlMs / r.offMs).toFixed(3)}×)`,
      target: '≤ 1.02×',
      ok: ratio <= 1.02,
      command: 'npm run bench (bench/tracking.ts: AE binding vs none vs none, one wrangler dev)',
    });
  }
}

/** 2. /api/admin/usage end to end vs the bare SQL it sends, over 10k users × 5 events × 30 days. */
async function usageVsSql(stack: Stack) {
  const users = QUICK ? 2_000 : 10_000;
  const days = 30;
  const now = Date.now();
  const batch: unknown[] = [];
  const flush = async () => {
    const res = await fetch(`${stack.aeUrl}/datasets/usage_analytics/points`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.aeToken}` }, body: JSON.stringify({ points: batch }) });
    if (!res.ok) throw new Error(`write: ${res.status} ${await res.text()}`);
    batch.length = 0;
  };
  for (let u = 0; u < users; u++) {
    for (const event of USAGE_EVENTS) {
      for (let d = 0; d < days; d++) {
        batch.push({ indexes: [`bench_user_${u}`], blobs: [event, `org_${u % 40}`], doubles: [200], timestamp: now - d * 86_400_000 - 3_600_000 });
        if (batch.length === 50_000) await flush();
      }
    }
  }
  if (batch.length) await flush();
  const admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
  const key = await createApiKey(stack.workerUrl, admin, 'bench', 'admin');
  const from = now - days * 86_400_000;
  const to = now;
  const sql = buildUsageSql({ from, to, period: null, interval: null, users: [], orgs: [], events: [], group: [] }, 'usage_analytics');
  const bare = async () => {
    const res = await fetch(stack.sqlApiUrl, { method: 'POST', headers: { authorization: `Bearer ${stack.aeToken}` }, body: sql });
    await res.arrayBuffer();
  };
  const api = async () => {
    const res = await fetch(`${stack.workerUrl}/api/admin/usage?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`usage API: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  const stats = async () => ((await (await fetch(`${stack.aeUrl}/stats`)).json()) as { sqlQueries: number }).sqlQueries;
  await bare();
  await api();
  const bareMs: number[] = [];
  const apiMs: number[] = [];
  let sqlPerAnswer = 0;
  for (let r = 0; r < ROUNDS; r++) {
    bareMs.push(await timeRequest(bare));
    const before = await stats();
    apiMs.push(await timeRequest(api));
    sqlPerAnswer = Math.max(sqlPerAnswer, (await stats()) - before);
  }
  const ratio = median(apiMs) / median(bareMs);
  report({
    measure: `usage API vs bare SQL (${users.toLocaleString('en-US')} users × 5 events × ${days} days)`,
    value: `${ratio.toFixed(2)}× (${median(apiMs).toFixed(0)} vs ${median(bareMs).toFixed(0)} ms)`,
    target: '≤ 2×',
    ok: ratio <= 2,
    command: 'npm run bench (usage API vs the SQL of buildUsageSql, same window)',
  });
  report({
    measure: 'SQL API round trips per usage answer',
    value: String(sqlPerAnswer),
    target: '1',
    ok: sqlPerAnswer === 1,
    command: 'npm run bench (local AE /stats before and after each answer)',
  });
}

/** 3. SQL API requests for one refresh of each provisioned dashboard, through the plugin binary. */
async function dashboardRefresh(stack: Stack) {
  const admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
  const key = await createApiKey(stack.workerUrl, admin, 'bench grafana', 'admin');
  const refreshes = QUICK ? 2 : 3;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('go', ['run', './bench/refresh', '-refreshes', String(refreshes)], {
      cwd: path.join(ROOT, 'grafana-plugin'),
      env: {
        ...process.env,
        USAGE_LENS_WORKER_URL: stack.workerUrl,
        USAGE_LENS_ADMIN_KEY: key,
        USAGE_LENS_AE_URL: stack.aeUrl,
        USAGE_LENS_ACCOUNT_ID: stack.accountId,
        USAGE_LENS_AE_TOKEN: stack.aeToken,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`refresh bench exited ${code}`))));
  });
  for (const r of JSON.parse(output) as { dashboard: string; panels: number; distinctSets: number; sqlRequestsPerRefresh: number; medianRefreshMillis: number }[]) {
    report({
      measure: `plugin SQL requests per refresh: ${r.dashboard} (${r.panels} panels)`,
      value: `${r.sqlRequestsPerRefresh} (refresh ${r.medianRefreshMillis.toFixed(0)} ms)`,
      target: `${r.distinctSets} (one per distinct range and filter set)`,
      ok: r.sqlRequestsPerRefresh <= r.distinctSets,
      command: 'npm run bench (grafana-plugin/bench/refresh through the built gpx binary)',
    });
  }
}

/** 4. The local AE: batched ingest and the 30-day per-user query over 1M points. */
async function localAe() {
  const points = QUICK ? 200_000 : 1_000_000;
  const r = await benchLocalAe(points, ROUNDS, () => undefined);
  report({
    measure: 'local AE batched ingest',
    value: `${Math.round(r.ingestPointsPerSecond).toLocaleString('en-US')} points/s`,
    target: '≥ 50,000 points/s',
    ok: r.ingestPointsPerSecond >= 50_000,
    command: 'npm run bench --workspace local-analytics-engine',
  });
  report({
    measure: `local AE 30-day per-user query over ${(points / 1e6).toFixed(1)}M points`,
    value: `${(r.queryMedianSeconds * 1000).toFixed(0)} ms (${r.resultRows.toLocaleString('en-US')} rows)`,
    target: '< 1 s',
    ok: r.queryMedianSeconds < 1,
    command: 'npm run bench --workspace local-analytics-engine',
  });
}

try {
  console.log(`Usage Lens bench${QUICK ? ' (quick)' : ''}: ${ROUNDS} rounds, medians\n`);
  await trackingOverhead();
  const local = await startStack({ stateDir: path.join(dir, 'local'), aeDataDir: path.join(dir, 'ae'), adminEmails: 'admin@example.com', queryTimeout: 60 });
  stacks.push(local);
  await dashboardRefresh(local);
  await usageVsSql(local);
  await local.stop();
  await localAe();
} finally {
  await cleanup();
}

const lines = [
  '# Usage Lens bench results',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench${QUICK ? ' -- --quick' : ''}\` on this machine (${ROUNDS} rounds per figure, medians; both sides of each ratio measured in the same run, alternating).`,
  '',
  '| Measure | Value | Target | Met | Reproduce |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.measure} | ${r.value} | ${r.target} | ${r.ok ? 'yes' : '**no**'} | \`${r.command}\` |`),
  '',
];
writeFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), lines.join('\n'));
console.log(`\n${rows.filter((r) => r.ok).length} of ${rows.length} targets met; written to bench/RESULTS.md`);
