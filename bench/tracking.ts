/**
 * What tracking and the limit check cost a request, in workerd. One wrangler dev process runs the
 * app several times behind a router, each variant configured differently, and requests alternate
 * between the variants one by one:
 *
 * - tracking: "on" with AE's own USAGE_ANALYTICS binding (the call production makes; locally
 *   wrangler drops the points), "off" with no binding, and "control", a second "off" that shows the
 *   noise floor; limits off in all three.
 * - the limit check: "observe" (LIMITS_MODE=observe: the tier from D1 through the per-isolate cache,
 *   then the Rate Limiting binding, simulated by miniflare), "no-limiter" (observe without the
 *   Rate Limiting bindings: the check stops before limit()), "off" (LIMITS_MODE=off) and "control"
 *   (off again); all four track with AE's binding.
 *
 * Locally each limit() call is a request to the simulator's Durable Object, which writes its
 * counter to SQLite, in the same workerd process as the app; Cloudflare's binding keeps its counters
 * "cached on the same machine that your Worker runs in" ("You are not waiting on a network request",
 * https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/). "no-limiter"
 * separates the worker's own part of the check from the simulator's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LIMIT_CLASSES, LIMIT_TIERS, rateLimitBinding } from '@usage-lens/contract';
import { freePort, ROOT, waitFor } from '@usage-lens/tooling/stack';

export interface TrackingResult {
  route: string;
  onMs: number;
  offMs: number;
  controlMs: number;
}

export interface LimitCheckResult {
  route: string;
  /** LIMITS_MODE=observe: the whole check, with the simulated limit() call. */
  observeMs: number;
  /** The same without Rate Limiting bindings: the check up to the limiter (mode, admin, cached tier). */
  withoutLimiterMs: number;
  offMs: number;
  controlMs: number;
}

/** Median latency of each variant, per route. */
type Medians = { route: string; ms: Record<string, number> }[];

const WRANGLER = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const AE_BINDING = { analytics_engine_datasets: [{ binding: 'USAGE_ANALYTICS', dataset: 'usage_analytics' }] };
/**
 * The bindings wrangler.toml declares, with limits no bench user reaches (one user makes thousands of
 * calls a minute here): every call takes the path a call within its limit takes, in every mode.
 */
const RATE_LIMIT_BINDINGS = {
  ratelimits: LIMIT_CLASSES.flatMap((cls, i) =>
    LIMIT_TIERS.map((tier, j) => ({ name: rateLimitBinding(cls, tier), namespace_id: String(5001 + 10 * i + j), simple: { limit: 1_000_000_000, period: 60 } })),
  ),
};

function appConfig(variant: string, port: number, extra: Record<string, unknown>, vars: Record<string, string>) {
  return {
    name: `bench-${variant}`,
    main: path.join(ROOT, 'worker', 'src', 'index.ts'),
    compatibility_date: '2026-10-01',
    compatibility_flags: ['nodejs_compat'],
    vars: {
      BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
      BETTER_AUTH_SECRET: 'bench-secret-0123456789abcdef0123456789',
      TRUSTED_ORIGINS: `http://127.0.0.1:${port}`,
      ...vars,
    },
    d1_databases: [{ binding: 'DB', database_name: `bench-${variant}`, database_id: `bench-${variant}`, migrations_dir: path.join(ROOT, 'worker', 'migrations') }],
    durable_objects: { bindings: [{ name: 'SYNC_ROOM', class_name: 'SyncRoom' }, { name: 'CHAT_ROOM', class_name: 'ChatRoom' }] },
    migrations: [{ tag: 'v1', new_sqlite_classes: ['SyncRoom', 'ChatRoom'] }],
    ...extra,
  };
}

/** Tracking on (AE binding) vs off (none) vs off, limits off throughout. */
export async function benchTracking(stateDir: string, rounds: number, perRound: number): Promise<TrackingResult[]> {
  const medians = await benchVariants(stateDir, ['on', 'off', 'control'], (v) => ({ extra: v === 'on' ? AE_BINDING : {}, vars: { LIMITS_MODE: 'off' } }), rounds, perRound);
  return medians.map(({ route, ms }) => ({ route, onMs: ms.on, offMs: ms.off, controlMs: ms.control }));
}

