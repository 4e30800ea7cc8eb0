/**
 * Worker tests run in workerd through @cloudflare/vitest-plugin, with the real D1 migrations and
 * the real local Analytics Engine: USAGE_ANALYTICS is its Worker entrypoint (as in local dev) and
 * the SQL API is its Node server, started by test/global-setup.ts on the port chosen here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { freePort } from '@usage-lens/tooling/stack';

const root = path.resolve(import.meta.dirname, '..');

// The config is evaluated once in the main process; global setup reads the port from here.
process.env.TEST_LOCAL_AE_PORT ??= String(await freePort());
process.env.TEST_FAULT_PORT ??= String(await freePort());
const aeUrl = `http://127.0.0.1:${process.env.TEST_LOCAL_AE_PORT}`;
const faultUrl = `http://127.0.0.1:${process.env.TEST_FAULT_PORT}`;

// Auxiliary workers take a built script, not a wrangler config.
const entrypointBundle = path.join(import.meta.dirname, '.test-build', 'local-ae-entrypoint.js');
buildSync({
  entryPoints: [fileURLToPath(import.meta.resolve('@usage-lens/local-analytics-engine/entrypoint'))],
  outfile: entrypointBundle,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  external: ['cloudflare:workers'],
  logLevel: 'warning',
});

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, 'wrangler.toml'), environment: 'local' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            BETTER_AUTH_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
            CF_ANALYTICS_TOKEN: 'test-token',
            CF_ACCOUNT_ID: 'test-account',
            CF_API_BASE_URL: aeUrl,
            ADMIN_EMAILS: 'admin@example.com, root@example.com',
            BETTER_AUTH_URL: 'http://127.0.0.1:8787',
            TEST_LOCAL_AE_URL: aeUrl,
            TEST_FAULT_URL: faultUrl,
          },
          workers: [
            {
              name: 'local-analytics-engine',
              modules: true,
              scriptPath: entrypointBundle,
              compatibilityDate: '2026-10-01',
              bindings: { LOCAL_AE_URL: aeUrl, LOCAL_AE_ACCOUNT_ID: 'test-account', LOCAL_AE_TOKEN: 'test-token' },
            },
          ],
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      globalSetup: ['./test/global-setup.ts'],
      setupFiles: ['./test/apply-migrations.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
