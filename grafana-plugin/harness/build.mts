/** Bundles the editor harness page for the Chromium tests (esbuild; React and @grafana/ui inside). */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const out = path.join(here, 'dist');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, 'harness.tsx')],
  outfile: path.join(out, 'harness.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.css': 'empty', '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.png': 'empty' },
  logLevel: 'warning',
  minify: true,
});
copyFileSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
console.log(`harness built in ${out}`);
