/**
 * The admin console end to end: Debian's Chromium drives the built console, served by wrangler dev
 * with the worker and the local Analytics Engine behind it. What the console shows is compared
 * with what the API answers for the same question, so the tests hold for any data; the data set
 * (fixture.ts) makes sure there is something to differ: three periods, more than a page of users,
 * users with and without names, errors.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EVENT_LIMIT_CLASS, LIMIT_CLASSES, LIMIT_TIERS, RATE_LIMITS } from '@usage-lens/contract';
import {
  ADMIN_EMAIL,
  api,
  BURST,
  EVENTS,
  GHOSTS,
  openConsole,
  PEOPLE,
  SCREENSHOTS,
  signIn,
  signUp,
  useConsoleStack,
  type EventName,
} from './fixture.ts';

const fixture = useConsoleStack();

interface UserUsage {
  id: string;
  name: string | null;
  email: string | null;
  total: number;
  errors: number;
  overLimit: number;
  events: Record<EventName, number>;
  cost: { share: number; monthlyWrites: number; monthlyUsd: number } | null;
}
interface UsageAnswer {
  window: { period: string };
  totals: { events: number; errors: number; overLimit: number; activeUsers: number };
  users: UserUsage[];
  page: { total: number | null; nextOffset: number | null; offset: number };
  error?: string;
}
interface AdminUser {
  id: string;
  name: string;
  email: string;
  role: string;
  orgId: string;
  isAdmin: boolean;
}

type Period = '24h' | '7d' | '30d';
interface View {
  period: Period;
  sort: string;
  order: 'asc' | 'desc';
  offset?: number;
  q?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const usd = (n: number | null) =>
  n === null ? '—' : n > 0 && n < 0.005 ? '< $0.01' : n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
const usagePath = (v: View) => {
  const params = new URLSearchParams({ period: v.period, sort: v.sort, order: v.order, limit: '100', offset: String(v.offset ?? 0) });
  if (v.q) params.set('q', v.q);
  return `/api/admin/usage?${params}`;
};
const keyOf = (v: View) => [v.period, v.sort, v.order, v.offset ?? 0, v.q ?? ''].join('|');

/** Waits until the table shows the answer for `view` and nothing is loading. */
async function settled(page: Page, view: View): Promise<void> {
  await page.locator(`table.usage[data-shown=${JSON.stringify(keyOf(view))}][aria-busy="false"]`).waitFor();
}

async function shownRows(page: Page) {
  return page.locator('table.usage tbody tr[data-user-id]').evaluateAll((trs) =>
    trs.map((tr) => ({
      id: tr.getAttribute('data-user-id'),
      user: tr.querySelector('.user-name')?.textContent ?? null,
      detail: tr.querySelector('.user-detail')?.textContent ?? '',
      counts: Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.getAttribute('data-col'), td.textContent])),
      costTitle: tr.querySelector('td[data-col="cost"]')?.getAttribute('title') ?? null,
    })),
  );
}

/** What the console must show for an API row: the worker's name, else the id; the counts, over-limit calls and cost. */
function expectedRows(users: UserUsage[]) {
  return users.map((u) => ({
    id: u.id,
    user: u.name ?? u.id,
    detail: u.email ?? (u.name === null ? 'not in the user table' : ''),
    counts: {
      total: fmt(u.total),
      ...Object.fromEntries(EVENTS.map((e) => [e, fmt(u.events[e])])),
      errors: fmt(u.errors),
      over_limit: fmt(u.overLimit),
      cost: usd(u.cost?.monthlyUsd ?? null),
    },
    // The cost's basis, the user's share of the writes (the cost itself is $0.00 under AE's included writes).
    costTitle:
      u.cost === null
        ? 'No cost: the totals are filtered'
        : `${u.cost.share.toLocaleString('en-US', { style: 'percent', maximumFractionDigits: 1 })} of the period’s writes`,
  }));
}

/** Every user, as the API lists them (the data set holds far fewer than one page of 1,000). */
async function directory(): Promise<Map<string, AdminUser>> {
  const { body } = await api<{ users: AdminUser[]; page: { total: number } }>(fixture(), '/api/admin/users?limit=1000');
  expect(body.users.length).toBe(body.page.total);
  return new Map(body.users.map((u) => [u.id, u]));
}

/** The table and the stats equal the API's answer for the same view. */
async function expectViewMatchesApi(page: Page, view: View): Promise<UsageAnswer> {
  await settled(page, view);
  const { status, body } = await api<UsageAnswer>(fixture(), usagePath(view));
  expect(status).toBe(200);
  expect(await shownRows(page)).toEqual(expectedRows(body.users));
  expect(await page.getByTestId('stat-events').textContent()).toBe(fmt(body.totals.events));
  expect(await page.getByTestId('stat-users').textContent()).toBe(fmt(body.totals.activeUsers));
  expect(await page.getByTestId('stat-errors').textContent()).toBe(fmt(body.totals.errors));
  expect(await page.getByTestId('stat-over-limit').textContent()).toBe(fmt(body.totals.overLimit));
  return body;
}

const choosePeriod = (page: Page, period: Period) => page.getByRole('radio', { name: period, exact: true }).check();

describe('serving', () => {
  it('serves the console at / and at any other page path, and leaves /api/* and /health to the worker', async () => {
    const { workerUrl } = fixture().stack;
    for (const p of ['/', '/usage/anything', '/users?x=1']) {
      const res = await fetch(`${workerUrl}${p}`, { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } });
      expect(res.status, p).toBe(200);
      expect(await res.text(), p).toContain('<div id="root"></div>');
    }
    const health = await fetch(`${workerUrl}/health`, { headers: { 'sec-fetch-mode': 'navigate' } });
    expect(await health.json()).toEqual({ ok: true });
    const unknown = await fetch(`${workerUrl}/api/no-such-route`, { headers: { 'sec-fetch-mode': 'navigate' } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no route/);
    const usage = await fetch(`${workerUrl}/api/admin/usage`);
    expect(usage.status).toBe(401);
  });
});

