import { describe, expect, it } from 'vitest';
import { USAGE_EVENTS } from '@usage-lens/contract';
import type { PricedUserUsage, SeriesBucket, UserUsage } from '../src/types.ts';
import { formatCount } from '../src/format.ts';
import { INITIAL_VIEW, pageRange, pivotSeries, seriesPath, sortBy, toRows, usagePath } from '../src/usage-data.ts';

const events = (sync = 0, sync_auth = 0, auth = 0, chat = 0, ingest = 0) => ({ sync, sync_auth, auth, chat, ingest });

describe('the usage request of a view', () => {
  it('asks for the period, sort, order and page, and the trimmed search when there is one', () => {
    const url = new URL(usagePath({ period: '7d', sort: 'chat', order: 'asc', q: '  ada ', offset: 200 }), 'http://x');
    expect(url.pathname).toBe('/api/admin/usage');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      period: '7d',
      sort: 'chat',
      order: 'asc',
      limit: '100',
      offset: '200',
      q: 'ada',
    });
  });

  it('sends no q for a blank search', () => {
    expect(new URL(usagePath({ ...INITIAL_VIEW, q: '   ' }), 'http://x').searchParams.has('q')).toBe(false);
  });

  it('escapes what it sends', () => {
    const url = new URL(usagePath({ ...INITIAL_VIEW, q: 'a&b=c #1' }), 'http://x');
    expect(url.searchParams.get('q')).toBe('a&b=c #1');
    expect(url.searchParams.get('sort')).toBe('total');
  });

  it('asks one user’s series at a width that gives 24 to 30 points per period', () => {
    const day = new URL(seriesPath('24h', 'usr 1'), 'http://x');
    expect(day.pathname).toBe('/api/admin/usage/series');
    expect(Object.fromEntries(day.searchParams)).toEqual({ period: '24h', interval: '3600', user: 'usr 1' });
    expect(new URL(seriesPath('7d', 'u'), 'http://x').searchParams.get('interval')).toBe(String(6 * 3600));
    expect(new URL(seriesPath('30d', 'u'), 'http://x').searchParams.get('interval')).toBe('86400');
  });
});

describe('sorting by a column', () => {
  it('starts counts busiest first and names alphabetically', () => {
    expect(sortBy(INITIAL_VIEW, 'errors')).toMatchObject({ sort: 'errors', order: 'desc' });
    expect(sortBy(INITIAL_VIEW, 'name')).toMatchObject({ sort: 'name', order: 'asc' });
  });

  it('flips the order on a second click of the same column', () => {
    const once = sortBy(INITIAL_VIEW, 'sync');
    expect(sortBy(once, 'sync')).toMatchObject({ sort: 'sync', order: 'asc' });
    expect(sortBy(sortBy(once, 'sync'), 'sync')).toMatchObject({ sort: 'sync', order: 'desc' });
    expect(sortBy(INITIAL_VIEW, 'total')).toMatchObject({ sort: 'total', order: 'asc' });
  });

  it('goes back to the first page, whose order changed', () => {
    expect(sortBy({ ...INITIAL_VIEW, offset: 300 }, 'chat').offset).toBe(0);
  });
});

describe('rows of the per-user table', () => {
  const usage = (id: string, name: string | null, email: string | null, total: number): PricedUserUsage => ({
    id,
    name,
    email,
    total,
    errors: 1,
    overLimit: 0,
    events: events(total, 0, 0, 0, 0),
    cost: { share: 0.25, monthlyWrites: 1_000, monthlyUsd: 0.5 },
  });

  it('keep the worker’s order, counts and names', () => {
    const rows = toRows([usage('u2', 'Grace', 'grace@example.com', 9), usage('u1', 'Ada', 'ada@example.com', 3)]);
    expect(rows.map((r) => [r.id, r.label, r.detail, r.total, r.errors, r.events.sync])).toEqual([
      ['u2', 'Grace', 'grace@example.com', 9, 1, 9],
      ['u1', 'Ada', 'ada@example.com', 3, 1, 3],
    ]);
    expect(rows.every((r) => r.known)).toBe(true);
  });

  it('carry the over-limit count and the monthly cost, or null cost when the answer has none (filters)', () => {
    const [over] = toRows([{ ...usage('u1', 'Ada', 'a@x', 30), overLimit: 7 }]);
    expect(over).toMatchObject({ overLimit: 7, monthlyUsd: 0.5, share: 0.25 });
    const [filtered] = toRows([{ ...usage('u1', 'Ada', 'a@x', 30), cost: null }]);
    expect(filtered).toMatchObject({ monthlyUsd: null, share: null });
  });

  it('show the id of a user nobody knows, and say so', () => {
    const [row] = toRows([usage('sim_user_007', null, null, 3)]);
    expect(row).toMatchObject({ label: 'sim_user_007', detail: 'not in the user table', known: false });
  });

  it('have every event column, zero when the answer lacks one', () => {
    const partial = { ...usage('u1', 'A', 'a@x', 2), events: { sync: 2 } as UserUsage['events'] };
    expect(toRows([partial])[0].events).toEqual(events(2, 0, 0, 0, 0));
  });
});

