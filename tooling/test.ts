/**
 * npm test: every suite of every part, in dependency order, with one summary line at the end.
 * The steps run in two lanes at once (the worker's suites; everything else): on a 2-core
 * machine one lane's browser and network waits are the other's CPU time. Each step's output is
 * printed whole when it ends, so the two never interleave.
 *
 *   npm test                 everything
 *   npm test -- worker ae    only the steps whose names contain one of the words
 *
 * Each test runner writes a JSON report; the counts below come from those, so the closing
 * `N passed, N failed` is the sum of what the runners themselves counted. A step that fails
 * without reporting tests (a build, a typecheck) counts as one failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiKey, ROOT, signInAdmin, startStack, type Stack } from './stack.ts';

const REPORTS = path.join(ROOT, '.usage-lens', 'reports');

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Step {
  name: string;
  /** Steps of one lane run in order; the two lanes run side by side. */
  lane: 'worker' | 'rest';
  cwd: string;
  command: string[];
  env?: Record<string, string>;
  /** Runs against the one stack the run shares (its addresses and admin credentials in the env). */
  stack?: boolean;
  /** Reads the runner's report; absent for steps that are checks, not test suites. */
  report?: (file: string) => Counts;
}

/** vitest's JSON reporter writes jest's format, so this reads both. */
const vitestReport = (file: string): Counts => {
  const r = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
};