describe('sign-in', () => {
  it('refuses a wrong password with a message, and stays on the form', async () => {
    const { context, page } = await signIn(fixture(), ADMIN_EMAIL, 'not-the-password');
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Wrong email or password.');
    expect(await page.getByRole('tablist').count()).toBe(0);
    await context.close();
  });

  it('shows a signed-in non-admin an "admins only" page, with sign-out, and no admin data, decided by /api/admin/me', async () => {
    const f = fixture();
    await signUp(f.stack.workerUrl, 'Mallory Member', 'mallory@example.com', 'mallory-password');
    const { context, page, errors, adminCalls } = await signIn(f, 'mallory@example.com', 'mallory-password');
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(await page.getByText('mallory@example.com').count()).toBe(1);
    expect(await page.getByRole('tablist').count()).toBe(0);
    expect(await page.locator('table').count()).toBe(0);
    // The console learnt it from /api/admin/me. The only other admin call is the page's early usage
    // request, sent before anyone knew who was there, and refused.
    const others = (calls: typeof adminCalls) => calls.filter((c) => c.path !== '/api/admin/me');
    expect(adminCalls).toContainEqual({ path: '/api/admin/me', status: 200 });
    expect(others(adminCalls).every((c) => c.path === '/api/admin/usage' && (c.status === 401 || c.status === 403))).toBe(true);
    // Loaded again signed in: the early usage request is refused (403) and goes unread; still "admins only".
    const before = adminCalls.length;
    await page.reload();
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    await expect.poll(() => adminCalls.length - before).toBeGreaterThanOrEqual(2);
    expect(adminCalls.slice(before)).toEqual(
      expect.arrayContaining([
        { path: '/api/admin/me', status: 200 },
        { path: '/api/admin/usage', status: 403 },
      ]),
    );
    expect(others(adminCalls.slice(before))).toEqual([{ path: '/api/admin/usage', status: 403 }]);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.locator('table').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('signs an admin out: back to the form, and the session cookie no longer opens the API', async () => {
    // A session of its own, through the form: the one the other tests share must stay signed in.
    const { context, page } = await signIn(fixture());
    await page.getByRole('tablist', { name: 'Admin console' }).waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(ADMIN_EMAIL);
    const cookieBefore = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const before = await fetch(`${fixture().stack.workerUrl}/api/admin/users`, { headers: { cookie: cookieBefore } });
    expect(before.status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const after = await fetch(`${fixture().stack.workerUrl}/api/admin/users`, { headers: { cookie: cookieBefore } });
    expect(after.status).toBe(401);
    await context.close();
  });
});

describe('Usage tab', () => {
  it('shows, for each period, the totals and every row the API answers for that period', async () => {
    const { context, page, errors } = await openConsole(fixture());
    expect(await page.getByRole('tab', { name: 'Usage' }).getAttribute('aria-selected')).toBe('true');
    const seen: Record<string, UsageAnswer> = {};
    for (const period of ['24h', '7d', '30d', '24h'] as const) {
      await choosePeriod(page, period);
      seen[period] = await expectViewMatchesApi(page, { period, sort: 'total', order: 'desc' });
      expect(seen[period].users.length).toBeGreaterThan(0);
    }
    // The data set makes the periods differ, so a console stuck on one period would fail above.
    expect(new Set(['24h', '7d', '30d'].map((p) => seen[p].totals.events)).size).toBe(3);
    expect(seen['30d'].totals.activeUsers).toBe(PEOPLE.length + GHOSTS.length);
    expect(seen['30d'].totals.errors).toBeGreaterThan(0);
    // Calls refused with 429 are over the limit, so the column has something to show; some users have none.
    expect(seen['30d'].totals.overLimit).toBeGreaterThan(0);
    expect(new Set(seen['30d'].users.map((u) => u.overLimit > 0)).size).toBe(2);
    // The burst's calls past the standard limit are among them (observe mode let them through).
    const burstRow = seen['30d'].users.find((u) => u.id === fixture().people[BURST.person])!;
    expect(burstRow.overLimit).toBeGreaterThanOrEqual(BURST.calls - RATE_LIMITS.standard[EVENT_LIMIT_CLASS[BURST.event]]);
    // No filters: every row carries its cost.
    expect(seen['30d'].users.every((u) => u.cost !== null)).toBe(true);
    // Named users show their names; AE-only users their ids, said to be unknown.
    const rows30 = expectedRows(seen['30d'].users);
    expect(rows30.some((r) => PEOPLE.some((p) => p.name === r.user))).toBe(true);
    expect(rows30.some((r) => r.detail === 'not in the user table')).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sorts by every column, both ways, in the worker’s order', async () => {
    const { context, page } = await openConsole(fixture());
    await choosePeriod(page, '30d');
    await settled(page, { period: '30d', sort: 'total', order: 'desc' });
    const columns: [string, 'asc' | 'desc'][] = [
      ['name', 'asc'],
      ['total', 'desc'],
      ...EVENTS.map((e): [string, 'desc'] => [e, 'desc']),
      ['errors', 'desc'],
    ];
    for (const [sort, once] of columns) {
      const header = page.locator(`button.sort[data-sort="${sort}"]`);
      // Each column differs from the one before, so its first click starts at its default order.
      await header.click();
      const answer = await expectViewMatchesApi(page, { period: '30d', sort, order: once });
      expect(await page.locator(`th:has(button.sort[data-sort="${sort}"])`).getAttribute('aria-sort')).toBe(
        once === 'asc' ? 'ascending' : 'descending',
      );
      const flipped = once === 'asc' ? 'desc' : 'asc';
      await header.click();
      const reverse = await expectViewMatchesApi(page, { period: '30d', sort, order: flipped });
      if (sort !== 'name') {
        const column = (u: UserUsage) => (sort === 'total' ? u.total : sort === 'errors' ? u.errors : u.events[sort as EventName]);
        // The two orders really are opposite ends of the list.
        expect(column(answer.users[0])).not.toBe(column(reverse.users[0]));
      }
    }
    await context.close();
  });

  it('searches by name and by email, on the worker, and says when nothing matches', async () => {
    const { context, page } = await openConsole(fixture());
    await choosePeriod(page, '30d');
    const search = page.getByRole('searchbox', { name: 'Search users' });
    await search.fill('lovelace');
    await search.press('Enter');
    const byName = await expectViewMatchesApi(page, { period: '30d', sort: 'total', order: 'desc', q: 'lovelace' });
    expect(byName.users.map((u) => u.name)).toEqual(['Ada Lovelace']);

    await search.fill('hopper@');
    await search.press('Enter');
    const byEmail = await expectViewMatchesApi(page, { period: '30d', sort: 'total', order: 'desc', q: 'hopper@' });
    expect(byEmail.users.map((u) => u.email)).toEqual(['grace.hopper@example.com']);

    // Typing alone searches too, once the typing settles.
    await search.fill('example.com');
    const all = await expectViewMatchesApi(page, { period: '30d', sort: 'total', order: 'desc', q: 'example.com' });
    expect(all.users.map((u) => u.name).sort()).toEqual(PEOPLE.map((p) => p.name).sort());

    await search.fill('nobody-by-this-name');
    await search.press('Enter');
    await settled(page, { period: '30d', sort: 'total', order: 'desc', q: 'nobody-by-this-name' });
    expect(await page.getByTestId('usage-empty').textContent()).toBe('No active users match “nobody-by-this-name”.');
    await context.close();
  });

  it('pages through more users than a page holds', async () => {
    const { context, page } = await openConsole(fixture());
    await choosePeriod(page, '30d');
    const first = await expectViewMatchesApi(page, { period: '30d', sort: 'total', order: 'desc' });
    expect(first.users.length).toBe(100);
    const total = PEOPLE.length + GHOSTS.length;
    expect(await page.getByTestId('page-range').textContent()).toBe(`1–100 of ${total}`);
    await page.getByRole('button', { name: 'Next' }).click();
    const second = await expectViewMatchesApi(page, { period: '30d', sort: 'total', order: 'desc', offset: 100 });
    expect(second.users.length).toBe(total - 100);
    expect(await page.getByTestId('page-range').textContent()).toBe(`101–${total} of ${total}`);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await settled(page, { period: '30d', sort: 'total', order: 'desc' });
    await context.close();
  });

  it('shows the selected user’s events over time by event type, summing to the user’s row', async () => {
    const f = fixture();
    const { context, page } = await openConsole(f);
    await choosePeriod(page, '7d');
    const answer = await expectViewMatchesApi(page, { period: '7d', sort: 'total', order: 'desc' });
    const ada = answer.users.find((u) => u.name === 'Ada Lovelace')!;
    await page.locator(`tr[data-user-id="${ada.id}"] button.row-user`).click();
    await page.locator(`[data-testid="user-series"][data-user-id="${ada.id}"]`).waitFor();
    expect(await page.getByRole('heading', { name: 'Events over time: Ada Lovelace' }).count()).toBe(1);
    expect(await page.locator(`tr[data-user-id="${ada.id}"] button.row-user`).getAttribute('aria-expanded')).toBe('true');
    // The detail sits right under the user's row.
    expect(await page.locator(`tr[data-user-id="${ada.id}"] + tr.detail-row [data-testid="user-series"]`).count()).toBe(1);

    const { body } = await api<{ buckets: { time: string; event: EventName; total: number }[] }>(
      f,
      `/api/admin/usage/series?period=7d&interval=21600&user=${ada.id}`,
    );
    const sums = Object.fromEntries(EVENTS.map((e) => [e, body.buckets.filter((b) => b.event === e).reduce((s, b) => s + b.total, 0)]));
    const labels: Record<EventName, string> = { sync: 'Sync', sync_auth: 'Sync auth', auth: 'Auth', chat: 'Chat', ingest: 'Ingest' };
    expect(await page.getByTestId('series-totals').textContent()).toBe(EVENTS.map((e) => `${labels[e]} ${fmt(sums[e])}`).join(' · '));
    // The series covers the same window and user as the row: the same counts, by another read.
    expect(sums).toEqual(ada.events);
    // uPlot (loaded on first use) drew one line per event.
    await page.locator('[data-testid="events-chart"] canvas').waitFor();
    expect(await page.locator('[data-testid="events-chart"] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid="events-chart"] .u-legend .u-series').count()).toBe(EVENTS.length + 1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-usage.png') });
    await context.close();
  });
});

describe('keyboard and accessibility', () => {
  it('moves between tabs with the arrow keys, Home and End', async () => {
    const { context, page } = await openConsole(fixture());
    await page.getByRole('tab', { name: 'Usage' }).focus();
    const active = () => page.evaluate(() => document.activeElement?.id);
    await page.keyboard.press('ArrowRight');
    expect(await active()).toBe('tab-users');
    expect(await page.getByRole('tab', { name: 'Users' }).getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('users-table').waitFor();
    await page.keyboard.press('End');
    expect(await active()).toBe('tab-keys');
    await page.getByTestId('keys-table').waitFor();
    await page.keyboard.press('ArrowRight');
    expect(await active()).toBe('tab-usage');
    await page.keyboard.press('ArrowLeft');
    expect(await active()).toBe('tab-keys');
    await page.keyboard.press('ArrowLeft');
    expect(await active()).toBe('tab-limits');
    await page.getByTestId('limits-configured').waitFor();
    await page.keyboard.press('Home');
    expect(await active()).toBe('tab-usage');
    await page.getByTestId('usage-table').waitFor();
    // Only the selected tab is in the Tab order.
    expect(await page.locator('[role="tab"][tabindex="0"]').count()).toBe(1);
    await context.close();
  });

  it('walks the table’s rows with the arrow keys, sorts and selects from the keyboard, with visible focus', async () => {
    const { context, page } = await openConsole(fixture());
    await choosePeriod(page, '30d');
    await settled(page, { period: '30d', sort: 'total', order: 'desc' });
    const ids = (await shownRows(page)).map((r) => r.id);
    const focusedRow = () => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-user-id'));
    await page.locator('button.row-user').first().focus();
    expect(await focusedRow()).toBe(ids[0]);
    await page.keyboard.press('ArrowDown');
    expect(await focusedRow()).toBe(ids[1]);
    await page.keyboard.press('End');
    expect(await focusedRow()).toBe(ids[ids.length - 1]);
    await page.keyboard.press('ArrowUp');
    expect(await focusedRow()).toBe(ids[ids.length - 2]);
    await page.keyboard.press('Home');
    expect(await focusedRow()).toBe(ids[0]);
    await page.keyboard.press('Enter');
    expect(await page.locator('button.row-user').first().getAttribute('aria-expanded')).toBe('true');
    await page.locator(`[data-testid="user-series"][data-user-id="${ids[0]}"]`).waitFor();
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: s.outlineWidth };
    });
    expect(outline).toEqual({ style: 'solid', width: '3px' });
    await page.keyboard.press('Enter');
    expect(await page.locator('button.row-user').first().getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('tr.detail-row').count()).toBe(0);

    await page.locator('button.sort[data-sort="chat"]').focus();
    await page.keyboard.press('Enter');
    await settled(page, { period: '30d', sort: 'chat', order: 'desc' });
    await context.close();
  });

  it('labels every control on every tab', async () => {
    const { context, page } = await openConsole(fixture());
    for (const tab of ['Usage', 'Users', 'Limits', 'API keys']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.locator('[role="tabpanel"] table[aria-busy="false"]').first().waitFor();
      const unlabelled = await page.locator('input, select, button').evaluateAll((els) =>
        els
          .filter((el) => {
            const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            return !labelled && !(el.tagName === 'BUTTON' && el.textContent?.trim());
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, tab).toEqual([]);
    }
    await context.close();
  });

  it('follows the system’s light or dark preference', async () => {
    const background = async (colorScheme: 'light' | 'dark') => {
      const { context, page } = await openConsole(fixture(), { colorScheme });
      await settled(page, { period: '24h', sort: 'total', order: 'desc' });
      const color = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      if (colorScheme === 'dark') await page.screenshot({ path: path.join(SCREENSHOTS, 'console-usage-dark.png') });
      await context.close();
      return color;
    };
    expect(await background('light')).toBe('rgb(246, 247, 249)');
    expect(await background('dark')).toBe('rgb(17, 20, 24)');
  });
});

/** Waits until a user's row says this change was saved. */
const saved = (page: Page, userId: string, patch: Record<string, unknown>) =>
  page.locator(`tr[data-user-id="${userId}"] .row-status[data-saved=${JSON.stringify(JSON.stringify(patch))}]`).waitFor();

/** The Users tab's rows: id, email and role as shown. */
const shownUsers = (page: Page) =>
  page
    .getByTestId('users-table')
    .locator('tbody tr[data-user-id]')
    .evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-user-id'),
        email: tr.querySelectorAll('td')[0].textContent,
        role: (tr.querySelectorAll('select')[0] as HTMLSelectElement).value,
      })),
    );
