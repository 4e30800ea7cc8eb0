/**
 * The admin console's first render: how long after navigation an admin sees the Usage tab's totals
 * and first page of users, with 10,000 users active in the last 24 hours (also 10,000 accounts,
 * whose names the usage answer carries). Part of `npm run bench`; alone:
 *
 *   node bench/console.ts [--users 10000] [--rounds 7]
 *
 * Each round is a new browser context (empty HTTP cache, new SWR cache) with the admin's session:
 * HTML, scripts, the session check and GET /api/admin/me beside GET /api/admin/usage (two AE reads
 * over the 10,000 users), and React's render all count. The time is the page's own performance.now()
 * when the table first holds rows and the stats their numbers, taken by a MutationObserver, so no
 * polling adds to it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '@usage-lens/tooling/chromium';
import { runSimulatorCli } from '@usage-lens/local-analytics-engine/simulator';
import { applyMigrations, ROOT, signInAdmin, startStack } from '@usage-lens/tooling/stack';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'admin-password';

export interface ConsoleBench {
  users: number;
  /** Users with events in the last 24 hours, as the usage API counts them. */
  activeUsers: number;
  rowsShown: number;
  firstRenderMs: number[];
  medianMs: number;
  /** The usage answer, as the browser timed it (median). */
  usageApiMs: number;
  /** From the usage answer's last byte to the rendered table: the console's own part after the API (median). */
  afterAnswerMs: number;
  /** The same usage request from Node, one at a time, no browser: the floor the console stands on (median). */
  apiAloneMs: number;
  /** GET /api/admin/me, asked beside the usage request; the console renders once both answered (median). */
  meMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The simulator's user ids (syntheticUsers) as app accounts, written into D1 before the worker starts. */
function seedAccounts(stateDir: string, users: number): void {
  const first = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret', 'Ken', 'Radia', 'Dennis', 'Hedy'];
  const last = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Knuth', 'Hamilton', 'Thompson', 'Perlman'];
  const created = new Date(Date.now() - 40 * 86_400_000).toISOString();
  const rows = Array.from({ length: users }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    const name = `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]} ${i + 1}`;
    return `('sim_user_${n}', '${name}', 'sim-${n}@example.com', 0, '${created}', '${created}', 'user')`;
  });
  const statements: string[] = [];
  for (let i = 0; i < rows.length; i += 400) {
    statements.push(
      `insert into user (id, name, email, emailVerified, createdAt, updatedAt, role) values\n${rows.slice(i, i + 400).join(',\n')};`,
    );
  }
  const file = path.join(stateDir, 'seed-accounts.sql');
  writeFileSync(file, statements.join('\n'));
  const result = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
      'd1',
      'execute',
      'usage-lens',
      '--local',
      '--env',
      'local',
      '--persist-to',
      stateDir,
      '--file',
      file,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' } },
  );
  if (result.status !== 0) throw new Error(`seeding accounts failed:\n${result.stdout}\n${result.stderr}`);
}

// Runs in the page before its scripts (a string: this file is type-checked without the DOM library).
const MEASURE = `
window.__firstRender = new Promise((resolve) => {
  const done = () => {
    const table = document.querySelector('table.usage[data-shown]:not([data-shown=""])[aria-busy="false"]');
    const stat = document.querySelector('[data-testid="stat-users"]');
    if (!table || !stat || stat.textContent === '…') return false;
    const rows = table.querySelectorAll('tbody tr[data-user-id]').length;
    if (rows === 0) return false;
    resolve({ ms: performance.now(), rows });
    return true;
  };
  new MutationObserver((_, observer) => { if (done()) observer.disconnect(); })
    .observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
});`;

const TIMINGS = `(() => {
  const find = (part) => performance.getEntriesByType('resource').find((e) => e.name.includes(part));
  const usage = find('/api/admin/usage?');
  const me = find('/api/admin/me');
  const trace = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
    .map((e) => ({ name: e.name.replace(location.origin, ''), start: Math.round(e.startTime), end: Math.round(e.responseEnd) }));
  return { usage: usage ? usage.responseEnd - usage.startTime : NaN, usageEnd: usage ? usage.responseEnd : NaN, me: me ? me.responseEnd - me.startTime : NaN, trace };
})()`;

