/**
 * The local stack, as one unit: D1 migrations, the local Analytics Engine (Node + chdb) and the
 * app worker beside the local AE's entrypoint (wrangler dev, workerd). `npm start`, the end-to-end
 * tests, the Go integration tests, the benches and the compose services all start it through here,
 * so they run the same thing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { verificationLink } from '../worker/src/auth/verification-link.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
const WRANGLER = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const LOCAL_AE_CLI = path.join(ROOT, 'local-analytics-engine', 'src', 'cli.ts');

/**
 * The values every fresh checkout shares. Fine on this machine; anywhere else they are known to
 * anyone who has read this file, so refuseDefaultSecrets stops a stack that would serve them.
 */
export const DEFAULT_SECRETS = {
  BETTER_AUTH_SECRET: 'local-dev-secret-change-me-0123456789abcdef',
  USAGE_LENS_ADMIN_PASSWORD: 'admin-password',
  LOCAL_AE_TOKEN: 'local-dev-token',
} as const;

export type SecretName = keyof typeof DEFAULT_SECRETS;

/** localhost, *.localhost, 127.0.0.0/8 and [::1]: URLs only this machine can reach. */
export function isLocalUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}

/**
 * Throws, naming the variable, when BETTER_AUTH_URL is not a localhost URL and one of the given
 * settings still has its default value (see DEFAULT_SECRETS).
 */
export function refuseDefaultSecrets(betterAuthUrl: string, values: Partial<Record<SecretName, string>>): void {
  if (isLocalUrl(betterAuthUrl)) return;
  const defaults = (Object.keys(values) as SecretName[]).filter((name) => values[name] === DEFAULT_SECRETS[name]);
  if (defaults.length === 0) return;
  throw new Error(
    `BETTER_AUTH_URL (${betterAuthUrl}) is not a localhost URL, and ${defaults.join(', ')} still ${defaults.length === 1 ? 'has its' : 'have their'} ` +
      `default value from this repository: set ${defaults.length === 1 ? 'it' : 'them'} to a secret of your own before serving anyone else.`,
  );
}

export interface StackOptions {
  host?: string;
  workerPort?: number;
  aePort?: number;
  /** Wrangler's local state (D1, Durable Objects). */
  stateDir?: string;
  /** The local AE's chdb data. */
  aeDataDir?: string;
  /** Where the worker reaches the local AE (differs from aeUrl inside compose). */
  aeUrlForWorker?: string;
  accountId?: string;
  /** Defaults to LOCAL_AE_TOKEN, else DEFAULT_SECRETS.LOCAL_AE_TOKEN. */
  aeToken?: string;
  adminEmails?: string;
  /** The password the caller will give the admin, refused like the secrets when it is the default. */
  adminPassword?: string;
  /** Seconds the SQL API may take before the local AE stops a query. */
  queryTimeout?: number;
  /** Run only the worker against an AE started elsewhere (compose's worker service). */
  workerOnly?: boolean;
  /** Extra vars for the worker (wrangler --var). */
  vars?: Record<string, string>;
  /** LIMITS_MODE for the worker (off, observe, enforce); defaults to $LIMITS_MODE, else wrangler.toml's. */
  limitsMode?: string;
  /**
   * What USAGE_ANALYTICS is: the local AE's entrypoint (default), AE's own binding as wrangler runs
   * it locally ('native': the production call, whose points wrangler drops), or absent ('none').
   * The last two are for measuring what tracking costs a request.
   */
  analytics?: 'local-ae' | 'native' | 'none';
  log?: (line: string) => void;
}

