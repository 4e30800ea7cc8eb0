/**
 * Usage Lens at scale: N users × 5 events × 30 days in the local AE (one point per user, event and
 * day; generated inside ClickHouse, its time excluded), then, side by side in one run:
 *
 *   - the usage API's first page (24 h and 30 d): time, size, reads;
 *   - each provisioned dashboard over 24 h, 7 d and 30 d through the built plugin binary, in worker
 *     and sql mode: refresh time, AE reads and bytes (grafana-plugin/bench/refresh);
 *   - the anchor: the Usage overview done the per-panel-SQL way, as a ClickHouse-style Grafana
 *     plugin would do it: each panel its own SQL against AE's SQL API, all panels at once, top-N
 *     panels picking their users with a first query of their own (AE allows no subquery IN).
 *
 *   node bench/scale.ts --users 100000 [--rounds 3]      (npm run bench -- --users 100000)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { USAGE_EVENTS } from '@usage-lens/contract';
import { createApiKey, ROOT, signInAdmin, startStack, type Stack } from '@usage-lens/tooling/stack';

export interface ScaleRow {
  measure: string;
  value: string;
  target: string;
  ok: boolean;
}

/**
 * AE reads one refresh of each provisioned dashboard may take, whatever the user count: the overview
 * totals, orgs, one ranked page of users and the series; User detail totals and series; Limits the
 * over-limit totals, the recommendations' two reads, the users ranked by calls over the limit and
 * their series (both by-user panels share them).
 */
