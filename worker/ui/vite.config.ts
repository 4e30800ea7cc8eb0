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
 * An inline script in index.html asks for the session, who is signed in (/api/admin/me) and, once
 * that says an admin, the Usage tab's first answer, while the browser is still fetching and running
 * the bundle; main.tsx adopts them (api.ts adoptEarly, auth-client.ts adoptEarlySession). Nobody
 * else's page makes an admin call it would be refused. The script replaces a mark placed before
 * the stylesheet Vite adds: a script after a stylesheet waits for it. The paths come from the
 * console's own constants, so the two cannot differ.
 */
function earlyRequests(): Plugin {
  const path = JSON.stringify(usagePath(INITIAL_VIEW));
  const script =
    `(function () {` +
    `if (location.hash !== '' && location.hash !== '#usage') return;` +
    `var json = { credentials: 'same-origin', headers: { accept: 'application/json' } };` +
    `var session = fetch('/api/auth/get-session', { credentials: 'same-origin' });` +
    `var me = fetch(${JSON.stringify(ME_PATH)}, json);` +
    `var response = me.then(function (r) { return r.clone().json(); }).then(function (m) {` +
    `if (m && m.isAdmin === true) return fetch(${path}, json);` +
    `throw new Error('not an admin');` +
    `});` +
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
