/**
 * The admin console's build: worker/ui → worker/ui/dist, which wrangler serves as the worker's static
 * assets (wrangler.toml [assets]). Run through build.ts, which skips it when nothing changed.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { INITIAL_VIEW, usagePath } from './src/usage-data.ts';

/**
 * An inline script at the top of index.html asks for the Usage tab's first answer while the
 * browser is still fetching and running the bundle; main.tsx adopts the request (api.ts
 * adoptEarly). The path comes from the same function the console uses, so the two cannot differ.
 */
function earlyUsageRequest(): Plugin {
  const path = JSON.stringify(usagePath(INITIAL_VIEW));
  return {
    name: 'usage-lens-early-usage-request',
    transformIndexHtml: () => [
      {
        tag: 'script',
        injectTo: 'head',
        children:
          `(function () {` +
          `if (location.hash !== '' && location.hash !== '#usage') return;` +
          `var response = fetch(${path}, { credentials: 'same-origin', headers: { accept: 'application/json' } });` +
          `response.catch(function () {});` +
          `window.__usageLensEarly = { path: ${path}, response: response, at: Date.now() };` +
          `})();`,
      },
    ],
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), earlyUsageRequest()],
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
