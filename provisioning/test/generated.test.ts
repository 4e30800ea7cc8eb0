/**
 * Dashboards and alerting files are generated from TypeScript; the committed files must be exactly
 * what the generator writes now.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputs, ROOT } from '../src/generate.ts';
import { QUERY_TYPES } from '@usage-lens/contract';
import { DATASOURCES, PLUGIN_ID } from '../src/config.ts';

describe('generated provisioning', () => {
  it.each(Object.entries(outputs()))('%s is up to date (npm run generate -w provisioning)', (file, content) => {
    expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(content);
  });

  it('every panel queries the Usage Lens data source by its provisioned UID', () => {
    for (const file of ['dashboards/usage-overview.json', 'dashboards/user-detail.json', 'dashboards/limits.json']) {
      const dashboard = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as { panels: { datasource: unknown; targets: { datasource: unknown; queryType: string }[] }[] };
      expect(dashboard.panels.length).toBeGreaterThan(3);
      for (const panel of dashboard.panels) {
        expect(panel.datasource).toEqual(DATASOURCES.worker);
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const target of panel.targets) {
          expect(target.datasource).toEqual({ type: PLUGIN_ID, uid: DATASOURCES.worker.uid });
          expect(QUERY_TYPES.map((t) => t.value)).toContain(target.queryType);
        }
      }
    }
  });

  it('the overview has the seed\'s per-user table with names and without the id column', () => {
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'dashboards/usage-overview.json'), 'utf8')) as {
      panels: { title: string; type: string; targets: { queryType: string }[]; fieldConfig: { overrides: { matcher: { options: string }; properties: { id: string; value: unknown }[] }[] } }[];
      timepicker: { quick_ranges: { from: string }[] };
    };
    const table = dashboard.panels.find((p) => p.title === 'Usage by user')!;
    expect(table.type).toBe('table');
    expect(table.targets[0].queryType).toBe('users');
    // Hidden, not removed: the User cell's link to User detail reads the id from the same row.
    expect(table.fieldConfig.overrides.find((o) => o.matcher.options === 'User ID')!.properties).toEqual([{ id: 'custom.hidden', value: true }]);
    expect(dashboard.timepicker.quick_ranges.map((r) => r.from)).toEqual(['now-24h', 'now-7d', 'now-30d']);
    expect(dashboard.panels.map((p) => p.title)).toEqual([
      'Total events',
      'Active users',
      'AE writes per day (free tier 100k)',
      'Projected monthly AE cost',
      'Usage by user',
      'Events over time by type',
      'Top users over time',
      'Usage by org',
      'Error rate by user (status ≥ 400)',
    ]);
  });
});
