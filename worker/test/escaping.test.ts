/**
 * The SQL API has no bind parameters, so filter values are escaped into SQL. Hostile values must
 * match exactly themselves: never widen a query, never break it, never reach another table.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../src/usage/sql.ts';
import { call, signUpAdmin, uniqueId, writePoints, type Caller } from './helpers.ts';
import type { UsageReport } from '../src/usage/query-usage.ts';

export const HOSTILE = [
  "' OR 1=1 --",
  "x') OR ('1'='1",
  "\\' OR 1=1 --",
  "\\",
  "'; DROP TABLE usage_analytics; --",
  "' UNION SELECT * FROM system.tables --",
  'robert"); SELECT file(\'/etc/passwd\') --',
  'a\nb\tc\rd\u0000e',
  '\u202e\u0007bell',
  "🙂'",
  '%27%20OR%201%3D1',
  '/* */ OR 1=1',
  "' || (SELECT count() FROM usage_analytics) || '",
];

describe('quote', () => {
  it('escapes quotes, backslashes and control characters', () => {
    expect(quote("it's")).toBe("'it\\'s'");
    expect(quote('a\\b')).toBe("'a\\\\b'");
    expect(quote('a\nb\u0000')).toBe("'a\\x0ab\\x00'");
    expect(quote('plain')).toBe("'plain'");
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