export async function benchConsole(
  dir: string,
  options: { users: number; rounds: number; log?: (line: string) => void },
): Promise<ConsoleBench> {
  const log = options.log ?? (() => undefined);
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir, { recursive: true });
  applyMigrations(stateDir);
  seedAccounts(stateDir, options.users);
  log(`console bench: ${options.users} accounts in D1`);
  const stack = await startStack({ stateDir, aeDataDir: path.join(dir, 'ae'), adminEmails: ADMIN_EMAIL, queryTimeout: 60 });
  const browser = await launchChromium();
  try {
    const admin = await signInAdmin(stack.workerUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
    // One day of the simulator's traffic for its synthetic users, whose ids the accounts above carry.
    await runSimulatorCli([
      '--url',
      stack.aeUrl,
      '--users',
      String(options.users),
      '--orgs',
      '20',
      '--days',
      '1',
      '--rate',
      '40',
      '--seed',
      '7',
    ]);
    const answer = (await (
      await fetch(`${stack.workerUrl}/api/admin/usage?period=24h&sort=total&order=desc&limit=100&offset=0`, {
        headers: { authorization: `Bearer ${admin.token}` },
      })
    ).json()) as { totals: { activeUsers: number }; users: { name: string | null }[] };
    log(`console bench: ${answer.totals.activeUsers} users active in the last 24 h`);
    if (answer.users.some((u) => u.name === null)) throw new Error('the simulated users did not get their accounts: names are missing');

    // Sign in once through the console's form; every round then starts from that session.
    const first = await browser.newContext();
    const page = await first.newPage();
    await page.goto(stack.workerUrl);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tablist').waitFor();
    const storageState = await first.storageState();
    await first.close();

    const renders: number[] = [];
    const usageMs: number[] = [];
    const afterMs: number[] = [];
    const meMs: number[] = [];
    let rowsShown = 0;
    // Round 0 warms the worker and the local AE (first queries compile); it is not counted.
    for (let round = 0; round <= options.rounds; round++) {
      const context = await browser.newContext({ storageState, viewport: { width: 1280, height: 900 } });
      await context.addInitScript({ content: MEASURE });
      const tab = await context.newPage();
      await tab.goto(`${stack.workerUrl}/#usage`);
      const { ms, rows } = (await tab.evaluate('window.__firstRender')) as { ms: number; rows: number };
      const timings = (await tab.evaluate(TIMINGS)) as {
        usage: number;
        usageEnd: number;
        me: number;
        trace: { name: string; start: number; end: number }[];
      };
      if (process.env.CONSOLE_BENCH_TRACE) log(JSON.stringify(timings.trace));
      await context.close();
      if (round === 0) continue;
      renders.push(ms);
      usageMs.push(timings.usage);
      afterMs.push(ms - timings.usageEnd);
      meMs.push(timings.me);
      rowsShown = rows;
      log(`console bench: round ${round}: first render ${ms.toFixed(0)} ms (usage API ${timings.usage.toFixed(0)} ms)`);
    }
    const alone: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const started = performance.now();
      const res = await fetch(`${stack.workerUrl}/api/admin/usage?period=24h&sort=total&order=desc&limit=100&offset=0`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      await res.arrayBuffer();
      alone.push(performance.now() - started);
    }
    return {
      apiAloneMs: median(alone),
      users: options.users,
      activeUsers: answer.totals.activeUsers,
      rowsShown,
      firstRenderMs: renders,
      medianMs: median(renders),
      usageApiMs: median(usageMs),
      afterAnswerMs: median(afterMs),
      meMs: median(meMs),
    };
  } finally {
    await browser.close();
    await stack.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '7' } } });
  const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-console-bench-'));
  try {
    const r = await benchConsole(dir, { users: Number(values.users), rounds: Number(values.rounds), log: (line) => console.log(line) });
    console.log(
      `\nfirst render of the Usage tab, ${r.activeUsers.toLocaleString('en-US')} active users: median ${r.medianMs.toFixed(0)} ms ` +
        `(rounds: ${r.firstRenderMs.map((m) => m.toFixed(0)).join(', ')}); usage API ${r.usageApiMs.toFixed(0)} ms, ` +
        `answer to rendered table ${r.afterAnswerMs.toFixed(0)} ms, the same request alone from Node ${r.apiAloneMs.toFixed(0)} ms, ` +
        `/api/admin/me beside it ${r.meMs.toFixed(0)} ms; ${r.rowsShown} rows shown; target < 1,000 ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
