/**
 * What tracking costs a request, in workerd. One wrangler dev process runs the app three times
 * behind a router: "on" with AE's own USAGE_ANALYTICS binding (the call production makes; locally
 * wrangler drops the points), "off" with no binding, and "control", a second "off" that shows the
 * noise floor. Requests alternate between the variants one by one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, ROOT, waitFor } from '@usage-lens/tooling/stack';

export interface TrackingResult {
  route: string;
  onMs: number;
  offMs: number;
  controlMs: number;
}

const VARIANTS = ['on', 'off', 'control'] as const;
const WRANGLER = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function appConfig(variant: string, port: number) {
  return {
    name: `bench-${variant}`,
    main: path.join(ROOT, 'worker', 'src', 'index.ts'),
    compatibility_date: '2026-10-01',
    compatibility_flags: ['nodejs_compat'],
    vars: {
      BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
      BETTER_AUTH_SECRET: 'bench-secret-0123456789abcdef0123456789',
      TRUSTED_ORIGINS: `http://127.0.0.1:${port}`,
    },
    d1_databases: [{ binding: 'DB', database_name: `bench-${variant}`, database_id: `bench-${variant}`, migrations_dir: path.join(ROOT, 'worker', 'migrations') }],
    durable_objects: { bindings: [{ name: 'SYNC_ROOM', class_name: 'SyncRoom' }, { name: 'CHAT_ROOM', class_name: 'ChatRoom' }] },
    migrations: [{ tag: 'v1', new_sqlite_classes: ['SyncRoom', 'ChatRoom'] }],
    ...(variant === 'on' ? { analytics_engine_datasets: [{ binding: 'USAGE_ANALYTICS', dataset: 'usage_analytics' }] } : {}),
  };
}

export async function benchTracking(stateDir: string, rounds: number, perRound: number): Promise<TrackingResult[]> {
  mkdirSync(stateDir, { recursive: true });
  const port = await freePort();
  const configs: string[] = [];
  const router = path.join(stateDir, 'router.json');
  writeFileSync(router, JSON.stringify({
    name: 'bench-router',
    main: path.join(ROOT, 'bench', 'router.ts'),
    compatibility_date: '2026-10-01',
    services: VARIANTS.map((v) => ({ binding: v.toUpperCase(), service: `bench-${v}` })),
  }));
  configs.push(router);
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };
  for (const variant of VARIANTS) {
    const file = path.join(stateDir, `${variant}.json`);
    writeFileSync(file, JSON.stringify(appConfig(variant, port)));
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
    await waitFor(`${base}/off/health`, 'the bench workers', dev);
    const tokens = new Map<string, string>();
    for (const variant of VARIANTS) {
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
    const results: TrackingResult[] = [];
    for (const [route, run] of Object.entries(routes)) {
      const samples = new Map<string, number[]>(VARIANTS.map((v) => [v, []]));
      for (const v of VARIANTS) for (let i = 0; i < 30; i++) await run(v); // warm up
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < perRound; i++) {
          for (let k = 0; k < VARIANTS.length; k++) {
            const v = VARIANTS[(k + i + r) % VARIANTS.length];
            const start = performance.now();
            await run(v);
            samples.get(v)!.push(performance.now() - start);
          }
        }
      }
      results.push({ route, onMs: median(samples.get('on')!), offMs: median(samples.get('off')!), controlMs: median(samples.get('control')!) });
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