export interface Stack {
  workerUrl: string;
  aeUrl: string;
  accountId: string;
  aeToken: string;
  sqlApiUrl: string;
  /** Stops the local AE only (for fault tests); stop() still cleans up the rest. */
  stopAnalyticsEngine(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, what: string, child: ChildProcess | null, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child?.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${what} exited (code ${exited}) before answering ${url}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs / 1000} s`);
}

function stopProcess(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => kill('SIGKILL'), 8_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    function kill(signal: NodeJS.Signals) {
      try {
        // Detached children lead their own process group: wrangler's workerd goes with it.
        process.kill(-child!.pid!, signal);
      } catch {
        child!.kill(signal);
      }
    }
    kill('SIGTERM');
  });
}

function pipeLog(child: ChildProcess, prefix: string, log: (line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) log(`${prefix} ${line}`);
    });
  }
}

const wranglerEnv = () => ({
  ...process.env,
  // Offline and quiet: no telemetry, no request.cf lookup (this machine has no route out).
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
});

export function applyMigrations(stateDir: string, env: string | null = 'local'): void {
  const envArgs = env ? ['--env', env] : [];
  const result = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'usage-lens', '--local', ...envArgs, '--persist-to', stateDir], {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`D1 migrations failed:\n${result.stdout}\n${result.stderr}`);
}

/** wrangler.toml without env.local's USAGE_ANALYTICS binding, written next to the state. */
function withoutTracking(stateDir: string): string {
  const source = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8');
  const stripped = source
    .replace(/\[\[env\.local\.services\]\]\nbinding = "USAGE_ANALYTICS"[\s\S]*?\n\n/, '')
    .replace(/^main = "(.+)"$/m, (_m, main: string) => `main = "${path.join(ROOT, main)}"`)
    .replace(/^migrations_dir = "(.+)"$/gm, (_m, dir: string) => `migrations_dir = "${path.join(ROOT, dir)}"`)
    // The admin console's assets ([assets]) and the folder its build watches ([build]).
    .replace(/^(directory|watch_dir) = "(.+)"$/gm, (_m, key: string, dir: string) => `${key} = "${path.join(ROOT, dir)}"`);
  if (/binding = "USAGE_ANALYTICS"\nservice =/.test(stripped)) throw new Error('could not remove the USAGE_ANALYTICS binding');
  const file = path.join(stateDir, 'wrangler.no-tracking.toml');
  writeFileSync(file, stripped);
  return file;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const workerPort = options.workerPort ?? (await freePort());
  const aePort = options.aePort ?? (await freePort());
  const stateDir = path.resolve(options.stateDir ?? path.join(ROOT, '.wrangler', 'state'));
  const accountId = options.accountId ?? 'local-account';
  const aeToken = options.aeToken ?? process.env.LOCAL_AE_TOKEN ?? DEFAULT_SECRETS.LOCAL_AE_TOKEN;
  const betterAuthSecret = process.env.BETTER_AUTH_SECRET ?? DEFAULT_SECRETS.BETTER_AUTH_SECRET;
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host;
  const aeUrlForWorker = options.aeUrlForWorker ?? `http://${reach}:${aePort}`;
  const aeUrl = options.workerOnly ? aeUrlForWorker : `http://${reach}:${aePort}`;
  const workerUrl = `http://${reach}:${workerPort}`;
  const limitsMode = options.limitsMode ?? process.env.LIMITS_MODE;
  const vars: Record<string, string> = {
    BETTER_AUTH_URL: process.env.BETTER_AUTH_URL ?? workerUrl,
    ...(options.adminEmails !== undefined ? { ADMIN_EMAILS: options.adminEmails } : {}),
    // The limit recommendations read AE's HTTP SQL API (the Analytics SQL binding's dialect cannot
    // nest their aggregates): here the local AE's, with its account; the token is a secret, below.
    CF_ACCOUNT_ID: accountId,
    CF_API_BASE_URL: aeUrlForWorker,
    ...(limitsMode ? { LIMITS_MODE: limitsMode } : {}),
    ...options.vars,
  };
  // Before anything starts: a refused stack leaves nothing running.
  refuseDefaultSecrets(vars.BETTER_AUTH_URL, {
    BETTER_AUTH_SECRET: betterAuthSecret,
    LOCAL_AE_TOKEN: aeToken,
    ...(options.adminPassword !== undefined ? { USAGE_LENS_ADMIN_PASSWORD: options.adminPassword } : {}),
  });
  mkdirSync(stateDir, { recursive: true });

  let ae: ChildProcess | null = null;
  let worker: ChildProcess | null = null;
  const stop = async () => {
    await stopProcess(worker);
    await stopProcess(ae);
  };
  try {
    if (!options.workerOnly) {
      ae = spawn(process.execPath, [LOCAL_AE_CLI, 'serve'], {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          LOCAL_AE_HOST: host,
          LOCAL_AE_PORT: String(aePort),
          LOCAL_AE_ACCOUNT_ID: accountId,
          LOCAL_AE_TOKEN: aeToken,
          ...(options.aeDataDir ? { LOCAL_AE_DATA_DIR: path.resolve(options.aeDataDir) } : {}),
          ...(options.queryTimeout ? { LOCAL_AE_QUERY_TIMEOUT: String(options.queryTimeout) } : {}),
          NODE_NO_WARNINGS: '1',
        },
      });
      pipeLog(ae, '[local-ae]', log);
      await waitFor(`${aeUrl}/health`, 'the local Analytics Engine', ae);
    }

