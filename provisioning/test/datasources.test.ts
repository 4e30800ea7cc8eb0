/**
 * Provisioned data sources: the plugin in worker mode (default) and sql mode, with every secret
 * read from outside the committed file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DATASOURCES, PLUGIN_ID } from '../src/config.ts';

const root = path.resolve(import.meta.dirname, '..');
const file = parse(readFileSync(path.join(root, 'datasources', 'usage-lens.yaml'), 'utf8')) as {
  datasources: { uid: string; type: string; isDefault?: boolean; jsonData: Record<string, unknown>; secureJsonData: Record<string, string> }[];
};
const pluginJson = JSON.parse(readFileSync(path.join(root, '..', 'grafana-plugin', 'src', 'plugin.json'), 'utf8')) as { id: string };

describe('provisioned data sources', () => {
  it('are the plugin in worker mode (default) and sql mode, with the UIDs dashboards use', () => {
    expect(pluginJson.id).toBe(PLUGIN_ID);
    const byUid = Object.fromEntries(file.datasources.map((d) => [d.uid, d]));
    expect(byUid[DATASOURCES.worker.uid]).toMatchObject({ type: PLUGIN_ID, isDefault: true, jsonData: { mode: 'worker' } });
    expect(byUid[DATASOURCES.sql.uid]).toMatchObject({ type: PLUGIN_ID, jsonData: { mode: 'sql' } });
  });

  it('hold no secret: secure values are $__file{} or $__env{} references only', () => {
    for (const ds of file.datasources) {
      expect(Object.keys(ds.secureJsonData).length).toBeGreaterThan(0);
      for (const value of Object.values(ds.secureJsonData)) expect(value).toMatch(/^\$__(file|env)\{[^}]+\}$/);
    }
  });

  it('take URLs and ids from the environment', () => {
    const text = readFileSync(path.join(root, 'datasources', 'usage-lens.yaml'), 'utf8');
    expect(text).toMatch(/workerUrl: \$\{USAGE_LENS_WORKER_URL\}/);
    expect(text).toMatch(/accountId: \$\{CF_ACCOUNT_ID\}/);
  });
});
