/**
 * Runs Grafana's plugin validator (plugincheck2, the catalog's own check) on the built plugin with
 * its source, as its README says, prints its summary and fails on any error:
 *
 *   npm run build --workspace grafana-plugin && node grafana-plugin/scripts/validate.mts
 *
 * The validator is found in PLUGIN_VALIDATOR_DIR, else in shared/tools/plugin-validator beside
 * the repository (or a folder above it). The source is the plugin folder as git sees it (tracked
 * and new files, ignored ones left out), so uncommitted edits are checked too.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const plugin = path.resolve(import.meta.dirname, '..');
const { id } = JSON.parse(readFileSync(path.join(plugin, 'src', 'plugin.json'), 'utf8')) as { id: string };

function validatorDir(): string {
  if (process.env.PLUGIN_VALIDATOR_DIR) return process.env.PLUGIN_VALIDATOR_DIR;
  for (let dir = path.dirname(plugin); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'tools', 'plugin-validator');
    if (existsSync(path.join(candidate, 'plugincheck2'))) return candidate;
  }
  throw new Error('plugin validator not found: set PLUGIN_VALIDATOR_DIR to the folder holding plugincheck2');
}

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return r;
}

const dist = path.join(plugin, 'dist');
for (const file of ['plugin.json', 'module.js', 'go_plugin_build_manifest']) {
  if (!existsSync(path.join(dist, file))) throw new Error(`dist/${file} is missing: build the plugin first (npm run build)`);
}

const work = mkdtempSync(path.join(tmpdir(), 'plugin-validator-'));
try {
  // The archive: one folder named after the plugin id, holding dist/.
  cpSync(dist, path.join(work, 'archive', id), { recursive: true });
  const zip = run('zip', ['-qr', path.join(work, 'plugin.zip'), id], path.join(work, 'archive'));
  if (zip.status !== 0) throw new Error(`zip: ${zip.stderr}`);

  // The source, as a reviewer gets it.
  const source = path.join(work, 'source');
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '.'], plugin);
  if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(plugin, file))) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
    cpSync(path.join(plugin, file), path.join(source, file));
  }

  const validator = validatorDir();
  const r = run(path.join(validator, 'plugincheck2'), ['-config', path.join(validator, 'offline.yaml'), '-sourceCodeUri', `file://${source}`, path.join(work, 'plugin.zip')], work);
  let report: { 'plugin-validator': Record<string, Array<{ Severity: string; Title: string; Detail: string; Name: string }>> };
  try {
    report = JSON.parse(r.stdout);
  } catch {
    console.error(r.stdout, r.stderr);
    throw new Error(`the validator gave no report (exit ${r.status})`);
  }
  const counts: Record<string, number> = {};
  const lines: string[] = [];
  for (const [analyzer, findings] of Object.entries(report['plugin-validator'])) {
    for (const f of findings) {
      counts[f.Severity] = (counts[f.Severity] ?? 0) + 1;
      if (f.Severity !== 'ok') lines.push(`  ${f.Severity.padEnd(14)} ${analyzer}/${f.Name}: ${f.Title}${f.Severity === 'error' ? ` (${f.Detail})` : ''}`);
    }
  }
  console.log(`plugin validator on ${id}:`);
  for (const line of lines.sort()) console.log(line);
  console.log(`${counts.error ?? 0} errors, ${counts.warning ?? 0} warnings, ${counts.recommendation ?? 0} recommendations, ${counts.ok ?? 0} ok`);
  process.exit((counts.error ?? 0) > 0 ? 1 : 0);
} finally {
  rmSync(work, { recursive: true, force: true });
}