describe('the page range', () => {
  it('counts from one, with the total when known', () => {
    expect(pageRange({ offset: 0, total: 10_000 }, 100, formatCount)).toBe('1–100 of 10,000');
    expect(pageRange({ offset: 9_900, total: 10_000 }, 100, formatCount)).toBe('9,901–10,000 of 10,000');
    expect(pageRange({ offset: 100, total: null }, 37, formatCount)).toBe('101–137');
  });

  it('says when there is nothing to show', () => {
    expect(pageRange({ offset: 0, total: 0 }, 0, formatCount)).toBe('0 of 0');
    expect(pageRange({ offset: 0, total: null }, 0, formatCount)).toBe('No users');
  });
});

describe('pivotSeries', () => {
  const hour = 3600;
  const at = (h: number) => new Date(Date.UTC(2026, 10, 28, h)).toISOString();
  const window = { from: '2026-11-28T00:30:00.000Z', to: '2026-11-28T04:30:00.000Z' };
  const cell = (h: number, event: string, total: number, status = 200, split = ''): SeriesBucket => ({
    time: at(h),
    event,
    status,
    split,
    overLimit: 0,
    total,
  });

  it('puts every bucket of the window on the axis, from the one holding `from`, zero-filled', () => {
    const s = pivotSeries([], window, hour);
    expect(s.times).toEqual([0, 1, 2, 3, 4].map((h) => Date.UTC(2026, 10, 28, h) / 1000));
    for (const e of USAGE_EVENTS) expect(s.byEvent[e]).toEqual([0, 0, 0, 0, 0]);
    expect(s.totals).toEqual(events());
  });

  it('sums cells of one bucket and event over statuses and splits', () => {
    const s = pivotSeries(
      [cell(1, 'sync', 5, 101), cell(1, 'sync', 2, 426), cell(1, 'sync', 1, 101, 'usr_1'), cell(1, 'auth', 4)],
      window,
      hour,
    );
    expect(s.byEvent.sync).toEqual([0, 8, 0, 0, 0]);
    expect(s.byEvent.auth).toEqual([0, 4, 0, 0, 0]);
    expect(s.totals).toEqual(events(8, 0, 4, 0, 0));
  });

  it('keeps each event on its own line and each bucket in its own place, whatever the cell order', () => {
    const cells = [cell(4, 'ingest', 3), cell(0, 'chat', 1), cell(2, 'sync_auth', 6), cell(0, 'ingest', 2)];
    const forward = pivotSeries(cells, window, hour);
    const backward = pivotSeries([...cells].reverse(), window, hour);
    expect(backward).toEqual(forward);
    expect(forward.byEvent.ingest).toEqual([2, 0, 0, 0, 3]);
    expect(forward.byEvent.chat).toEqual([1, 0, 0, 0, 0]);
    expect(forward.byEvent.sync_auth).toEqual([0, 0, 6, 0, 0]);
  });

  it('counts a cell off the grid at its own time rather than dropping it', () => {
    const odd = { time: '2026-11-28T02:15:00.000Z', event: 'chat', status: 101, split: '', total: 7, overLimit: 0 };
    const s = pivotSeries([odd], window, hour);
    expect(s.times).toContain(Date.parse(odd.time) / 1000);
    expect(s.totals.chat).toBe(7);
    expect(s.times).toEqual([...s.times].sort((a, b) => a - b));
  });

  it('ignores events it does not know (a newer worker) and unreadable times', () => {
    const s = pivotSeries([cell(1, 'teleport', 9), { ...cell(1, 'sync', 9), time: 'garbage' }], window, hour);
    expect(Object.keys(s.byEvent).sort()).toEqual([...USAGE_EVENTS].sort());
    expect(Object.values(s.totals).every((n) => n === 0)).toBe(true);
  });

  it('gives one point per day over 30 days', () => {
    const s = pivotSeries([], { from: '2026-10-29T12:00:00.000Z', to: '2026-11-28T12:00:00.000Z' }, 86_400);
    expect(s.times.length).toBe(31);
    expect(s.times.every((t, i) => i === 0 || t - s.times[i - 1] === 86_400)).toBe(true);
  });
});
