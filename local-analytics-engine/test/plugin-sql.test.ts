/**
 * Only documented SQL leaves the Grafana plugin either: every statement shape its sql mode can send
 * (the plugin's own golden list, which its Go tests keep complete and up to date) passes this
 * package's checker of AE's documented SQL reference.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAeSql } from '../src/dialect.ts';

const file = new URL('../../grafana-plugin/pkg/usage/testdata/sql-shapes.json', import.meta.url);
const { shapes } = JSON.parse(readFileSync(file, 'utf8')) as { shapes: { name: string; sql: string }[] };

describe("the plugin's SQL shapes", () => {
  it('are many: every read, filter, sort, split, the health check, variables and macros', () => {
    expect(shapes.length).toBeGreaterThan(40);
  });

  it.each(shapes.map((s) => [s.name, s.sql]))('%s is documented AE SQL', (_name, sql) => {
    expect(checkAeSql(sql)).toEqual({ ok: true });
  });
});
