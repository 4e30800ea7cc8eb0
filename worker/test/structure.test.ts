/**
 * Structural rules: Durable Objects never touch analytics, and wrangler.toml binds what Env declares
 * in every environment (default and staging on AE datasets, local on the local AE).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { datasetFor, DATASETS, LIMIT_CLASSES, LIMIT_MODES, LIMIT_TIERS, RATE_LIMIT_PERIOD_SECONDS, RATE_LIMITS, rateLimitBinding } from '@usage-lens/contract';
import wranglerToml from '../../wrangler.toml?raw';

const sources = import.meta.glob('../src/**/*.ts', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

function importsOf(file: string): string[] {
  // Glob keys are relative to this folder; resolve imports as URLs and map back to that form.
  const base = new URL(file, 'http://src.test/root/test/');
  return [...sources[file].matchAll(/^\s*(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)].map(
    (m) => `..${new URL(m[1], base).pathname.slice('/root'.length)}`,
  );
}

describe('Durable Objects', () => {
  it('import nothing from the analytics module, directly or transitively', () => {
    const objects = Object.keys(sources).filter((f) => f.includes('/durable-objects/'));
    expect(objects.length).toBeGreaterThanOrEqual(2);
    const seen = new Set<string>();
    const queue = [...objects];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const dep of importsOf(file)) {
        expect(sources[dep], `${file} imports ${dep}, which is not a source file`).toBeDefined();
        queue.push(dep);
      }
    }
    const reached = [...seen];
    expect(reached.filter((f) => f.includes('/analytics/'))).toEqual([]);
    for (const file of reached) expect(sources[file]).not.toMatch(/USAGE_ANALYTICS|writeDataPoint|trackEvent/);
  });
});

describe('wrangler.toml', () => {
  const section = (name: string) => {
    const start = wranglerToml.indexOf(`[env.${name}]`);
    const next = wranglerToml.slice(start + 1).search(/^\[env\.(?!\w+\.)/m);
    return next === -1 ? wranglerToml.slice(start) : wranglerToml.slice(start, start + 1 + next);
  };
  const top = wranglerToml.slice(0, wranglerToml.indexOf('[env.'));

  it('binds AE datasets by environment, matching datasetFor(BETTER_AUTH_URL)', () => {
    expect(top).toMatch(/binding = "USAGE_ANALYTICS"\s+dataset = "usage_analytics"/);
    expect(section('staging')).toMatch(/binding = "USAGE_ANALYTICS"\s+dataset = "usage_analytics_staging"/);
    const stagingUrl = /BETTER_AUTH_URL = "([^"]+)"/.exec(section('staging'))![1];
    const prodUrl = /BETTER_AUTH_URL = "([^"]+)"/.exec(top)![1];
    expect(datasetFor(stagingUrl)).toBe(DATASETS.staging);
    expect(datasetFor(prodUrl)).toBe(DATASETS.production);
  });

  it('binds USAGE_ANALYTICS to the local AE entrypoint in env.local', () => {
    expect(section('local')).toMatch(/binding = "USAGE_ANALYTICS"\s+service = "local-analytics-engine"\s+entrypoint = "LocalAnalyticsEngine"/);
  });

  it.each(['top', 'staging', 'local'])('declares DB, SYNC_ROOM and CHAT_ROOM (%s)', (env) => {
    const text = env === 'top' ? top : section(env);
    for (const binding of ['binding = "DB"', 'name = "SYNC_ROOM"', 'name = "CHAT_ROOM"']) expect(text).toContain(binding);
  });
});

describe('wrangler.toml rate limits (as wrangler reads it)', () => {
  const envs = Object.entries(env.TEST_WRANGLER_ENVS);
  const expected = LIMIT_CLASSES.flatMap((cls) =>
    LIMIT_TIERS.map((tier) => ({ name: rateLimitBinding(cls, tier), limit: RATE_LIMITS[tier][cls], period: RATE_LIMIT_PERIOD_SECONDS })),
  );

  it('covers production, staging and local', () => {
    expect(envs.map(([name]) => name).sort()).toEqual(['local', 'production', 'staging']);
  });

  it.each(envs)('%s binds one limiter per class and tier, with the contract\'s per-minute limits', (_name, config) => {
    const bound = config.ratelimits.map((r) => ({ name: r.name, limit: r.simple.limit, period: r.simple.period }));
    expect(bound).toEqual(expect.arrayContaining(expected));
    expect(bound).toHaveLength(expected.length);
  });

  it.each(envs)('%s sets LIMITS_MODE to a mode', (_name, config) => {
    expect(LIMIT_MODES).toContain(config.vars.LIMITS_MODE);
  });

  it('gives every binding of every environment a namespace of its own (shared namespaces share counters)', () => {
    const ids = envs.flatMap(([, config]) => config.ratelimits.map((r) => r.namespace_id));
    expect(ids).toHaveLength(3 * expected.length);
    for (const id of ids) expect(id).toMatch(/^[1-9]\d*$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
