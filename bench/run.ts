/**
 * npm run bench: the figures behind Usage Lens's claims, each measured side by side in one run
 * (several rounds, medians) and printed with its target, then written to bench/RESULTS.md.
 *
 *   npm run bench [-- --quick]              (--quick: fewer rounds and points, for a smoke run)
 *   npm run bench -- --users 100000         (also the dashboards and the usage API at that scale)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { totalsRead, usersRead } from '@usage-lens/worker/read-sql';
import { benchLocalAe } from './local-ae.ts';
import { benchScale, READS_PER_REFRESH } from './scale.ts';
import { createApiKey, ROOT, signInAdmin, startStack, type Stack } from '@usage-lens/tooling/stack';
import { benchLimitCheck, benchTracking } from './tracking.ts';
import { benchConsole } from './console.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, users: { type: 'string' } } });
const QUICK = values.quick;
/** --users N: also measure the dashboards and the usage API at N users (bench/scale.ts). */
const SCALE_USERS = values.users === undefined ? null : Number(values.users);
if (SCALE_USERS !== null && (!Number.isInteger(SCALE_USERS) || SCALE_USERS < 1)) throw new Error('--users must be a positive whole number');
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

/**
 * 1b. Latency of each tracked route with the limit check (observe, the default mode) vs without
 * (off), side by side in one workerd (bench/tracking.ts), and the check without its limit() call,
 * which separates the worker's part from miniflare's simulated limiter (a Durable Object writing
 * SQLite per call, in the same process; Cloudflare's binding counts in memory on the machine).
 */
async function limitCheckOverhead() {
  const results = await benchLimitCheck(path.join(dir, 'limits'), ROUNDS, QUICK ? 60 : 200);
  const command = 'npm run bench (bench/tracking.ts: LIMITS_MODE observe vs observe without bindings vs off vs off, one wrangler dev)';
  for (const r of results) {
    const ratio = r.observeMs / r.offMs;
    report({
      measure: `limit check observe/off: ${r.route}`,
      value: `${ratio.toFixed(3)}× (${r.observeMs.toFixed(2)} vs ${r.offMs.toFixed(2)} ms; A/A ${(r.controlMs / r.offMs).toFixed(3)}×)`,
      target: '≤ 1.05×',
      ok: ratio <= 1.05,
      command,
    });
  }
  for (const r of results) {
    const ratio = r.withoutLimiterMs / r.offMs;
    report({
      measure: `limit check without the simulated limit() call/off: ${r.route}`,
      value: `${ratio.toFixed(3)}× (${r.withoutLimiterMs.toFixed(2)} vs ${r.offMs.toFixed(2)} ms)`,
      target: '≤ 1.05×',
      ok: ratio <= 1.05,
      command,
    });
  }
}

/** Fills a local AE data directory with N users × 5 events × 30 days before its stack starts. */
function fillData(aeDataDir: string, users: number) {
  const fill = spawnSync(process.execPath, [path.join(ROOT, 'local-analytics-engine', 'src', 'cli.ts'), 'fill', '--data-dir', aeDataDir, '--users', String(users), '--days', '30'], { encoding: 'utf8' });
  if (fill.status !== 0) throw new Error(`fill failed: ${fill.stderr}`);
}

/**
 * 2. /api/admin/usage end to end vs the bare reads it sends (its totals and its first page, through
 * the local AE's Analytics SQL route, at once), over 10k users × 5 events × 30 days.
 */