const goReport = (file: string): Counts => {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { Action: string; Test?: string };
    if (!event.Test) continue;
    if (event.Action === 'pass') counts.passed++;
    else if (event.Action === 'fail') counts.failed++;
    else if (event.Action === 'skip') counts.skipped++;
  }
  return counts;
};

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const vitest = (cwd: string, name: string, lane: Step['lane'], extra: string[] = []): Step => ({
  name,
  lane,
  cwd,
  command: [bin('vitest'), 'run', ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(REPORTS, `${name}.json`)}`],
  report: vitestReport,
});

const PLUGIN = path.join(ROOT, 'grafana-plugin');
/** Go's name for this machine's architecture. */
const goArch = () => ({ x64: 'amd64', arm64: 'arm64' })[process.arch as string] ?? process.arch;
const goTest = (name: string, args: string[], stack = false): Step => ({
  name,
  lane: 'rest',
  cwd: PLUGIN,
  command: [process.execPath, path.join(ROOT, 'tooling', 'go-test.ts'), ...args],
  report: goReport,
  stack,
});

export const STEPS: Step[] = [
  // The worker's lane: its suites in workerd take about as long as all the others together.
  vitest(path.join(ROOT, 'contract'), 'contract', 'worker'),
  vitest(path.join(ROOT, 'worker'), 'worker', 'worker'),
  { ...vitest(path.join(ROOT, 'worker'), 'worker-e2e', 'worker', ['-c', 'vitest.e2e.config.ts']), stack: true },
  // The other lane: every workspace's types, the local AE, the console, the plugin, provisioning.
  { name: 'typecheck', lane: 'rest', cwd: ROOT, command: ['npm', 'run', 'typecheck', '--silent'] },
  vitest(path.join(ROOT, 'local-analytics-engine'), 'ae', 'rest'),
  vitest(path.join(ROOT, 'worker', 'ui'), 'console', 'rest'),
  // The admin console in Chromium against the real stack; saves each tab's screenshot in .usage-lens/screenshots.
  vitest(path.join(ROOT, 'worker', 'ui'), 'console-e2e', 'rest', ['-c', 'vitest.e2e.config.ts']),
  // The tests run the backend built for this machine; `npm run build` builds amd64 and arm64.
  { name: 'plugin-build', lane: 'rest', cwd: PLUGIN, command: ['npm', 'run', 'build', '--silent'], env: { PLUGIN_ARCHES: process.env.PLUGIN_ARCHES ?? goArch() } },
  // Grafana's plugin validator (the catalog's check) on the built plugin and its source: any error fails.
  { name: 'plugin-validator', lane: 'rest', cwd: PLUGIN, command: [process.execPath, path.join(PLUGIN, 'scripts', 'validate.mts')] },
  {
    name: 'plugin-jest',
    lane: 'rest',
    cwd: PLUGIN,
    command: [bin('jest'), '--ci', '--json', `--outputFile=${path.join(REPORTS, 'plugin-jest.json')}`],
    report: vitestReport,
  },
  goTest('plugin-go', ['-count=1', './...']),
  // -p 1: the packages share one stack, and the efficiency test counts its SQL requests.
  goTest('plugin-integration', ['-tags', 'integration', '-count=1', '-p', '1', '-run', '^TestIntegration', './...'], true),
  { name: 'plugin-harness', lane: 'rest', cwd: PLUGIN, command: [process.execPath, 'harness/build.mts'] },
  vitest(PLUGIN, 'plugin-editors', 'rest', ['-c', 'vitest.e2e.config.mts']),
  vitest(path.join(ROOT, 'provisioning'), 'provisioning', 'rest'),
];

/**
 * The stack a lane's end-to-end suites share (worker e2e; the plugin's integration tests): one
 * wrangler dev and one local AE per lane instead of one per suite. Not one for both lanes: suites
 * count the reads and writes their stack's local AE sees, and two suites at once on one AE would
 * count each other's. Suites that must break their stack (stopping the local AE) start their own.
 */
const stacks: { stack: Stack; dir: string }[] = [];
const laneStacks = new Map<Step['lane'], Promise<Record<string, string>>>();
function laneStack(lane: Step['lane']): Promise<Record<string, string>> {
  let env = laneStacks.get(lane);
  if (!env) laneStacks.set(lane, (env = startShared()));
  return env;
}
async function startShared(): Promise<Record<string, string>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-test-stack-'));
  const email = 'admin@example.com';
  const password = 'admin-password';
  const stack = await startStack({ stateDir: path.join(dir, 'state'), aeDataDir: path.join(dir, 'ae'), adminEmails: email, adminPassword: password });
  try {
    const admin = await signInAdmin(stack.workerUrl, email, password);
    const env = {
      USAGE_LENS_WORKER_URL: stack.workerUrl,
      USAGE_LENS_AE_URL: stack.aeUrl,
      USAGE_LENS_ACCOUNT_ID: stack.accountId,
      USAGE_LENS_AE_TOKEN: stack.aeToken,
      USAGE_LENS_ADMIN_KEY: await createApiKey(stack.workerUrl, admin, 'test suites', 'admin'),
      USAGE_LENS_ADMIN_EMAIL: admin.email,
      USAGE_LENS_ADMIN_TOKEN: admin.token,
      USAGE_LENS_ADMIN_USER_ID: admin.userId,
    };
    stacks.push({ stack, dir });
    return env;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

interface Outcome extends Counts {
  ok: boolean;
  seconds: number;
}

/** Runs a command with its output kept, to print whole when it ends. */
function spawnCollect(command: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn(command[0], command.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', (error) => chunks.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (status) => resolve({ status, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

async function run(step: Step): Promise<Outcome> {
  const started = Date.now();
  const header = `\n━━ ${step.name}: ${step.command.map((c) => path.relative(ROOT, c) || c).join(' ')}`;
  let stackEnv: Record<string, string> = {};
  if (step.stack) {
    try {
      stackEnv = await laneStack(step.lane);
    } catch (error) {
      console.log(`${header}\nthe lane's stack did not start: ${(error as Error).message}`);
      return { passed: 0, failed: 1, skipped: 0, ok: false, seconds: (Date.now() - started) / 1000 };
    }
  }
  const reportFile = path.join(REPORTS, `${step.name}.json`);
  rmSync(reportFile, { force: true });
  const result = await spawnCollect(step.command, {
    cwd: step.cwd,
    env: { ...process.env, ...stackEnv, ...step.env, GO_JSON_REPORT: reportFile },
  });
  console.log(`${header}\n${result.output}`);
  const ok = result.status === 0;
  const seconds = (Date.now() - started) / 1000;
  if (step.report && existsSync(reportFile)) {
    const counts = step.report(reportFile);
    // A runner that crashed after reporting still fails the step.
    if (!ok && counts.failed === 0) counts.failed = 1;
    return { ...counts, ok, seconds };
  }
  return { passed: 0, failed: ok ? 0 : 1, skipped: 0, ok, seconds };
}

const filters = process.argv.slice(2);
const steps = filters.length ? STEPS.filter((s) => filters.some((f) => s.name.includes(f))) : STEPS;
mkdirSync(REPORTS, { recursive: true });

const outcomes = new Map<Step, Outcome>();
const lanes = (['worker', 'rest'] as const).map(async (lane) => {
  for (const step of steps.filter((s) => s.lane === lane)) outcomes.set(step, await run(step));
});
await Promise.all(lanes);

const rows: string[] = [];
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const step of steps) {
  const r = outcomes.get(step)!;
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
  rows.push(`${r.ok ? 'ok  ' : 'FAIL'}  ${step.name.padEnd(22)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed ${String(r.skipped).padStart(3)} skipped  ${r.seconds.toFixed(0).padStart(4)} s`);
}

for (const { stack, dir } of stacks) {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n━━ summary\n${rows.join('\n')}`);
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed > 0 ? 1 : 0);
