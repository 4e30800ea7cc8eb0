/**
 * Data survives a restart of the local AE process (chdb on disk), and a stop is clean.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { json, point, write } from './helpers.ts';
import { freePort } from '@usage-lens/tooling/stack';

const dataDir = mkdtempSync(path.join(tmpdir(), 'local-ae-restart-'));
const cli = path.join(import.meta.dirname, '..', 'src', 'cli.ts');
let child: ChildProcess | undefined;


async function serve(port: number): Promise<string> {
  child = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, LOCAL_AE_PORT: String(port), LOCAL_AE_DATA_DIR: dataDir, LOCAL_AE_TOKEN: 'test-token', LOCAL_AE_ACCOUNT_ID: 'test-account' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => d.toString().includes('local Analytics Engine on') && resolve());
    child!.once('exit', (code) => reject(new Error(`local AE exited with ${code}`)));
  });
  return `http://127.0.0.1:${port}`;
}

async function stop(): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child!.kill('SIGTERM');
  return exited;
}

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps every point across a restart', async () => {
  const port = await freePort();
  let url = await serve(port);
  expect((await write(url, Array.from({ length: 1_000 }, (_, i) => point(`p${i % 10}`, 'auth')))).status).toBe(200);
  expect((await write(url, [point('staging-user', 'sync')], 'usage_analytics_staging')).status).toBe(200);
  expect(await stop()).toBe(0);

  url = await serve(port);
  const main = await json(url, 'SELECT count() AS n, count(DISTINCT index1) AS users FROM usage_analytics');
  expect(main.data).toEqual([{ n: '1000', users: '10' }]);
  const staging = await json(url, 'SELECT index1 FROM usage_analytics_staging');
  expect(staging.data).toEqual([{ index1: 'staging-user' }]);
  expect(await stop()).toBe(0);
});
