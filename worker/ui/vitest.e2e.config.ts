// The admin console in Debian's Chromium (playwright-core) against the real stack: wrangler dev
// serving the built console and the worker, the local Analytics Engine behind it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ['e2e/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