export const READS_PER_REFRESH: Record<string, number> = { 'Usage overview': 4, 'User detail': 2, Limits: 5 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KB`;
const RANGES = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;
type Range = keyof typeof RANGES;

/** The bucket width the plugin picks for a range (pkg/usage IntervalFor: at most ~200 points). */
const intervalFor = (seconds: number) =>
  [60, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400].find((s) => seconds / s <= 200) ?? 86_400;

async function reads(stack: Stack): Promise<number> {
  const stats = (await (await fetch(`${stack.aeUrl}/stats`)).json()) as { sqlQueries: number; analyticsSqlQueries: number };
  return stats.sqlQueries + stats.analyticsSqlQueries;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

/**
 * The overview's panels as a per-panel SQL plugin would send them (AE's dialect, FORMAT JSON): one
 * function per panel; the two top-N panels first ask which users, then their series.
 */
function anchorPanels(range: Range, now: number, sql: (statement: string) => Promise<{ data: { uid?: string }[] }>): (() => Promise<unknown>)[] {
  const from = Math.floor(now / 1000) - RANGES[range];
  const where = `timestamp >= toDateTime(${from}) AND timestamp < toDateTime(${Math.ceil(now / 1000)})`;
  const bucket = `toStartOfInterval(timestamp, INTERVAL '${intervalFor(RANGES[range])}' SECOND)`;
  const ds = 'usage_analytics';
  const days = RANGES[range] / 86_400;
  const topThen = async (rank: string, series: (ids: string) => string) => {
    const { data } = await sql(`SELECT index1 AS uid, ${rank} AS n FROM ${ds} WHERE ${where} GROUP BY uid ORDER BY n DESC LIMIT 10 FORMAT JSON`);
    return sql(series(`(${data.map((r) => `'${r.uid}'`).join(', ')})`));
  };
  return [
    () => sql(`SELECT SUM(_sample_interval) AS events FROM ${ds} WHERE ${where} FORMAT JSON`),
    () => sql(`SELECT count(DISTINCT index1) AS users FROM ${ds} WHERE ${where} FORMAT JSON`),
    () => sql(`SELECT SUM(_sample_interval) / ${days} AS per_day FROM ${ds} WHERE ${where} FORMAT JSON`),
    () => sql(`SELECT SUM(_sample_interval) * 30 / ${days} AS monthly FROM ${ds} WHERE ${where} FORMAT JSON`),
    () =>
      sql(
        `SELECT index1 AS uid, SUM(_sample_interval) AS total, ${USAGE_EVENTS.map((e) => `sumIf(_sample_interval, blob1 = '${e}') AS e_${e}`).join(', ')} ` +
          `FROM ${ds} WHERE ${where} GROUP BY uid ORDER BY total DESC LIMIT 100 FORMAT JSON`,
      ),
    () => sql(`SELECT ${bucket} AS t, blob1 AS event, SUM(_sample_interval) AS n FROM ${ds} WHERE ${where} GROUP BY t, event ORDER BY t FORMAT JSON`),
    () => sql(`SELECT blob2 AS org, SUM(_sample_interval) AS n FROM ${ds} WHERE ${where} GROUP BY org ORDER BY n DESC LIMIT 10 FORMAT JSON`),
    () =>
      topThen('SUM(_sample_interval)', (ids) => `SELECT ${bucket} AS t, index1 AS uid, SUM(_sample_interval) AS n FROM ${ds} WHERE ${where} AND index1 IN ${ids} GROUP BY t, uid ORDER BY t FORMAT JSON`),
    () =>
      topThen(
        'sumIf(_sample_interval, double1 >= 400)',
        (ids) => `SELECT ${bucket} AS t, index1 AS uid, SUM(_sample_interval) AS n, sumIf(_sample_interval, double1 >= 400) AS e FROM ${ds} WHERE ${where} AND index1 IN ${ids} GROUP BY t, uid ORDER BY t FORMAT JSON`,
      ),
  ];
}

/** One anchor refresh: every panel at once, as Grafana runs a dashboard's panels. */
async function anchorRefresh(stack: Stack, range: Range): Promise<{ ms: number; bytes: number; reads: number }> {
  let bytes = 0;
  let sent = 0;
  const sql = async (statement: string) => {
    sent++;
    const res = await fetch(stack.sqlApiUrl, { method: 'POST', headers: { authorization: `Bearer ${stack.aeToken}` }, body: statement });
    const text = await res.text();
    if (!res.ok) throw new Error(`anchor SQL failed (${res.status}): ${text.slice(0, 300)}`);
    bytes += Buffer.byteLength(text);
    return JSON.parse(text) as { data: { uid?: string }[] };
  };
  const { ms } = await timed(() => Promise.all(anchorPanels(range, Date.now(), sql).map((panel) => panel())));
  return { ms, bytes, reads: sent };
}

async function usageFirstPage(stack: Stack, key: string, period: string, rounds: number) {
  const times: number[] = [];
  let size = 0;
  let readCount = 0;
  for (let r = 0; r <= rounds; r++) {
    const before = await reads(stack);
    const { ms, value } = await timed(async () => {
      const res = await fetch(`${stack.workerUrl}/api/admin/usage?period=${period}`, { headers: { authorization: `Bearer ${key}` } });
      if (!res.ok) throw new Error(`usage API: ${res.status} ${await res.text()}`);
      return res.arrayBuffer();
    });
    size = value.byteLength;
    readCount = (await reads(stack)) - before;
    // The first round warms the caches of ClickHouse and workerd, as any first request after a deploy.
    if (r > 0) times.push(ms);
  }
  return { ms: median(times), size, reads: readCount };
}

function goRefresh(stack: Stack, key: string, rounds: number): Promise<{ refreshes: { dashboard: string; range: string; mode: string; readsPerRefresh: number; upstreamBytesPerRefresh: number; medianRefreshMillis: number; errors?: string[] }[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['run', './bench/refresh', '-refreshes', String(rounds), '-ranges', '24h,7d,30d', '-modes', 'worker,sql'], {
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
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`refresh bench exited ${code}`))));
  });
}

export async function benchScale(users: number, rounds: number, report: (row: ScaleRow) => void, log = console.log): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-scale-'));
  const aeDataDir = path.join(dir, 'ae');
  let stack: Stack | undefined;
  try {
    log(`generating ${users.toLocaleString('en-US')} users × 5 events × 30 days (not timed)…`);
    const fill = spawnSync(process.execPath, [path.join(ROOT, 'local-analytics-engine', 'src', 'cli.ts'), 'fill', '--data-dir', aeDataDir, '--users', String(users), '--days', '30'], { encoding: 'utf8' });
    if (fill.status !== 0) throw new Error(`fill failed: ${fill.stderr}`);
    log(fill.stdout.trim());
    stack = await startStack({ stateDir: path.join(dir, 'state'), aeDataDir, adminEmails: 'admin@example.com', queryTimeout: 60 });
    const admin = await signInAdmin(stack.workerUrl, 'admin@example.com', 'admin-password');
    const key = await createApiKey(stack.workerUrl, admin, 'scale bench', 'admin');
    const scale = `${(users / 1000).toLocaleString('en-US')}k users`;

    for (const period of ['24h', '30d']) {
      const page = await usageFirstPage(stack, key, period, rounds);
      report({
        measure: `usage API first page, ${period}, ${scale}`,
        value: `${page.ms.toFixed(0)} ms, ${kb(page.size)}, ${page.reads} reads`,
        target: '≤ 1 s, ≤ 1 MB',
        ok: page.ms <= 1_000 && page.size <= 1_048_576,
      });
    }

    const { refreshes } = await goRefresh(stack, key, rounds);
    const anchors = new Map<Range, { ms: number; bytes: number; reads: number }>();
    for (const range of Object.keys(RANGES) as Range[]) {
      const runs = [];
      for (let r = 0; r < rounds; r++) runs.push(await anchorRefresh(stack, range));
      anchors.set(range, { ms: median(runs.map((a) => a.ms)), bytes: runs[0].bytes, reads: runs[0].reads });
    }
    for (const r of refreshes) {
      const anchor = r.dashboard === 'Usage overview' ? anchors.get(r.range as Range) : undefined;
      const target = r.dashboard === 'Usage overview' ? (r.range === '24h' ? 1_500 : r.range === '30d' ? 3_000 : Infinity) : Infinity;
      report({
        measure: `${r.dashboard} refresh, ${r.range}, ${r.mode} mode, ${scale}`,
        value:
          `${r.medianRefreshMillis.toFixed(0)} ms, ${r.readsPerRefresh} reads, ${kb(r.upstreamBytesPerRefresh)}` +
          (anchor ? `; per-panel SQL: ${anchor.ms.toFixed(0)} ms, ${anchor.reads} reads, ${kb(anchor.bytes)}` : ''),
        target: anchor ? `${Number.isFinite(target) ? `≤ ${target / 1000} s, ` : ''}faster than per-panel SQL` : `≤ ${READS_PER_REFRESH[r.dashboard]} reads, no error`,
        ok: (r.errors ?? []).length === 0 && (anchor ? r.medianRefreshMillis <= Math.min(target, anchor.ms) : r.readsPerRefresh <= READS_PER_REFRESH[r.dashboard]),
      });
    }
  } finally {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } } });
  await benchScale(Number(values.users), Number(values.rounds), (row) =>
    console.log(`${row.ok ? 'ok    ' : 'MISSED'}  ${row.measure.padEnd(60)} ${row.value}   target ${row.target}`),
  );
}