/** The limit check (observe, the default mode) vs the check without its limiter vs none (off) vs none. */
export async function benchLimitCheck(stateDir: string, rounds: number, perRound: number): Promise<LimitCheckResult[]> {
  const configs: Record<string, { extra: Record<string, unknown>; vars: Record<string, string> }> = {
    observe: { extra: { ...AE_BINDING, ...RATE_LIMIT_BINDINGS }, vars: { LIMITS_MODE: 'observe' } },
    'no-limiter': { extra: AE_BINDING, vars: { LIMITS_MODE: 'observe' } },
    off: { extra: { ...AE_BINDING, ...RATE_LIMIT_BINDINGS }, vars: { LIMITS_MODE: 'off' } },
    control: { extra: { ...AE_BINDING, ...RATE_LIMIT_BINDINGS }, vars: { LIMITS_MODE: 'off' } },
  };
  const medians = await benchVariants(stateDir, Object.keys(configs), (v) => configs[v], rounds, perRound);
  return medians.map(({ route, ms }) => ({ route, observeMs: ms.observe, withoutLimiterMs: ms['no-limiter'], offMs: ms.off, controlMs: ms.control }));
}

async function benchVariants(
  stateDir: string,
  variants: readonly string[],
  configOf: (variant: string) => { extra: Record<string, unknown>; vars: Record<string, string> },
  rounds: number,
  perRound: number,
): Promise<Medians> {
  mkdirSync(stateDir, { recursive: true });
  const port = await freePort();
  const configs: string[] = [];
  const router = path.join(stateDir, 'router.json');
  writeFileSync(router, JSON.stringify({
    name: 'bench-router',
    main: path.join(ROOT, 'bench', 'router.ts'),
    compatibility_date: '2026-10-01',
    services: variants.map((v) => ({ binding: v.toUpperCase(), service: `bench-${v}` })),
  }));
  configs.push(router);
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };
  for (const variant of variants) {
    const file = path.join(stateDir, `${variant}.json`);
    const { extra, vars } = configOf(variant);
    writeFileSync(file, JSON.stringify(appConfig(variant, port, extra, vars)));
    configs.push(file);
    const applied = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', `bench-${variant}`, '--local', '-c', file, '--persist-to', stateDir], { env, encoding: 'utf8' });
    if (applied.status !== 0) throw new Error(`migrations for ${variant}: ${applied.stderr}`);
  }
  const dev = spawn(
    process.execPath,
    [WRANGLER, 'dev', ...configs.flatMap((c) => ['-c', c]), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--show-interactive-dev-session=false', '--persist-to', stateDir],
    { env, detached: true, stdio: 'ignore' },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${base}/${variants[0]}/health`, 'the bench workers', dev);
    const tokens = new Map<string, string>();
    for (const variant of variants) {
      const res = await fetch(`${base}/${variant}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ name: 'Bench', email: `bench-${variant}@example.com`, password: 'bench-password' }),
      });
      if (!res.ok) throw new Error(`sign-up on ${variant}: ${res.status} ${await res.text()}`);
      tokens.set(variant, res.headers.get('set-auth-token')!);
    }
    const auth = (variant: string) => ({ authorization: `Bearer ${tokens.get(variant)}` });
    const socket = (room: string) => (variant: string) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/${variant}/api/${room}?room=bench`, { headers: auth(variant) } as unknown as string[]);
        ws.onopen = () => {
          ws.close();
          resolve();
        };
        ws.onerror = () => reject(new Error(`${room} on ${variant} failed`));
      });
    const routes: Record<string, (variant: string) => Promise<void>> = {
      'GET /api/auth/me': async (v) => void (await (await fetch(`${base}/${v}/api/auth/me`, { headers: auth(v) })).arrayBuffer()),
      'GET /api/sync/auth': async (v) => void (await (await fetch(`${base}/${v}/api/sync/auth`, { headers: auth(v) })).arrayBuffer()),
      'POST /api/ingest': async (v) =>
        void (await (
          await fetch(`${base}/${v}/api/ingest`, {
            method: 'POST',
            headers: { ...auth(v), 'content-type': 'application/json' },
            body: '{"items":[{"type":"bench","payload":{"n":1}}]}',
          })
        ).arrayBuffer()),
      'WS /api/sync (connect)': socket('sync'),
      'WS /api/chat (connect)': socket('chat'),
    };
    const results: Medians = [];
    for (const [route, run] of Object.entries(routes)) {
      const samples = new Map<string, number[]>(variants.map((v) => [v, []]));
      for (const v of variants) for (let i = 0; i < 30; i++) await run(v); // warm up
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < perRound; i++) {
          for (let k = 0; k < variants.length; k++) {
            const v = variants[(k + i + r) % variants.length];
            const start = performance.now();
            await run(v);
            samples.get(v)!.push(performance.now() - start);
          }
        }
      }
      results.push({ route, ms: Object.fromEntries(variants.map((v) => [v, median(samples.get(v)!)])) });
    }
    return results;
  } finally {
    await new Promise<void>((resolve) => {
      dev.once('exit', () => resolve());
      try {
        process.kill(-dev.pid!, 'SIGTERM');
      } catch {
        resolve();
      }
    });
  }
}
