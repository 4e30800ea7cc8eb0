import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // libchdb holds one data directory per process: each test file gets its own process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
