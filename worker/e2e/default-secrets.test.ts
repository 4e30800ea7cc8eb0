/**
 * Issue 10, item 2 (the tooling's part): npm start, the end-to-end stacks and the compose services
 * refuse to start when BETTER_AUTH_URL is not a localhost URL and BETTER_AUTH_SECRET, the admin
 * password or the AE token still has the value every checkout shares; the message names it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRETS, isLocalUrl, refuseDefaultSecrets, ROOT, startStack } from '@usage-lens/tooling/stack';

const PUBLIC = 'https://usage-lens.example.com';
const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('refuseDefaultSecrets', () => {
  it.each(['http://localhost:8787', 'http://127.0.0.1:8787', 'http://127.8.9.10', 'http://[::1]:8787', 'http://app.localhost'])(
    '%s is local: defaults are fine',
    (url) => {
      expect(isLocalUrl(url)).toBe(true);
      expect(() => refuseDefaultSecrets(url, { ...DEFAULT_SECRETS })).not.toThrow();
    },
  );

  it.each(['https://usage-lens.example.com', 'http://0.0.0.0:8787', 'http://10.0.0.5:8787', 'http://localhost.example.com', 'not a url'])(
    '%s is not local',
    (url) => expect(isLocalUrl(url)).toBe(false),
  );

  it.each(Object.keys(DEFAULT_SECRETS) as (keyof typeof DEFAULT_SECRETS)[])('names %s when it alone is the default', (name) => {
    const values = { BETTER_AUTH_SECRET: 's3cret-of-my-own', USAGE_LENS_ADMIN_PASSWORD: 'a-password-of-my-own', LOCAL_AE_TOKEN: 'a-token-of-my-own' };
    expect(() => refuseDefaultSecrets(PUBLIC, values)).not.toThrow();
    expect(() => refuseDefaultSecrets(PUBLIC, { ...values, [name]: DEFAULT_SECRETS[name] })).toThrow(new RegExp(`BETTER_AUTH_URL.*${name}`));
  });
});

describe('the stack runner', () => {
  it('refuses a public BETTER_AUTH_URL with the default secret and AE token, before starting anything', async () => {
    const started = startStack({ stateDir: path.join(dir, 'state'), workerPort: 1, aePort: 1, vars: { BETTER_AUTH_URL: PUBLIC } });
    await expect(started).rejects.toThrow(/BETTER_AUTH_SECRET, LOCAL_AE_TOKEN/);
  });

  it('refuses the default admin password when given one', async () => {
    process.env.BETTER_AUTH_SECRET = 'a-secret-of-my-own-0123456789abcdef';
    try {
      const started = startStack({
        stateDir: path.join(dir, 'state'),
        workerPort: 1,
        aePort: 1,
        aeToken: 'a-token-of-my-own',
        adminPassword: DEFAULT_SECRETS.USAGE_LENS_ADMIN_PASSWORD,
        vars: { BETTER_AUTH_URL: PUBLIC },
      });
      await expect(started).rejects.toThrow(/USAGE_LENS_ADMIN_PASSWORD/);
    } finally {
      delete process.env.BETTER_AUTH_SECRET;
    }
  });
});

describe('the compose services', () => {
  const run = (role: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(ROOT, 'tooling', 'compose-service.ts'), role], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: '1', BETTER_AUTH_URL: PUBLIC, ...env },
    });

  it('worker exits 1 naming BETTER_AUTH_SECRET', () => {
    const result = run('worker', { LOCAL_AE_URL: 'http://127.0.0.1:9', LOCAL_AE_TOKEN: 'a-token-of-my-own', WRANGLER_STATE_DIR: path.join(dir, 'compose-state') });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^worker: BETTER_AUTH_URL .* BETTER_AUTH_SECRET still has its default value/m);
  });

  it('bootstrap exits 1 naming USAGE_LENS_ADMIN_PASSWORD, before creating anything', () => {
    const secrets = path.join(dir, 'compose-secrets');
    const result = run('bootstrap', {
      WORKER_URL: 'http://127.0.0.1:9',
      SECRETS_DIR: secrets,
      BETTER_AUTH_SECRET: 'a-secret-of-my-own-0123456789abcdef',
      LOCAL_AE_TOKEN: 'a-token-of-my-own',
    });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^bootstrap: BETTER_AUTH_URL .* USAGE_LENS_ADMIN_PASSWORD still has its default value/m);
    expect(existsSync(secrets)).toBe(false);
  });
});
