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

/** The local AE's entrypoints (write and SQL bindings) as an auxiliary worker pointed at `url`. */
const localAe = (name: string, url: string, token: string) => ({
  name,
  modules: true,
  scriptPath: entrypointBundle,
  compatibilityDate: '2026-10-01',
  bindings: { LOCAL_AE_URL: url, LOCAL_AE_ACCOUNT_ID: 'test-account', LOCAL_AE_TOKEN: token },
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
            ADMIN_EMAILS: 'admin@example.com, root@example.com',
            BETTER_AUTH_URL: 'http://127.0.0.1:8787',
            TEST_LOCAL_AE_URL: aeUrl,
            TEST_FAULT_URL: faultUrl,
          },
          serviceBindings: {
            // The real entrypoint, reading from the labelled fake in fault-server.ts, and the real
            // local AE refusing a wrong token: failures the local AE cannot be made to give.
            FAULTY_ANALYTICS_SQL: { name: 'analytics-sql-faults', entrypoint: 'LocalAnalyticsSql' },
            FORBIDDEN_ANALYTICS_SQL: { name: 'analytics-sql-wrong-token', entrypoint: 'LocalAnalyticsSql' },
            UNREACHABLE_ANALYTICS_SQL: { name: 'analytics-sql-unreachable', entrypoint: 'LocalAnalyticsSql' },
          },
          workers: [
            localAe('local-analytics-engine', aeUrl, 'test-token'),
            localAe('analytics-sql-faults', faultUrl, 'test-token'),
            localAe('analytics-sql-wrong-token', aeUrl, 'wrong-token'),
            // Port 9 (discard) has no listener here.
            localAe('analytics-sql-unreachable', 'http://127.0.0.1:9', 'test-token'),
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