    const analytics = options.analytics ?? 'local-ae';
    // 'native' runs the default (production) environment, whose USAGE_ANALYTICS is AE's binding.
    const wranglerEnvName = analytics === 'native' ? null : 'local';
    applyMigrations(stateDir, wranglerEnvName);
    // wrangler's --var reaches only the first config, so the local AE entrypoint gets a generated
    // config that carries where the local AE listens.
    const entrypointConfig = path.join(stateDir, 'local-analytics-engine.wrangler.json');
    writeFileSync(
      entrypointConfig,
      JSON.stringify({
        name: 'local-analytics-engine',
        main: path.join(ROOT, 'local-analytics-engine', 'src', 'entrypoint.ts'),
        compatibility_date: '2026-10-01',
        // The account and token let LocalAnalyticsSql (the Analytics SQL binding's stand-in) reach
        // the local AE's Analytics SQL route; the real binding is scoped to the Worker's account.
        env: {
          local: {
            name: 'local-analytics-engine',
            vars: { LOCAL_AE_URL: aeUrlForWorker, LOCAL_AE_ACCOUNT_ID: accountId, LOCAL_AE_TOKEN: aeToken },
          },
        },
      }),
    );
    // Secrets go in a file only this user can read, never on a command line.
    const secrets = path.join(stateDir, 'secrets.env');
    writeFileSync(
      secrets,
      [
        `BETTER_AUTH_SECRET=${betterAuthSecret}`,
        `CF_ANALYTICS_TOKEN=${aeToken}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const workerConfig = analytics === 'none' ? withoutTracking(stateDir) : path.join(ROOT, 'wrangler.toml');
    worker = spawn(
      process.execPath,
      [
        WRANGLER, 'dev',
        '-c', workerConfig,
        '-c', entrypointConfig,
        ...(wranglerEnvName ? ['--env', wranglerEnvName] : []),
        '--ip', host,
        '--port', String(workerPort),
        '--inspector-port', '0',
        '--show-interactive-dev-session=false',
        '--persist-to', stateDir,
        '--env-file', secrets,
        ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
      ],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: wranglerEnv() },
    );
    pipeLog(worker, '[worker]', log);
    await waitFor(`${workerUrl}/health`, 'the worker (wrangler dev)', worker);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    workerUrl,
    aeUrl,
    accountId,
    aeToken,
    sqlApiUrl: `${aeUrl}/client/v4/accounts/${accountId}/analytics_engine/sql`,
    stopAnalyticsEngine: () => stopProcess(ae),
    stop,
  };
}

export interface Admin {
  email: string;
  /** A better-auth bearer session token. */
  token: string;
  userId: string;
}

/**
 * Signs the admin in, signing up first on a fresh database, and makes sure the address is verified:
 * ADMIN_EMAILS counts only for a verified address. The tooling holds BETTER_AUTH_SECRET (it writes
 * the worker's secrets), so it mints the link a verification mail would carry and opens it.
 */
export async function signInAdmin(
  workerUrl: string,
  email: string,
  password: string,
  name = 'Admin',
  secret = process.env.BETTER_AUTH_SECRET ?? DEFAULT_SECRETS.BETTER_AUTH_SECRET,
): Promise<Admin> {
  const headers = { 'content-type': 'application/json', origin: workerUrl };
  let res = await fetch(`${workerUrl}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email, password }) });
  if (res.status === 401) {
    res = await fetch(`${workerUrl}/api/auth/sign-up/email`, { method: 'POST', headers, body: JSON.stringify({ email, password, name }) });
  }
  if (!res.ok) throw new Error(`admin sign-in as ${email} failed (${res.status}): ${await res.text()}`);
  const { user } = (await res.json()) as { user: { id: string; emailVerified: boolean } };
  const admin = { email, token: res.headers.get('set-auth-token')!, userId: user.id };
  if (!user.emailVerified) {
    const verify = await fetch(await verificationLink({ workerUrl, secret, email, userId: user.id }));
    if (!verify.ok) throw new Error(`verifying the admin address ${email} failed (${verify.status}): ${await verify.text()}`);
  }
  return admin;
}

export async function createApiKey(workerUrl: string, admin: Admin, name: string, scope: 'admin' | 'ingest'): Promise<string> {
  const res = await fetch(`${workerUrl}/api/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scope }),
  });
  if (!res.ok) throw new Error(`creating the ${scope} API key failed (${res.status}): ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** Keeps an admin API key that still works (restarts should not pile up keys), else creates one. */
export async function ensureAdminKey(workerUrl: string, admin: Admin, existing: string | undefined, name: string): Promise<string> {
  if (existing) {
    // Whether the admin API would let the key in, without reading anything.
    const check = await fetch(`${workerUrl}/api/admin/me`, { headers: { authorization: `Bearer ${existing}` } });
    if (check.ok && ((await check.json()) as { isAdmin: boolean }).isAdmin) return existing;
  }
  return createApiKey(workerUrl, admin, name, 'admin');
}
