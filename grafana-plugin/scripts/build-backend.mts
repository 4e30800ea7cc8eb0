/**
 * Builds the Go backend for Grafana's linux amd64 and arm64 images into dist/, as the SDK's mage
 * build does (static, stripped, build info stamped in, then dist/go_plugin_build_manifest),
 * without needing mage.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pluginJson = JSON.parse(readFileSync(path.join(root, 'src', 'plugin.json'), 'utf8')) as { id: string; executable: string };
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const buildInfo = JSON.stringify({ time: Date.now(), pluginID: pluginJson.id, version });
const ldflags = `-w -s -extldflags "-static" -X 'github.com/grafana/grafana-plugin-sdk-go/build/buildinfo.buildInfoJSON=${buildInfo}'`;
const arches = (process.env.PLUGIN_ARCHES ?? 'amd64,arm64').split(',');

for (const arch of arches) {
  const out = path.join('dist', `${pluginJson.executable}_linux_${arch}`);
  const started = Date.now();
  const result = spawnSync('go', ['build', '-o', out, '-tags', 'arrow_json_stdlib', '-ldflags', ldflags, './pkg'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, GOOS: 'linux', GOARCH: arch, CGO_ENABLED: '0' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`built ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// The SDK's build writes the manifest of the Go sources after the binaries; ours uses the SDK's function.
const manifest = spawnSync('go', ['run', './scripts/gomanifest'], { cwd: root, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0' } });
if (manifest.status !== 0) process.exit(manifest.status ?? 1);
