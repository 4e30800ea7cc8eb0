/**
 * The compose services, run natively: each service's own command and environment from
 * docker-compose.yml (compose variables set to free ports and small volumes, service names mapped
 * to 127.0.0.1), started in compose's order and held to compose's healthchecks. This is what
 * `docker compose up` runs, minus the containers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCompose, REPO, type Compose, type Service } from './compose.ts';
import { freePort } from '@usage-lens/tooling/stack';

const dir = mkdtempSync(path.join(tmpdir(), 'compose-native-'));
const running: ChildProcess[] = [];
let compose: Compose;
let ports: { ae: number; worker: number; receiver: number };


/** Service names and container ports as this machine reaches them. */
function localise(text: string): string {
  return text
    .replaceAll('local-ae:8788', `127.0.0.1:${ports.ae}`)
    .replaceAll('worker:8787', `127.0.0.1:${ports.worker}`)
    .replaceAll('127.0.0.1:8788', `127.0.0.1:${ports.ae}`)
    .replaceAll('127.0.0.1:8787', `127.0.0.1:${ports.worker}`)
    .replaceAll('127.0.0.1:9099', `127.0.0.1:${ports.receiver}`);
}

/** The service's environment, with container-only paths and ports made local. */
function environment(name: string, service: Service): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = localise(String(value));
  const local: Record<string, string> = {
    LOCAL_AE_PORT: String(ports.ae),
    LOCAL_AE_HOST: '127.0.0.1',
    LOCAL_AE_DATA_DIR: path.join(dir, 'ae-data'),
    WORKER_PORT: String(ports.worker),
    WRANGLER_STATE_DIR: path.join(dir, 'worker-state'),
    SECRETS_DIR: path.join(dir, 'secrets'),
    RECEIVER_PORT: String(ports.receiver),
  };
  for (const key of Object.keys(local)) if (key in (service.environment ?? {})) env[key] = local[key];
  env.NODE_NO_WARNINGS = '1';
  return env;
}

function start(name: string): ChildProcess {
  const service = compose.services[name];
  const [command, ...args] = service.command!;
  expect(command).toBe('node');
  const child = spawn(process.execPath, args.map(localise), { cwd: REPO, env: environment(name, service), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  Object.defineProperty(child, 'output', { get: () => output });
  running.push(child);
  return child;
}

/** Runs the service's compose healthcheck until it passes. */
async function healthy(name: string, timeoutMs = 120_000): Promise<void> {
  const test = compose.services[name].healthcheck!.test;
  expect(test[0]).toBe('CMD');
  const [command, ...args] = test.slice(1);
  expect(command).toBe('node');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnSync(process.execPath, args.map(localise), { stdio: 'ignore' }).status === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} never passed its healthcheck`);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  ports = { ae: await freePort(), worker: await freePort(), receiver: await freePort() };
  // Compose variables a user could set: a small simulation keeps the test short.
  compose = loadCompose({ SIMULATOR_DAYS: '1', SIMULATOR_USERS: '4' });
});

afterAll(async () => {
  for (const child of running.reverse()) {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited(child), new Promise((r) => setTimeout(r, 8_000))]);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('compose services, natively, in compose order', () => {
  it('local-ae becomes healthy', async () => {
    start('local-ae');
    await healthy('local-ae');
  });

  it('worker becomes healthy against local-ae', async () => {
    start('worker');
    await healthy('worker');
  });

  it('bootstrap completes and leaves Grafana a working admin key and the AE token', async () => {
    const child = start('bootstrap');
    expect(await exited(child), (child as unknown as { output: string }).output).toBe(0);
    const key = readFileSync(path.join(dir, 'secrets', 'admin-api-key'), 'utf8');
    expect(key).toMatch(/^ul_admin_/);
    expect(readFileSync(path.join(dir, 'secrets', 'ae-token'), 'utf8')).toBe('local-dev-token');
    const res = await fetch(`http://127.0.0.1:${ports.worker}/api/admin/usage?period=24h`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
  });

  it('alert-receiver becomes healthy', async () => {
    start('alert-receiver');
    await healthy('alert-receiver');
  });

  it('simulator creates its users in the app and fills the local AE', async () => {
    const child = start('simulator');
    const key = readFileSync(path.join(dir, 'secrets', 'admin-api-key'), 'utf8');
    const deadline = Date.now() + 90_000;
    let rows = 0;
    while (Date.now() < deadline && rows === 0) {
      await new Promise((r) => setTimeout(r, 1_000));
      const res = await fetch(`http://127.0.0.1:${ports.worker}/api/admin/usage?period=24h`, { headers: { authorization: `Bearer ${key}` } });
      const usage = (await res.json()) as { users: { name: string | null }[] };
      rows = usage.users.filter((u) => u.name && u.name !== 'Admin').length;
    }
    expect(rows, (child as unknown as { output: string }).output).toBe(4);
    expect(child.exitCode).toBeNull();
  });

  it('the data written lives where compose keeps its volume', () => {
    expect(existsSync(path.join(dir, 'ae-data'))).toBe(true);
    expect(existsSync(path.join(dir, 'worker-state'))).toBe(true);
  });
});
