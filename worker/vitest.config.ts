/**
 * Worker tests run in workerd through @cloudflare/vitest-plugin, with the real D1 migrations and
 * the real local Analytics Engine: USAGE_ANALYTICS is its Worker entrypoint (as in local dev) and
 * the SQL API is its Node server, started by test/global-setup.ts on the port chosen here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { unstable_readConfig } from 'wrangler';
import { LIMIT_CLASSES, LIMIT_TIERS, rateLimitBinding } from '@usage-lens/contract';
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

/** wrangler.toml as wrangler itself reads it, per environment, for test/structure.test.ts. */
const wranglerEnvs = Object.fromEntries(
  (['production', 'staging', 'local'] as const).map((name) => {
    const config = unstable_readConfig({ config: path.join(root, 'wrangler.toml'), env: name === 'production' ? undefined : name }, { hideWarnings: true });
    return [name, { ratelimits: config.ratelimits, vars: config.vars }];
  }),
);

/**
 * Rate Limiting bindings with tiny limits (standard 2, high 10 a minute), simulated by miniflare like
 * the real ones, for the limit tests to swap in for RL_*: they go over a limit in a few calls. Their
 * namespaces are their own, so no other test's calls count against them.
 */
const TINY_LIMITS = { standard: 2, high: 10 } as const;
const tinyRateLimits = Object.fromEntries(
  LIMIT_CLASSES.flatMap((cls, i) =>
    LIMIT_TIERS.map((tier, j) => [`TEST_TINY_${rateLimitBinding(cls, tier)}`, { namespace_id: String(9001 + i * 10 + j), simple: { limit: TINY_LIMITS[tier], period: 60 as const } }]),
  ),
);

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
            TEST_WRANGLER_ENVS: wranglerEnvs,
            TEST_TINY_LIMITS: TINY_LIMITS,
            // The limit recommendations read AE's HTTP SQL API: the local AE's, started by global setup.
            CF_ACCOUNT_ID: 'test-account',
            CF_ANALYTICS_TOKEN: 'test-token',
            CF_API_BASE_URL: aeUrl,
          },
          ratelimits: tinyRateLimits,
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
