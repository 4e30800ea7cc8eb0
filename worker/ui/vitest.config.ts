// The console's logic as plain functions in Node: formatting, requests, the pivot. The components
// and hooks run in real Chromium against the real stack (vitest.e2e.config.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
