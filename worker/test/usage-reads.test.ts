/**
 * The paged usage API and the reads the Grafana plugin asks one by one, over known data in the local
 * AE: sorting by every column, pages that add up, search by name/email/id, totals for the whole
 * window whatever the page, organisations with their names, series split by the few users asked for,
 * one SQL read per read endpoint, and requests that could not fit one read refused before sending.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_LIMITS } from '@usage-lens/contract';
import { call, signUp, signUpAdmin, uniqueId, writePoints, type Caller } from './helpers.ts';
import type { UsageReport } from '../src/usage/query-usage.ts';

const HOUR = 3_600_000;
let admin: Caller;

async function get<T>(path: string): Promise<T> {
  const res = await call(path, { token: admin.token });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function refused(path: string): Promise<{ error: string; field: string }> {
  const res = await call(path, { token: admin.token });
  expect(res.status, await res.clone().text()).toBe(400);
  return (await res.json()) as { error: string; field: string };
}

const sqlReads = async () => ((await (await fetch(`${env.TEST_LOCAL_AE_URL}/stats`)).json()) as { analyticsSqlQueries: number }).analyticsSqlQueries;

// Five users of one org with distinct, known counts: zed 5 (1 error, 2 over the limit), amy 4 (1 over),
// bob 3 (3 errors), cat 2, dan 1.
let org: string;
let people: Record<'zed' | 'amy' | 'bob' | 'cat' | 'dan', Caller>;
beforeAll(async () => {
  admin = await signUpAdmin();
  org = uniqueId('org');
  const tag = uniqueId('p');
  people = {
    zed: await signUp(`Zed ${tag}`),
    amy: await signUp(`Amy ${tag}`),
    bob: await signUp(`Bob ${tag}`),
    cat: await signUp(`cat ${tag}`),
    dan: await signUp(`Dan ${tag}`),
  };
  const at = Date.now() - HOUR;
  const points = (who: Caller, n: number, event: string, status = 200, over = false) =>
    Array.from({ length: n }, () => ({ user: who.userId, event, org, status, at, over }));
  await writePoints([
    ...points(people.zed, 2, 'sync', 101),
    ...points(people.zed, 2, 'sync', 101, true),
    ...points(people.zed, 1, 'ingest', 400),
    ...points(people.amy, 3, 'auth'),
    ...points(people.amy, 1, 'auth', 200, true),
    ...points(people.bob, 3, 'chat', 426),
    ...points(people.cat, 2, 'ingest', 201),
    ...points(people.dan, 1, 'sync_auth'),
  ]);
});

const ids = (users: { id: string }[]) => users.map((u) => u.id);

describe('GET /api/admin/usage, paged', () => {
  it('pages through users busiest first; totals cover the whole window whatever the page', async () => {
    const first = await get<UsageReport>(`/api/admin/usage?org=${org}&limit=2`);
    expect(ids(first.users)).toEqual([people.zed.userId, people.amy.userId]);
    expect(first.page).toEqual({ sort: 'total', order: 'desc', limit: 2, offset: 0, total: 5, nextOffset: 2 });
    expect(first.totals).toMatchObject({ events: 15, errors: 4, activeUsers: 5 });
    const second = await get<UsageReport>(`/api/admin/usage?org=${org}&limit=2&offset=2`);
    expect(ids(second.users)).toEqual([people.bob.userId, people.cat.userId]);
    expect(second.totals).toEqual(first.totals);
    const last = await get<UsageReport>(`/api/admin/usage?org=${org}&limit=2&offset=4`);
    expect(ids(last.users)).toEqual([people.dan.userId]);
    expect(last.page.nextOffset).toBeNull();
  });

  it.each([
    ['errors', 'desc', ['bob', 'zed']],
    ['sync', 'desc', ['zed']],
    ['total', 'asc', ['dan', 'cat', 'bob', 'amy', 'zed']],
    ['name', 'asc', ['amy', 'bob', 'cat', 'dan', 'zed']],
    ['name', 'desc', ['zed', 'dan', 'cat', 'bob', 'amy']],
  ] as const)('sort=%s&order=%s', async (sort, order, expected) => {
    const report = await get<UsageReport>(`/api/admin/usage?org=${org}&sort=${sort}&order=${order}`);
    const who = (id: string) => Object.entries(people).find(([, c]) => c.userId === id)![0];
    const ranked = report.users.map((u) => who(u.id));
    expect(ranked.slice(0, expected.length)).toEqual(expected);
  });

  it('sort=id orders by id; sort=email by email', async () => {
    const byId = await get<UsageReport>(`/api/admin/usage?org=${org}&sort=id`);
    expect(ids(byId.users)).toEqual([...ids(byId.users)].sort());
    const byEmail = await get<UsageReport>(`/api/admin/usage?org=${org}&sort=email&order=desc`);
    const emails = byEmail.users.map((u) => u.email!);
    expect(emails).toEqual([...emails].sort((a, b) => b.localeCompare(a, 'en', { sensitivity: 'base' })));
  });

  it('q finds users by name, email or id, any case; the totals stay the whole window', async () => {
    const byName = await get<UsageReport>(`/api/admin/usage?org=${org}&q=${encodeURIComponent(people.cat.name.toUpperCase())}`);
    expect(ids(byName.users)).toEqual([people.cat.userId]);
    expect(byName.totals.activeUsers).toBe(5);
    expect(byName.filters.q).toBe(people.cat.name.toUpperCase());
    const byEmail = await get<UsageReport>(`/api/admin/usage?org=${org}&q=${encodeURIComponent(people.bob.email)}`);
    expect(ids(byEmail.users)).toEqual([people.bob.userId]);
    const byId = await get<UsageReport>(`/api/admin/usage?org=${org}&q=${people.dan.userId}`);
    expect(ids(byId.users)).toEqual([people.dan.userId]);
    const none = await get<UsageReport>(`/api/admin/usage?org=${org}&q=${encodeURIComponent('no such person %_')}`);
    expect(none.users).toEqual([]);
  });

  it.each([
    ['sort=country', 'sort'],
    ['order=up', 'order'],
    ['limit=0', 'limit'],
    [`limit=${READ_LIMITS.maxPageSize + 1}`, 'limit'],
    ['offset=-1', 'offset'],
    ['limit=10&limit=20', 'limit'],
    [`q=${'x'.repeat(READ_LIMITS.maxSearchLength + 1)}`, 'q'],
    ['q=a%00b', 'q'],
    ['minEvents=1.5', 'minEvents'],
    ['minOverLimit=-1', 'minOverLimit'],
    ['minOverLimit=x', 'minOverLimit'],
    ['to=0', 'to'],
    ['to=1', 'to'],
    ['to=86399999', 'to'],
    ['to=1970-01-01', 'to'],
    ['to=9999999999999999', 'to'],
    ['from=9999999999999998', 'from'],
  ])('%s is refused naming %s', async (query, field) => {
    expect((await refused(`/api/admin/usage?${query}`)).field).toBe(field);
  });
});

describe('the reads, one SQL read each', () => {
  it('totals: the window, the dataset, the totals and the reads made today', async () => {
    const before = await sqlReads();
    const answer = await get<{ dataset: string; totals: UsageReport['totals']; reads: { day: string; count: number } }>(`/api/admin/usage/totals?org=${org}`);
    expect(await sqlReads()).toBe(before + 1);
    expect(answer.dataset).toBe('usage_analytics');
    expect(answer.totals).toEqual({ events: 15, errors: 4, overLimit: 3, activeUsers: 5, byEvent: { sync: 4, sync_auth: 1, auth: 4, chat: 3, ingest: 3 } });
    expect(answer.reads.day).toBe(new Date().toISOString().slice(0, 10));
    expect(answer.reads.count).toBeGreaterThan(0);
  });

  it('orgs: by events, named from the organisation table', async () => {
    const created = await call('/api/admin/orgs', { token: admin.token, method: 'POST', body: { name: uniqueId('Named org') } });
    const named = (await created.json()) as { id: string; name: string };
    await writePoints([{ user: uniqueId('member'), event: 'auth', org: named.id }]);
    const before = await sqlReads();
    const answer = await get<{ orgs: { id: string; name: string | null; total: number; errors: number; users: number }[] }>(
      `/api/admin/usage/orgs?org=${org}&org=${named.id}`,
    );
    expect(await sqlReads()).toBe(before + 1);
    expect(answer.orgs).toEqual([
      { id: org, name: null, total: 15, errors: 4, users: 5 },
      { id: named.id, name: named.name, total: 1, errors: 0, users: 1 },
    ]);
  });

  it('users: one page, its sort and where the next starts', async () => {
    const before = await sqlReads();
    const answer = await get<{ users: UsageReport['users']; page: UsageReport['page'] }>(`/api/admin/usage/users?org=${org}&limit=1&sort=errors`);
    expect(await sqlReads()).toBe(before + 1);
    expect(answer.users).toEqual([
      { id: people.bob.userId, name: people.bob.name, email: people.bob.email, total: 3, errors: 3, overLimit: 0, events: { sync: 0, sync_auth: 0, auth: 0, chat: 3, ingest: 0 } },
    ]);
    // The plugin prices its users read with its shared totals read: no cost here, so no second read.
    expect(answer.users[0]).not.toHaveProperty('cost');
    expect(answer.page).toEqual({ sort: 'errors', order: 'desc', limit: 1, offset: 0, total: null, nextOffset: 1 });
  });

  it('users: minEvents keeps only users with at least that many events, in pages of up to 10,000', async () => {
    const answer = await get<{ users: UsageReport['users'] }>(`/api/admin/usage/users?org=${org}&minEvents=4&limit=${READ_LIMITS.maxThresholdPageSize}`);
    expect(ids(answer.users).sort()).toEqual([people.zed.userId, people.amy.userId].sort());
    expect((await refused(`/api/admin/usage/users?limit=${READ_LIMITS.maxThresholdPageSize}`)).field).toBe('limit');
  });

  it.each([
    ['minEvents=5', ['zed']],
    ['minOverLimit=2', ['zed']],
    ['minOverLimit=1', ['zed', 'amy']],
    // events >= 5 OR over >= 1: amy has 4 events, one of them over her limit.
    ['minEvents=5&minOverLimit=1', ['zed', 'amy']],
    ['minEvents=3&minOverLimit=3', ['zed', 'amy', 'bob']],
  ] as const)('users: %s keeps users at or over either bound (HAVING … OR …)', async (query, who) => {
    const answer = await get<{ users: UsageReport['users'] }>(`/api/admin/usage/users?org=${org}&${query}`);
    expect(ids(answer.users).sort()).toEqual(who.map((w) => people[w].userId).sort());
    const zed = answer.users.find((u) => u.id === people.zed.userId)!;
    expect(zed.overLimit).toBe(2);
  });

  it('series: buckets by event and status, the named users apart and everyone else summed', async () => {
    const before = await sqlReads();
    const answer = await get<{ interval: number; names: Record<string, string>; buckets: { time: string; event: string; status: number; split: string; total: number; overLimit: number }[] }>(
      `/api/admin/usage/series?org=${org}&period=24h&interval=1d&top=${people.zed.userId}&top=not-a-user`,
    );
    expect(await sqlReads()).toBe(before + 1);
    expect(answer.interval).toBe(86_400);
    expect(answer.names).toEqual({ [people.zed.userId]: people.zed.name });
    const cells = answer.buckets.map(({ event, status, split, total, overLimit }) => [event, status, split, total, overLimit]);
    expect(cells.filter(([, , split]) => split === people.zed.userId).sort()).toEqual([
      ['ingest', 400, people.zed.userId, 1, 0],
      ['sync', 101, people.zed.userId, 4, 2],
    ]);
    expect(cells.filter(([, , split]) => split === '').reduce((n, [, , , , over]) => n + (over as number), 0)).toBe(1);
    const rest = cells.filter(([, , split]) => split === '');
    expect(rest.reduce((n, [, , , total]) => n + (total as number), 0)).toBe(10);
  });

  it.each([
    ['/api/admin/usage/series?interval=1h&split=team', 'split'],
    ['/api/admin/usage/series', 'interval'],
    [`/api/admin/usage/series?interval=1h&${Array.from({ length: READ_LIMITS.maxSeriesSplit + 1 }, (_, i) => `top=u${i}`).join('&')}`, 'top'],
    ['/api/admin/usage/totals?group=user', 'group'],
    ['/api/admin/usage/users?interval=1h', 'interval'],
    ['/api/admin/usage/orgs?limit=0', 'limit'],
  ])('%s is refused naming %s', async (path, field) => {
    expect((await refused(path)).field).toBe(field);
  });
});

describe('requests that cannot fit one read are refused before they are sent', () => {
  it('a breakdown by user over many users names group', async () => {
    // 20,000 users in one org: user × status × hourly buckets over a day cannot fit one read.
    const big = uniqueId('big');
    for (let i = 0; i < 4; i++) {
      await writePoints(Array.from({ length: 5_000 }, (_, j) => ({ user: `${big}_${i}_${j}`, event: 'auth', org: big })));
    }
    const before = await sqlReads();
    const answer = await refused(`/api/admin/usage?org=${big}&period=24h&interval=1h&group=user,status`);
    expect(answer.field).toBe('group');
    expect(answer.error).toMatch(/more than the 1,000,000/);
    // The totals and the page were read (the totals size the breakdown); the breakdown was never sent.
    expect(await sqlReads()).toBe(before + 2);
  });

  it('a series split by many users at minute buckets names interval', async () => {
    const top = Array.from({ length: READ_LIMITS.maxSeriesSplit }, (_, i) => `top=u${i}`).join('&');
    const before = await sqlReads();
    expect((await refused(`/api/admin/usage/series?period=24h&interval=1m&${top}`)).field).toBe('interval');
    expect(await sqlReads()).toBe(before);
  });
});
