// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const path = require('path');
const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    // Some of Grafana's ESM-only dependencies ship .mjs, which the scaffold's transform misses.
    '^.+\\.mjs$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: {
    ...base.moduleNameMapper,
    // The event schema lives once, in the worker; the editors import it from there.
    '^@usage-lens/worker/schema$': path.resolve(__dirname, '../worker/src/analytics/schema.ts'),
  },
};