async function usageVsReads(stack: Stack, key: string, users: number) {
  const now = Date.now();
  const from = now - 30 * 86_400_000;
  const window = { from, to: now, users: [], orgs: [], events: [] };
  const page = usersRead('usage_analytics', window, { order: { column: 'events', direction: 'desc' }, limit: 101, offset: 0, minEvents: 0 });
  const reads = [totalsRead('usage_analytics', window), page];
  const sqlRoute = `${stack.aeUrl}/client/v4/accounts/${stack.accountId}/analytics/sql`;
  const bare = async () => {
    await Promise.all(
      reads.map(async (read) => {
        const res = await fetch(sqlRoute, { method: 'POST', headers: { authorization: `Bearer ${stack.aeToken}`, 'content-type': 'application/json' }, body: JSON.stringify(read) });
        if (!res.ok) throw new Error(`bare read: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }),
    );
  };
  let size = 0;
  const api = async () => {
    const res = await fetch(`${stack.workerUrl}/api/admin/usage?from=${from}&to=${now}`, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`usage API: ${res.status} ${await res.text()}`);
    size = (await res.arrayBuffer()).byteLength;
  };
  const count = async () => ((await (await fetch(`${stack.aeUrl}/stats`)).json()) as { analyticsSqlQueries: number }).analyticsSqlQueries;
  await bare();
  await api();
  const bareMs: number[] = [];
  const apiMs: number[] = [];
  let readsPerAnswer = 0;
  for (let r = 0; r < ROUNDS; r++) {
    bareMs.push(await timeRequest(bare));
    const before = await count();
    apiMs.push(await timeRequest(api));
    readsPerAnswer = Math.max(readsPerAnswer, (await count()) - before);
  }
  const ratio = median(apiMs) / median(bareMs);
  report({
    measure: `usage API vs its bare reads (${users.toLocaleString('en-US')} users × 5 events × 30 days, 30 d)`,
    value: `${ratio.toFixed(2)}× (${median(apiMs).toFixed(0)} vs ${median(bareMs).toFixed(0)} ms; ${(size / 1024).toFixed(0)} KB)`,
    target: '≤ 2×',
    ok: ratio <= 2,
    command: 'npm run bench (GET /api/admin/usage vs its totals and page reads sent straight to the local AE)',
  });
  report({
    measure: 'AE reads per usage answer (totals + one page)',
    value: String(readsPerAnswer),
    target: '2',
    ok: readsPerAnswer === 2,
    command: 'npm run bench (local AE /stats before and after each answer)',
  });
}

function runGo(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['run', './bench/refresh', ...args], { cwd: path.join(ROOT, 'grafana-plugin'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`refresh bench exited ${code}`))));
  });
}

/**
 * 3. AE reads for one refresh of each provisioned dashboard, through the plugin binary, in both
 * modes; and the reads a day of the default provisioning (every rule at its interval and the
 * overview open on its 1-minute refresh), by the plugin's real cache on a virtual clock.
 */
async function dashboardReads(stack: Stack, key: string) {
  const output = await runGo(['-refreshes', String(QUICK ? 2 : 3), '-ranges', '24h', '-modes', 'worker,sql'], {
    USAGE_LENS_WORKER_URL: stack.workerUrl,
    USAGE_LENS_ADMIN_KEY: key,
    USAGE_LENS_AE_URL: stack.aeUrl,
    USAGE_LENS_ACCOUNT_ID: stack.accountId,
    USAGE_LENS_AE_TOKEN: stack.aeToken,
  });
  for (const r of (JSON.parse(output) as { refreshes: { dashboard: string; range: string; mode: string; panels: number; readsPerRefresh: number; medianRefreshMillis: number; errors?: string[] }[] }).refreshes) {
    report({
      measure: `AE reads per refresh: ${r.dashboard} (${r.panels} panels), ${r.mode} mode`,
      value: `${r.readsPerRefresh} (refresh ${r.medianRefreshMillis.toFixed(0)} ms)`,
      target: `≤ ${READS_PER_REFRESH[r.dashboard]}, whatever the user count`,
      ok: (r.errors ?? []).length === 0 && r.readsPerRefresh <= READS_PER_REFRESH[r.dashboard],
      command: 'npm run bench (grafana-plugin/bench/refresh through the built gpx binary)',
    });
  }
  const perDay = (JSON.parse(await runGo(['-reads-per-day'])) as { readsPerDay: { total: number; rules: number; dashboard: number } }).readsPerDay;
  report({
    measure: 'AE reads a day: default rules + the overview open on a 1-minute refresh',
    value: `${perDay.total.toLocaleString('en-US')} (rules ${perDay.rules.toLocaleString('en-US')}, dashboard ${perDay.dashboard.toLocaleString('en-US')})`,
    target: '≤ 3,000 (Workers Free includes 10,000)',
    ok: perDay.total <= 3_000,
    command: 'npm run bench (grafana-plugin/bench/refresh -reads-per-day: the real cache, a virtual clock)',
  });
}

/** 5. The 10,000-request load (npm test runs a smaller one): no 5xx, zero lost. */
async function load() {
  const requests = QUICK ? 2_000 : 10_000;
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '-c', 'vitest.e2e.config.ts', 'e2e/load.test.ts'], {
    cwd: path.join(ROOT, 'worker'),
    env: { ...process.env, LOAD_REQUESTS: String(requests) },
    encoding: 'utf8',
  });
  const rate = /\((\d+) req\/s\)/.exec(result.stdout)?.[1];
  report({
    measure: `load: ${requests.toLocaleString('en-US')} requests, 32 clients, the five tracked points`,
    value: result.status === 0 ? `no 5xx, zero lost; ${rate ?? '?'} req/s; ${((performance.now() - started) / 1000).toFixed(0)} s` : 'FAILED (see worker/e2e/load.test.ts output)',
    target: 'no 5xx, zero lost',
    ok: result.status === 0,
    command: `LOAD_REQUESTS=${requests} npx vitest run -c vitest.e2e.config.ts e2e/load.test.ts (in worker/)`,
  });
}

/** 4. The local AE: batched ingest, the usage API's 30-day page read over 1M points, a write during a slow query. */
async function localAe() {
  const points = QUICK ? 200_000 : 1_000_000;
  const r = await benchLocalAe(points, ROUNDS, () => undefined);
  const command = 'node bench/local-ae.ts';
  report({
    measure: 'local AE batched ingest',
    value: `${Math.round(r.ingestPointsPerSecond).toLocaleString('en-US')} points/s`,
    target: '≥ 50,000 points/s',
    ok: r.ingestPointsPerSecond >= 50_000,
    command,
  });
  report({
    measure: `local AE 30-day page of users over ${(points / 1e6).toFixed(1)}M points (the binding's read)`,
    value: `${(r.queryMedianSeconds * 1000).toFixed(0)} ms (${r.resultRows.toLocaleString('en-US')} rows)`,
    target: '< 1 s',
    ok: r.queryMedianSeconds < 1,
    command,
  });
  report({
    measure: 'local AE: a 1-point write while a 30 s query runs',
    value: `${r.writeDuringSlowQueryMs.toFixed(0)} ms`,
    target: '< 1 s',
    ok: r.writeDuringSlowQueryMs < 1_000,
    command,
  });
}

/** 5. The admin console: first render of the Usage tab with 10,000 users active (bench/console.ts). */
async function consoleFirstRender() {
  const users = QUICK ? 2_000 : 10_000;
  const r = await benchConsole(path.join(dir, 'console'), { users, rounds: ROUNDS });
  report({
    measure: `console: first render of the Usage tab (${r.activeUsers.toLocaleString('en-US')} users active in 24 h)`,
    value: `${r.medianMs.toFixed(0)} ms (usage API ${r.usageApiMs.toFixed(0)} ms, alone ${r.apiAloneMs.toFixed(0)} ms; answer to table ${r.afterAnswerMs.toFixed(0)} ms)`,
    target: '< 1 s',
    ok: r.medianMs < 1_000,
    command: `node bench/console.ts --users ${users} --rounds ${ROUNDS}`,
  });
}

try {
  console.log(`Usage Lens bench${QUICK ? ' (quick)' : ''}: ${ROUNDS} rounds, medians\n`);
  await trackingOverhead();
  await limitCheckOverhead();
  const users = QUICK ? 2_000 : 10_000;
  const aeDataDir = path.join(dir, 'ae');
  fillData(aeDataDir, users);
  const local = await startStack({ stateDir: path.join(dir, 'local'), aeDataDir, adminEmails: 'admin@example.com', queryTimeout: 60 });
  stacks.push(local);
  const admin = await signInAdmin(local.workerUrl, 'admin@example.com', 'admin-password');
  const key = await createApiKey(local.workerUrl, admin, 'bench', 'admin');
  await dashboardReads(local, key);
  await usageVsReads(local, key, users);
  await local.stop();
  await localAe();
  await load();
  if (SCALE_USERS !== null) {
    await benchScale(SCALE_USERS, QUICK ? 2 : 3, (row) => report({ ...row, command: `npm run bench -- --users ${SCALE_USERS} (bench/scale.ts)` }));
  }
  await consoleFirstRender();
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
