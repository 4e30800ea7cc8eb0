/**
 * The simulator writes realistic traffic through the write path: the event mix, the daily rhythm,
 * errors, sampling, and repeatable runs.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { USAGE_EVENTS } from '@usage-lens/contract';
import { backfill, EVENT_MIX, random, rhythm, syntheticUsers, type SimulatorOptions } from '../src/simulator.ts';
import { json, TOKEN, useLocalAe } from './helpers.ts';

const DATASETS = ['usage_analytics', 'sim_mix', 'sim_plain', 'sim_sampled', 'sim_a', 'sim_b'];
const { ae } = useLocalAe({ datasets: DATASETS });
// A Saturday 12:30 UTC, moved on by whole weeks to the latest one before now: the same weekdays and
// hours every run (so the same traffic for a seed), always inside AE's 92-day retention.
const WEEK = 7 * 86_400_000;
const SATURDAY = Date.UTC(2026, 10, 28, 12, 30);
const NOW = SATURDAY + Math.floor((Date.now() - SATURDAY) / WEEK) * WEEK;

const options = (overrides: Partial<SimulatorOptions>): SimulatorOptions => ({
  aeUrl: ae().url,
  token: TOKEN,
  dataset: 'usage_analytics',
  users: 30,
  orgs: 3,
  days: 14,
  rate: 60,
  sampleInterval: 1,
  seed: 7,
  batchSize: 5_000,
  now: NOW,
  progress: false,
  ...overrides,
});

describe('simulated traffic', () => {
  it('has the event mix, the daily rhythm, orgs and some errors', async () => {
    const users = syntheticUsers(30, 3, random(1));
    const { rows } = await backfill(users, options({ dataset: 'sim_mix' }));
    expect(rows).toBeGreaterThan(30 * 14 * 60 * 0.7);
    expect(rows).toBeLessThan(30 * 14 * 60 * 1.3);

    const mix = await json<{ event: string; n: string }>(ae().url, 'SELECT blob1 AS event, SUM(_sample_interval) AS n FROM sim_mix GROUP BY event');
    expect(mix.data.map((r) => r.event).sort()).toEqual([...USAGE_EVENTS].sort());
    for (const { event, n } of mix.data) {
      expect(Number(n) / rows).toBeCloseTo(EVENT_MIX[event as keyof typeof EVENT_MIX], 1);
    }

    const hours = await json<{ night: string; afternoon: string }>(
      ae().url,
      `SELECT sumIf(_sample_interval, toHour(timestamp) < 5) AS night, sumIf(_sample_interval, toHour(timestamp) >= 13 AND toHour(timestamp) < 18) AS afternoon FROM sim_mix`,
    );
    expect(Number(hours.data[0].afternoon)).toBeGreaterThan(3 * Number(hours.data[0].night));

    const shape = await json<{ orgs: string; errors: string; users: string; newest: string; oldest: string }>(
      ae().url,
      `SELECT count(DISTINCT blob2) AS orgs, sumIf(_sample_interval, double1 >= 400) AS errors, count(DISTINCT index1) AS users,
              max(timestamp) AS newest, min(timestamp) AS oldest FROM sim_mix`,
    );
    const s = shape.data[0];
    expect(Number(s.orgs)).toBe(3);
    expect(Number(s.users)).toBe(30);
    expect(Number(s.errors) / rows).toBeGreaterThan(0.01);
    expect(Number(s.errors) / rows).toBeLessThan(0.06);
    expect(Date.parse(`${s.newest}Z`)).toBeLessThanOrEqual(NOW);
    expect(Date.parse(`${s.oldest}Z`)).toBeGreaterThanOrEqual(NOW - 15 * 86_400_000);
  });

  it('writes sampled rows that stand for sample-interval events each', async () => {
    const users = syntheticUsers(30, 3, random(1));
    const plain = await backfill(users, options({ dataset: 'sim_plain', days: 7 }));
    const sampled = await backfill(users, options({ dataset: 'sim_sampled', days: 7, sampleInterval: 10 }));
    expect(sampled.rows).toBeLessThan(plain.rows / 5);
    const r = await json<{ rows: string; events: string; intervals: string[] }>(
      ae().url,
      'SELECT count() AS rows, SUM(_sample_interval) AS events, topK(5)(_sample_interval) AS intervals FROM sim_sampled',
    );
    expect(r.data[0].intervals).toEqual([10]);
    expect(Number(r.data[0].events)).toBe(sampled.rows * 10);
    // Sampling keeps the estimate close to the real volume.
    expect(Math.abs(Number(r.data[0].events) - plain.rows) / plain.rows).toBeLessThan(0.15);
  });

  it('is repeatable with a seed', async () => {
    const users = syntheticUsers(5, 1, random(3));
    const a = await backfill(users, options({ dataset: 'sim_a', days: 2, seed: 11 }));
    const b = await backfill(users, options({ dataset: 'sim_b', days: 2, seed: 11 }));
    expect(a.rows).toBe(b.rows);
    const q = (d: string) => json(ae().url, `SELECT index1, blob1, double1, timestamp FROM ${d} ORDER BY timestamp, index1, blob1, double1`);
    expect((await q('sim_b')).data).toEqual((await q('sim_a')).data);
  });

  it('follows a daily rhythm: busy afternoons, quiet nights and weekends', () => {
    const weekday = Date.UTC(2026, 10, 25);
    expect(rhythm(weekday + 15 * 3_600_000)).toBeGreaterThan(4 * rhythm(weekday + 2 * 3_600_000));
    expect(rhythm(Date.UTC(2026, 10, 29, 15))).toBeLessThan(rhythm(weekday + 15 * 3_600_000));
  });

  it('refuses bad options with a clear message', () => {
    const cli = path.join(import.meta.dirname, '..', 'src', 'cli.ts');
    const run = (...args: string[]) => {
      try {
        execFileSync(process.execPath, [cli, 'simulate', ...args], { stdio: 'pipe' });
        return '';
      } catch (error) {
        return String((error as { stderr: Buffer }).stderr);
      }
    };
    expect(run('--days', '31', '--url', 'http://127.0.0.1:9')).toContain('--days must be a whole number from 0 to 30');
    expect(run('--sample-interval', '0', '--url', 'http://127.0.0.1:9')).toContain('--sample-interval');
  });
});
