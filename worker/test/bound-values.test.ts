/**
 * Filter values reach Analytics Engine as bound parameters of the Analytics SQL binding, never as
 * SQL text. Hostile values must match exactly themselves: never widen a query, never break it,
 * never reach another table.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { orgsRead, seriesRead, totalsRead, usersRead } from '../src/usage/read-sql.ts';
import { call, signUpAdmin, uniqueId, writePoints, type Caller } from './helpers.ts';
import type { UsageReport } from '../src/usage/query-usage.ts';

export const HOSTILE = [
  "' OR 1=1 --",
  "x') OR ('1'='1",
  "\\' OR 1=1 --",
  '\\',
  "''",
  "\\''",
  "'; DROP TABLE usage_analytics; --",
  "' UNION SELECT * FROM system.tables --",
  'robert"); SELECT file(\'/etc/passwd\') --',
  'a\nb\tc\rd\u0000e',
  '\u202e\u0007bell',
  "🙂'",
  '%27%20OR%201%3D1',
  '/* */ OR 1=1',
  "' || (SELECT count() FROM usage_analytics) || '",
  '$p0',
  '$1 OR 1=1',
];

describe('the SQL of every read', () => {
  const window = (users: string[], orgs: string[]) => ({ from: 0, to: 3_600_000, users, orgs, events: [] });

  const reads = (value: string) => [
    totalsRead('usage_analytics', window([value], [value])),
    orgsRead('usage_analytics', window([value], [value]), 10),
    usersRead('usage_analytics', window([value], [value]), {
      order: { column: 'events', direction: 'desc' },
      limit: 10,
      offset: 0,
      minEvents: 0,
      only: [value],
    }),
    seriesRead('usage_analytics', window([value], [value]), 600, 'user', [value]),
  ];

  it.each(HOSTILE)('carries %j as a parameter: the SQL text is the same whatever the value', (value) => {
    const plain = reads('plain');
    reads(value).forEach((read, i) => {
      expect(read.query).toBe(plain[i].query);
      expect(Object.values(read.params)).toContain(value);
    });
  });
});

describe('hostile filter values through /api/admin/usage', () => {
  let admin: Caller;
  const innocent = uniqueId('innocent');
  beforeAll(async () => {
    admin = await signUpAdmin();
    // A hostile id is also written as data, so an exact match has something to find.
    await writePoints([{ user: innocent, event: 'auth' }, ...HOSTILE.map((user) => ({ user, event: 'sync', org: user }))]);
  });

  it.each(HOSTILE)('user=%j matches exactly that user', async (value) => {
    const res = await call(`/api/admin/usage?user=${encodeURIComponent(value)}`, { token: admin.token });
    expect(res.status, await res.clone().text()).toBe(200);
    const report = (await res.json()) as UsageReport;
    expect(report.users.map((u) => u.id)).toEqual([value]);
    expect(report.totals.events).toBeGreaterThanOrEqual(1);
  });

  it.each(HOSTILE)('org=%j matches exactly that org', async (value) => {
    const res = await call(`/api/admin/usage?org=${encodeURIComponent(value)}&group=org`, { token: admin.token });
    expect(res.status).toBe(200);
    const report = (await res.json()) as UsageReport;
    expect(report.groups!.map((g) => g.key.org)).toEqual([value]);
  });

  it('a hostile value that matches nothing returns nothing, not everything', async () => {
    const res = await call(`/api/admin/usage?user=${encodeURIComponent(`${innocent}' OR '1'='1`)}`, { token: admin.token });
    expect(((await res.json()) as UsageReport).users).toEqual([]);
  });
});
