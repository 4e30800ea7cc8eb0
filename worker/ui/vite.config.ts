/**
 * The admin console's build: worker/ui → worker/ui/dist, which wrangler serves as the worker's static
 * assets (wrangler.toml [assets]). Run through build.ts, which skips it when nothing changed.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
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
