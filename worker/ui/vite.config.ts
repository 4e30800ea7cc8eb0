/**
 * The admin console's build: worker/ui → worker/ui/dist, which wrangler serves as the worker's static
 * assets (wrangler.toml [assets]). Run through build.ts, which skips it when nothing changed.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { ME_PATH } from './src/api.ts';
import { INITIAL_VIEW, usagePath } from './src/usage-data.ts';

const EARLY_MARK = '<!-- usage-lens:early-requests -->';

/**
 * An inline script in index.html asks for the session, who is signed in (/api/admin/me) and the
 * Usage tab's first answer, all at once, while the browser is still fetching and running the
 * bundle; main.tsx adopts them (api.ts adoptEarly, auth-client.ts adoptEarlySession). The usage
 * request does not wait for /api/admin/me: chained, it cost the first render about 550 ms at
 * 10,000 users (bench/console.ts: 1,411 ms against 852 ms). So a non-admin's page gets one refused
 * (403) usage answer, which nothing reads: the console decides from /api/admin/me. The script
 * replaces a mark placed before the stylesheet Vite adds: a script after a stylesheet waits for
 * it. The paths come from the console's own constants, so the two cannot differ.
 */
function earlyRequests(): Plugin {
  const path = JSON.stringify(usagePath(INITIAL_VIEW));
  const script =
    `(function () {` +
    `if (location.hash !== '' && location.hash !== '#usage') return;` +
    `var json = { credentials: 'same-origin', headers: { accept: 'application/json' } };` +
    `var session = fetch('/api/auth/get-session', { credentials: 'same-origin' });` +
    `var me = fetch(${JSON.stringify(ME_PATH)}, json);` +
    `var response = fetch(${path}, json);` +
    `response.catch(function () {});` +
    `session.catch(function () {});` +
    `me.catch(function () {});` +
    `window.__usageLensEarly = { path: ${path}, response: response, session: session, me: me, at: Date.now() };` +
    `})();`;
  return {
    name: 'usage-lens-early-requests',
    transformIndexHtml(html) {
      if (!html.includes(EARLY_MARK)) throw new Error(`index.html lacks ${EARLY_MARK}`);
      return html.replace(EARLY_MARK, `<script>${script}</script>`);
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), earlyRequests()],
  resolve: {
    // The repository root holds React 18 (the Grafana plugin's); the console and the libraries it
    // bundles must all use the worker's React 19, exactly one copy of it.
    dedupe: ['react', 'react-dom'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
});
