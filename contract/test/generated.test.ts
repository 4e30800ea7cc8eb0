/**
 * The generated homes of the contract (the plugin's Go backend and editors) match what the
 * generator writes from contract/src, so a change to the contract cannot leave them behind.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputs, ROOT } from '../scripts/generate.ts';

describe('generated files', () => {
  it.each(Object.entries(outputs()))('%s is up to date (npm run generate -w contract)', (file, content) => {
    expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(content);
  });
});
