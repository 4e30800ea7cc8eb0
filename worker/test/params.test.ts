/**
 * Usage API parameters: every invalid input is a 400 whose JSON names the parameter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseUsageParams } from '../src/usage/params.ts';
import { call, signUpAdmin, type Caller } from './helpers.ts';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const parse = (q: string) => parseUsageParams(new URLSearchParams(q), NOW);

describe('parseUsageParams', () => {
  it('defaults to the last 24 hours', () => {
    expect(parse('')).toEqual({
      from: NOW - 86_400_000,
      to: NOW,
      period: '24h',
      interval: null,
      users: [],
      orgs: [],
      events: [],
      group: [],
    });
  });

  it.each([
    ['7d', 7],
    ['30d', 30],
  ])('period=%s spans %i days', (period, days) => {
    const p = parse(`period=${period}`);
    expect(p.to - p.from).toBe(days * 86_400_000);
  });

  it('accepts ISO dates and epoch ms for from/to, and durations for interval', () => {
    const p = parse(`from=2026-11-20T00:00:00Z&to=${Date.UTC(2026, 10, 28)}&interval=15m`);
    expect(p.from).toBe(Date.UTC(2026, 10, 20));
    expect(p.to).toBe(Date.UTC(2026, 10, 28));
    expect(p.period).toBeNull();
    expect(p.interval).toBe(900);
    expect(parse('interval=3600').interval).toBe(3600);
    expect(parse('period=30d&interval=1d').interval).toBe(86_400);
  });

  it('keeps user and org values whole (ids may hold commas) and splits event and group lists', () => {
    const p = parse('user=a,b&user=c&org=x&event=sync,auth&event=chat&group=status,user');
    expect(p.users).toEqual(['a,b', 'c']);
    expect(p.orgs).toEqual(['x']);
    expect(p.events).toEqual(['sync', 'auth', 'chat']);
    expect(p.group).toEqual(['user', 'status']);
  });

  it.each([
    ['period=1y', 'period'],
    ['period=toString', 'period'],
    ['period=__proto__', 'period'],
    ['period=24h&from=2026-11-01', 'period'],
    ['period=24h&period=7d', 'period'],
    ['from=yesterday', 'from'],
    ['to=-5', 'to'],
    ['to=May%205', 'to'],
    ['from=2026-02-30', 'from'],
    ['from=2026-11-28T10:00:00', 'from'],
    ['from=2026-11-28T13:00:00Z&to=2026-11-28T12:00:00Z', 'from'],
    ['from=2026-01-01T00:00:00Z', 'from'],
    ['interval=soon', 'interval'],
    ['interval=30', 'interval'],
    ['period=30d&interval=60', 'interval'],
    ['event=login', 'event'],
    ['group=country', 'group'],
    ['user=' + 'u'.repeat(97), 'user'],
    ['org=' + 'o'.repeat(257), 'org'],
    [Array.from({ length: 101 }, (_, i) => `user=u${i}`).join('&'), 'user'],
    ['limit=10', 'limit'],
  ])('%s is refused naming %s', (query, field) => {
    expect(() => parse(query)).toThrowError(expect.objectContaining({ status: 400, field }));
  });
});

describe('over HTTP', () => {
  let admin: Caller;
  beforeAll(async () => {
    admin = await signUpAdmin();
  });

  it('period=1y is a 400 naming period', async () => {
    const res = await call('/api/admin/usage?period=1y', { token: admin.token });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ field: 'period', error: 'period: must be one of 24h, 7d, 30d' });
  });

  it('an unknown event is a 400 naming event', async () => {
    const res = await call('/api/admin/usage?event=sync,drop%20table', { token: admin.token });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'event' });
  });
});