const asShown = (users: AdminUser[]) => users.map((u) => ({ id: u.id, email: u.email, role: u.role === 'admin' ? 'admin' : 'user' }));

/** The users-list requests a page makes, with their query. */
function recordUsersRequests(page: Page): URLSearchParams[] {
  const asked: URLSearchParams[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/admin/users') asked.push(url.searchParams);
  });
  return asked;
}

describe('Users tab', () => {
  it('lists the first page of users with role and organisation, and changes both through the API', async () => {
    const f = fixture();
    const { context, page, errors } = await openConsole(f);
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.locator('table.users[data-shown="0|"][aria-busy="false"]').waitFor();
    const { body: first } = await api<{ users: AdminUser[]; page: { total: number } }>(f, '/api/admin/users?limit=100&offset=0');
    expect(first.page.total).toBeGreaterThan(100);
    expect(await shownUsers(page)).toEqual(asShown(first.users));

    // An organisation made here can be given to a user.
    await page.getByLabel('New organisation').fill('Analytical Engines');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const ada = f.people[0];
    const orgSelect = page.getByLabel('Organisation of Ada Lovelace');
    await orgSelect.locator('option', { hasText: 'Analytical Engines' }).waitFor({ state: 'attached' });
    const { body: orgs } = await api<{ orgs: { id: string; name: string }[] }>(f, '/api/admin/orgs');
    const org = orgs.orgs.find((o) => o.name === 'Analytical Engines')!;
    await orgSelect.selectOption({ label: 'Analytical Engines' });
    await saved(page, ada, { orgId: org.id });
    expect((await directory()).get(ada)?.orgId).toBe(org.id);
    await orgSelect.selectOption({ label: '(none)' });
    await saved(page, ada, { orgId: null });
    expect((await directory()).get(ada)?.orgId).toBe('');

    const grace = f.people[1];
    const role = page.getByLabel('Role of Grace Hopper');
    await role.selectOption('admin');
    await saved(page, grace, { role: 'admin' });
    expect((await directory()).get(grace)).toMatchObject({ role: 'admin', isAdmin: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-users.png') });
    await role.selectOption('user');
    await saved(page, grace, { role: 'user' });
    expect((await directory()).get(grace)).toMatchObject({ role: 'user', isAdmin: false });
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('Users tab, searched and paged by the worker', () => {
  it('asks the worker for one page at a time and pages through the list with it', async () => {
    const f = fixture();
    const { context, page, errors } = await openConsole(f);
    const asked = recordUsersRequests(page);
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.locator('table.users[data-shown="0|"][aria-busy="false"]').waitFor();
    const { body: all } = await api<{ users: AdminUser[]; page: { total: number } }>(f, '/api/admin/users?limit=1000');
    const total = all.page.total;
    expect(total).toBe(all.users.length);
    expect(total).toBeGreaterThan(100);
    expect(total).toBeLessThanOrEqual(200);
    expect(await page.locator('table.users caption').textContent()).toBe(`Users: ${fmt(total)}`);
    expect(await page.getByTestId('users-page-range').textContent()).toBe(`1–100 of ${fmt(total)}`);
    expect(await shownUsers(page)).toEqual(asShown(all.users.slice(0, 100)));

    await page.getByRole('navigation', { name: 'Pages of users' }).getByRole('button', { name: 'Next' }).click();
    await page.locator('table.users[data-shown="100|"][aria-busy="false"]').waitFor();
    expect(await shownUsers(page)).toEqual(asShown(all.users.slice(100)));
    expect(await page.getByTestId('users-page-range').textContent()).toBe(`101–${fmt(total)} of ${fmt(total)}`);
    expect(await page.getByRole('navigation', { name: 'Pages of users' }).getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('navigation', { name: 'Pages of users' }).getByRole('button', { name: 'Previous' }).click();
    await page.locator('table.users[data-shown="0|"][aria-busy="false"]').waitFor();
    expect(await shownUsers(page)).toEqual(asShown(all.users.slice(0, 100)));

    // Each request asked the worker for one page (never the whole list), the second from offset 100.
    expect(asked.map((q) => Object.fromEntries(q))).toEqual(
      expect.arrayContaining([
        { limit: '100', offset: '0' },
        { limit: '100', offset: '100' },
      ]),
    );
    expect(asked.every((q) => q.get('limit') === '100' && q.has('offset'))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('asks the worker for the matches and shows its page, or says nothing matches', async () => {
    const f = fixture();
    const { context, page, errors } = await openConsole(f);
    const asked = recordUsersRequests(page);
    await page.getByRole('tab', { name: 'Users' }).click();
    const find = page.getByRole('searchbox', { name: 'Find users' });
    await find.fill('HOPPER');
    await find.press('Enter');
    await page.locator('table.users[data-shown="0|HOPPER"][aria-busy="false"]').waitFor();
    const { body } = await api<{ users: AdminUser[]; page: { total: number } }>(f, '/api/admin/users?limit=100&offset=0&q=HOPPER');
    expect(body.users.map((u) => u.id)).toEqual([f.people[1]]);
    const shown = await page.getByTestId('users-table').locator('tbody tr[data-user-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-user-id')));
    expect(shown).toEqual(body.users.map((u) => u.id));
    expect(await page.locator('table.users caption').textContent()).toBe('Users matching “HOPPER”: 1');
    // The search went to the worker: the browser never held the rest of the list.
    expect(asked.some((q) => q.get('q') === 'HOPPER' && q.get('limit') === '100' && q.get('offset') === '0')).toBe(true);
    expect(await page.getByRole('navigation', { name: 'Pages of users' }).count()).toBe(0);

    // Typing alone searches too, once the typing settles.
    await find.fill('nobody-at-all');
    await page.locator('table.users[data-shown="0|nobody-at-all"][aria-busy="false"]').waitFor();
    expect(await page.getByTestId('users-table').locator('td.empty').textContent()).toBe('No users match “nobody-at-all”.');
    expect(errors).toEqual([]);
    await context.close();
  });
});

interface LimitsAnswer {
  window: { period: string };
  mode: string;
  headroom: number;
  events: {
    event: EventName;
    users: number;
    day: Record<'p50' | 'p90' | 'p99' | 'max', number>;
    minute: Record<'p50' | 'p90' | 'p99' | 'max', number>;
    recommended: { perMinute: number; perDay: number };
    configured: { perMinute: Record<string, number> };
  }[];
  usersOver: {
    id: string;
    name: string | null;
    tier: string;
    event: EventName;
    minutesOverConfigured: number;
    callsOverConfigured: number;
    minutesOverRecommended: number;
    callsOverRecommendedPerMinute: number;
    daysOverRecommended: number;
    callsOverRecommendedPerDay: number;
  }[];
  error?: string;
}
interface TiersAnswer {
  mode: string;
  assignments: { type: 'user' | 'org'; id: string; name: string | null; tier: string }[];
}

const QUANTILES = ['p50', 'p90', 'p99', 'max'] as const;

/** "3 minutes (95 calls over)", "–" for none: how the users-over table words a count. */
const overText = (count: number, unit: string, calls: number) =>
  count === 0 ? '–' : `${fmt(count)} ${unit}${count === 1 ? '' : 's'} (${fmt(calls)} call${calls === 1 ? '' : 's'} over)`;

/** Waits until the recommendations show the answer for this period and headroom, and nothing is loading. */
async function limitsSettled(page: Page, period: string, headroom: number) {
  await page.locator(`table[data-testid="limits-recommendations"][data-shown="${period}|${headroom}"][aria-busy="false"]`).waitFor();
}

/** Every cell of the recommendations equals the API's answer for the same period and headroom. */
async function expectRecommendationsMatchApi(page: Page, period: '7d' | '30d', headroom: number): Promise<LimitsAnswer> {
  await limitsSettled(page, period, headroom);
  const { status, body } = await api<LimitsAnswer>(fixture(), `/api/admin/limits?period=${period}&headroom=${headroom}`);
  expect(status, body.error).toBe(200);
  const shown = await page.locator('table[data-testid="limits-recommendations"] tbody tr[data-event]').evaluateAll((trs) =>
    trs.map((tr) => ({
      event: tr.getAttribute('data-event'),
      cells: Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.getAttribute('data-col'), td.textContent])),
    })),
  );
  expect(shown).toEqual(
    body.events.map((e) => ({
      event: e.event,
      cells: {
        users: fmt(e.users),
        ...Object.fromEntries(QUANTILES.map((q) => [`day-${q}`, fmt(e.day[q])])),
        ...Object.fromEntries(QUANTILES.map((q) => [`minute-${q}`, fmt(e.minute[q])])),
        'recommended-minute': fmt(e.recommended.perMinute),
        'recommended-day': fmt(e.recommended.perDay),
        ...Object.fromEntries(LIMIT_TIERS.map((t) => [`configured-${t}`, fmt(e.configured.perMinute[t])])),
      },
    })),
  );
  return body;
}

const burstLimit = RATE_LIMITS.standard[EVENT_LIMIT_CLASS[BURST.event]];

describe('Limits tab', () => {
  it('shows the mode, the configured limits and the recommendations the API answers, with the seeded burst', async () => {
    const f = fixture();
    const { context, page, errors } = await openConsole(f);
    await page.getByRole('tab', { name: 'Limits' }).click();
    const answer = await expectRecommendationsMatchApi(page, '30d', 2);
    // The known number: the burst is the busiest user-minute of its event, in the table and in the API.
    expect(answer.events.find((e) => e.event === BURST.event)!.minute.max).toBe(BURST.calls);
    expect(await page.locator(`tr[data-event="${BURST.event}"] td[data-col="minute-max"]`).textContent()).toBe(fmt(BURST.calls));

    // The mode and the configured limits: the worker's, and the contract's numbers.
    const { body: tiers } = await api<TiersAnswer>(f, '/api/admin/limits/tiers');
    expect(await page.getByTestId('limits-mode').locator('strong').textContent()).toBe(tiers.mode);
    for (const tier of LIMIT_TIERS) {
      for (const cls of LIMIT_CLASSES) {
        expect(await page.locator(`[data-testid="limits-configured"] tr[data-tier="${tier}"] td[data-col="${cls}"]`).textContent()).toBe(
          fmt(RATE_LIMITS[tier][cls]),
        );
      }
    }

    // The burst's user is over the configured limit of their (standard) tier by the calls past it, in one minute.
    const burstUser = f.people[BURST.person];
    const over = page.locator(`[data-testid="limits-users-over"] tr[data-user-id="${burstUser}"][data-event="${BURST.event}"]`);
    expect(await over.locator('th .user-name').textContent()).toBe(PEOPLE[BURST.person].name);
    expect(await over.locator('[data-col="tier"]').textContent()).toBe('standard');
    expect(await over.locator('[data-col="configured-over"]').textContent()).toBe(`1 minute (${fmt(BURST.calls - burstLimit)} calls over)`);
    const listed = answer.usersOver.find((u) => u.id === burstUser && u.event === BURST.event)!;
    expect(listed).toMatchObject({ tier: 'standard', minutesOverConfigured: 1, callsOverConfigured: BURST.calls - burstLimit });
    // Every user over a limit, as the API lists them.
    const overRows = await page.locator('[data-testid="limits-users-over"] tbody tr[data-user-id]').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-user-id'),
        event: tr.getAttribute('data-event'),
        user: tr.querySelector('.user-name')?.textContent,
        tier: tr.querySelector('[data-col="tier"]')?.textContent,
        days: tr.querySelector('[data-col="days-over"]')?.textContent,
        minutes: tr.querySelector('[data-col="minutes-over"]')?.textContent,
        configured: tr.querySelector('[data-col="configured-over"]')?.textContent,
      })),
    );
    expect(overRows).toEqual(
      answer.usersOver.map((u) => ({
        id: u.id,
        event: u.event,
        user: u.name ?? u.id,
        tier: u.tier,
        days: overText(u.daysOverRecommended, 'day', u.callsOverRecommendedPerDay),
        minutes: overText(u.minutesOverRecommended, 'minute', u.callsOverRecommendedPerMinute),
        configured: overText(u.minutesOverConfigured, 'minute', u.callsOverConfigured),
      })),
    );

    // Another period and headroom: another request, shown as the API answers it.
    await page.getByRole('radio', { name: '7d', exact: true }).check();
    await page.getByLabel('Headroom').selectOption('3');
    const week = await expectRecommendationsMatchApi(page, '7d', 3);
    expect(week.events.find((e) => e.event === BURST.event)!.minute.max).toBe(BURST.calls);
    expect(week.headroom).toBe(3);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-limits.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('gives a user over the limit the high tier from the list (the API has it), and takes it back', async () => {
    const f = fixture();
    const burstUser = f.people[BURST.person];
    const name = PEOPLE[BURST.person].name;
    const { context, page, errors } = await openConsole(f);
    await page.getByRole('tab', { name: 'Limits' }).click();
    await limitsSettled(page, '30d', 2);
    const over = page.locator(`[data-testid="limits-users-over"] tr[data-user-id="${burstUser}"][data-event="${BURST.event}"]`);
    await over.getByRole('button', { name: `Give ${name} the high tier` }).click();

    const assigned = page.locator(`[data-testid="limits-assignments"] tr[data-subject="user:${burstUser}"][data-tier="high"]`);
    await assigned.waitFor();
    const { body } = await api<TiersAnswer>(f, '/api/admin/limits/tiers');
    expect(body.assignments.filter((a) => a.id === burstUser)).toEqual([expect.objectContaining({ type: 'user', name, tier: 'high' })]);
    // Asked again, the recommendations judge the user by the high tier: the burst is under its limit.
    await over.locator('[data-col="tier"]', { hasText: /^high$/ }).waitFor();
    expect(await over.locator('[data-col="configured-over"]').textContent()).toBe('–');
    expect(await over.getByRole('button').count()).toBe(0);

    await assigned.getByRole('button', { name: `Remove the tier of ${name}` }).click();
    await assigned.waitFor({ state: 'detached' });
    const after = await api<TiersAnswer>(f, '/api/admin/limits/tiers');
    expect(after.body.assignments.filter((a) => a.id === burstUser)).toEqual([]);
    await over.locator('[data-col="tier"]', { hasText: /^standard$/ }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('gives a tier to a user found by search and to an organisation by id, changes one, refuses an unknown id, removes both', async () => {
    const f = fixture();
    const grace = f.people[1];
    const org = await fetch(`${f.stack.workerUrl}/api/admin/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Difference Engines' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const { context, page, errors } = await openConsole(f);
    await page.getByRole('tab', { name: 'Limits' }).click();
    const form = page.getByRole('form', { name: 'Give a tier' });
    const row = (subject: string, tier: string) =>
      page.locator(`[data-testid="limits-assignments"] tr[data-subject="${subject}"][data-tier="${tier}"]`);
    const assignments = async () => (await api<TiersAnswer>(f, '/api/admin/limits/tiers')).body.assignments;

    await form.getByRole('searchbox', { name: 'Find user' }).fill('hopper');
    const pick = form.getByLabel('User', { exact: true });
    await pick.locator('option', { hasText: 'Grace Hopper (grace.hopper@example.com)' }).waitFor({ state: 'attached' });
    await pick.selectOption({ label: 'Grace Hopper (grace.hopper@example.com)' });
    await form.getByLabel('Tier', { exact: true }).selectOption('high');
    await form.getByRole('button', { name: 'Give tier' }).click();
    await row(`user:${grace}`, 'high').waitFor();
    expect((await assignments()).find((a) => a.id === grace)).toMatchObject({ type: 'user', name: 'Grace Hopper', tier: 'high' });

    await page.getByRole('combobox', { name: 'Tier of Grace Hopper' }).selectOption('standard');
    await row(`user:${grace}`, 'standard').waitFor();
    expect((await assignments()).find((a) => a.id === grace)).toMatchObject({ tier: 'standard' });

    await form.getByRole('radio', { name: 'an organisation' }).check();
    const orgField = form.getByLabel('Organisation id');
    await orgField.fill('org_no_such_org');
    await form.getByRole('button', { name: 'Give tier' }).click();
    expect(await form.getByRole('alert').textContent()).toBe('id: no such organisation');
    await orgField.fill(org.id);
    await form.getByLabel('Tier', { exact: true }).selectOption('high');
    await form.getByRole('button', { name: 'Give tier' }).click();
    await row(`org:${org.id}`, 'high').waitFor();
    expect((await assignments()).find((a) => a.id === org.id)).toMatchObject({ type: 'org', name: 'Difference Engines', tier: 'high' });

    await row(`org:${org.id}`, 'high').getByRole('button', { name: 'Remove the tier of Difference Engines' }).click();
    await row(`org:${org.id}`, 'high').waitFor({ state: 'detached' });
    await row(`user:${grace}`, 'standard').getByRole('button', { name: 'Remove the tier of Grace Hopper' }).click();
    await row(`user:${grace}`, 'standard').waitFor({ state: 'detached' });
    expect((await assignments()).filter((a) => a.id === grace || a.id === org.id)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is never shown to a non-admin, who gets "admins only" on #limits without any admin call but /api/admin/me', async () => {
    const f = fixture();
    await signUp(f.stack.workerUrl, 'Nora Nonadmin', 'nora@example.com', 'nora-password-1');
    const { context, page, adminCalls } = await signIn(f, 'nora@example.com', 'nora-password-1');
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    const before = adminCalls.length;
    // A new load of the page on #limits (a goto that changes only the hash would not load it).
    await page.goto(`${f.stack.workerUrl}/#limits`);
    await page.reload();
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(adminCalls.length).toBeGreaterThan(before);
    expect(await page.getByRole('tab').count()).toBe(0);
    expect(await page.getByText('Recommended limits').count()).toBe(0);
    // Opened on #limits, the page sends no early usage request: /api/admin/me is all it asks.
    expect(adminCalls.slice(before)).toEqual([{ path: '/api/admin/me', status: 200 }]);
    // And the worker refuses the session the limits, had the console asked.
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    for (const p of ['/api/admin/limits?period=7d', '/api/admin/limits/tiers']) {
      expect((await fetch(`${f.stack.workerUrl}${p}`, { headers: { cookie } })).status, p).toBe(403);
    }
    await context.close();
  });
});

describe('API keys tab', () => {
  it('creates a key shown once, which reads usage until it is revoked in the console', async () => {
    const f = fixture();
    const { context, page, errors } = await openConsole(f, { permissions: ['clipboard-read', 'clipboard-write'] });
    const asked = recordUsersRequests(page);
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('e2e grafana');
    await page.getByLabel('Scope', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-key-value');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^ul_admin_[A-Za-z0-9_-]{40,}$/);
    expect(await page.getByTestId('new-key').textContent()).toContain(
      `Set Worker URL to ${f.stack.workerUrl}, paste this key into API key`,
    );

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    // Nothing of it is kept by the browser beyond the page.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(key);

    const used = await api<UsageAnswer>(f, '/api/admin/usage?period=24h', key);
    expect(used.status).toBe(200);
    expect(used.body.totals.events).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Done, hide the key' }).click();
    await page.getByTestId('new-key').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(key);

    // The worker records the use after answering; the list shows it once recorded.
    const record = () =>
      api<{ apiKeys: { name: string; lastUsedAt: number | null; id: string }[] }>(f, '/api/admin/api-keys').then((r) =>
        r.body.apiKeys.find((k) => k.name === 'e2e grafana')!,
      );
    const deadline = Date.now() + 15_000;
    while ((await record()).lastUsedAt === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { id, lastUsedAt } = await record();
    expect(lastUsedAt).not.toBeNull();
    await page.reload();
    await page.getByRole('tab', { name: 'API keys', selected: true }).waitFor();
    const row = page.locator(`tr[data-key-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator('[data-col="last-used"]').textContent()).not.toBe('never');
    expect(await row.locator('[data-col="status"]').textContent()).toBe('active');
    // The key acts as the admin who made it, named by asking the worker for the keys' owners only.
    await row.locator('[data-col="acts-as"]', { hasText: /^Admin$/ }).waitFor();
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((q) => [...q.keys()].join() === 'ids')).toBe(true);
    expect(asked.some((q) => q.get('ids')!.split(',').includes(f.admin.userId))).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-keys.png') });

    // A key can be made to expire; the list says when.
    await page.getByLabel('Name', { exact: true }).fill('e2e quarterly');
    await page.getByLabel('Scope', { exact: true }).selectOption('ingest');
    await page.getByLabel('Expires', { exact: true }).selectOption('90');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-key').waitFor();
    expect(await page.getByTestId('new-key-value').inputValue()).toMatch(/^ul_ingest_/);
    await page.getByRole('button', { name: 'Done, hide the key' }).click();
    const quarterly = (
      await api<{ apiKeys: { name: string; id: string; expiresAt: number | null }[] }>(f, '/api/admin/api-keys')
    ).body.apiKeys.find((k) => k.name === 'e2e quarterly')!;
    expect(quarterly.expiresAt! - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(quarterly.expiresAt! - Date.now()).toBeLessThanOrEqual(90 * 86_400_000);
    await page.locator(`tr[data-key-id="${quarterly.id}"] [data-col="expires"]`, { hasText: /^in 3 months$/ }).waitFor();

    await row.getByRole('button', { name: 'Revoke e2e grafana' }).click();
    await row.getByRole('button', { name: 'Revoke key' }).click();
    await row.locator('[data-col="status"]', { hasText: 'revoked' }).waitFor();
    const refused = await fetch(`${f.stack.workerUrl}/api/admin/usage?period=24h`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('when the usage store fails', () => {
  it('shows the worker’s 502/503 message as text, and the rest of the console still works', async () => {
    const f = fixture();
    await f.stack.stopAnalyticsEngine();
    const view: View = { period: '24h', sort: 'total', order: 'desc' };
    const { status, body } = await api<UsageAnswer>(f, usagePath(view));
    expect([502, 503]).toContain(status);
    const { context, page, errors } = await openConsole(f);
    const alert = page.getByTestId('usage-error');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toMatch(status === 502 ? /^Usage data is unavailable \(502\): / : /^Usage data is busy \(503\): /);
    expect(text).toContain(body.error);
    expect(await page.getByTestId('usage-empty').textContent()).toBe('No data: see the message above.');
    writeFileSync(path.join(SCREENSHOTS, 'console-usage-error.txt'), `${text}\n`);
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByTestId('users-table').locator('tbody tr[data-user-id]').first().waitFor();

    // The Limits tab reads AE's SQL API: the worker's 502/503 message, as text; the tiers (D1) still show.
    const limits = await api<LimitsAnswer>(f, '/api/admin/limits?period=30d&headroom=2');
    expect([502, 503]).toContain(limits.status);
    await page.getByRole('tab', { name: 'Limits' }).click();
    const limitsError = page.getByTestId('limits-error');
    await limitsError.waitFor();
    const limitsText = await limitsError.textContent();
    expect(limitsText).toMatch(limits.status === 502 ? /^Usage data is unavailable \(502\): / : /^Usage data is (busy|unavailable) \(503\): /);
    expect(limitsText).toContain(limits.body.error);
    await page.locator('[data-testid="limits-configured"][aria-busy="false"]').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
