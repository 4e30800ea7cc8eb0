/**
 * What the console's end-to-end tests share: one real stack per test file, a usage data set with
 * known shape, Chromium, and readers for what the console shows and what the API answers.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { EVENT_LIMIT_CLASS, RATE_LIMITS, USAGE_EVENTS, type UsageEvent } from '@usage-lens/contract';
import { launchChromium } from '@usage-lens/tooling/chromium';
import { afterAll, beforeAll } from 'vitest';
import { ROOT, signInAdmin, startStack, type Admin, type Stack } from '@usage-lens/tooling/stack';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password';
export const SCREENSHOTS = path.join(ROOT, '.usage-lens', 'screenshots');

export const EVENTS = USAGE_EVENTS;
export type EventName = UsageEvent;

/** The people who sign up: names and emails the search tests look for. */
export const PEOPLE = [
  { name: 'Ada Lovelace', email: 'ada.lovelace@example.com' },
  { name: 'Grace Hopper', email: 'grace.hopper@example.com' },
  { name: 'Alan Turing', email: 'alan.turing@example.com' },
  { name: 'Barbara Liskov', email: 'barbara.liskov@example.com' },
  { name: 'Edsger Dijkstra', email: 'edsger.dijkstra@example.com' },
  { name: 'Frances Allen', email: 'frances.allen@example.com' },
] as const;

/**
 * Accounts with no usage, signed up after PEOPLE, so the users list holds more than one page of
 * the console's (USER_LIST.defaultPageSize) and PEOPLE are on its first.
 */
export const MEMBERS = Array.from({ length: 110 }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return { name: `Member ${n}`, email: `member-${n}@example.org` };
});

/** Users AE knows but the app does not (deleted accounts, other apps): more than one page of them. */
export const GHOSTS = Array.from({ length: 150 }, (_, i) => `ghost_${String(i + 1).padStart(3, '0')}`);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small seeded generator, so every run writes the same data set. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const OK_STATUS: Record<EventName, number> = { sync: 101, sync_auth: 200, auth: 200, chat: 101, ingest: 201 };

/**
 * One user's flood, for the Limits tab to find: BURST.calls sync connections by PEOPLE[BURST.person]
 * within one minute, 6.5 days ago (between the ranges below, so no other point of theirs shares
 * the minute; inside the 7- and 30-day windows of whole days, and hours from any period's edge).
 * The busiest user-minute of sync is then exactly BURST.calls.
 */
export const BURST = { person: 5, event: 'sync' as EventName, calls: 150 };

/**
 * Points well inside each period (never within hours of 24 h, 7 d or 30 d ago), so the console and
 * the API, asked a moment apart, count the same. Named users are active in every period; a third of
 * the ghosts only in the last 30 days, so the periods differ and 30 days holds more than one page.
 * A call refused with 429 is over its limit (double2 = 1), as enforce mode records it; plus BURST,
 * for the user at `burstId`.
 */
export function usagePoints(ids: readonly string[], now: number, burstId?: string) {
  const rand = random(12);
  const points: { indexes: [string]; blobs: [string, string]; doubles: [number, number]; timestamp: number }[] = [];
  const ranges = [
    [1 * HOUR, 20 * HOUR],
    [2 * DAY, 6 * DAY],
    [8 * DAY, 29 * DAY],
  ] as const;
  ids.forEach((id, i) => {
    const ghost = id.startsWith('ghost_');
    const periods = ghost ? (i % 3 === 0 ? [0, 1, 2] : i % 3 === 1 ? [1, 2] : [2]) : [0, 1, 2];
    for (const p of periods) {
      for (const event of EVENTS) {
        const n = Math.floor(rand() * (ghost ? 4 : 12));
        for (let k = 0; k < n; k++) {
          const [lo, hi] = ranges[p];
          const status = rand() < 0.12 ? (rand() < 0.5 ? 429 : 500) : OK_STATUS[event];
          points.push({
            indexes: [id],
            blobs: [event, ''],
            doubles: [status, status === 429 ? 1 : 0],
            timestamp: now - Math.round(lo + rand() * (hi - lo)),
          });
        }
      }
    }
  });
  if (burstId !== undefined) {
    const minute = Math.floor((now - 6.5 * DAY) / 60_000) * 60_000;
    for (let k = 0; k < BURST.calls; k++) {
      // As observe mode records it: served, and over the standard tier's limit past its first calls.
      const over = k >= RATE_LIMITS.standard[EVENT_LIMIT_CLASS[BURST.event]] ? 1 : 0;
      points.push({ indexes: [burstId], blobs: [BURST.event, ''], doubles: [OK_STATUS[BURST.event], over], timestamp: minute + k * 200 });
    }
  }
  return points;
}

export interface Fixture {
  stack: Stack;
  admin: Admin;
  /** The admin's console session (cookies), signed in once through the form: sign-ins are throttled per email. */
  adminState: Awaited<ReturnType<BrowserContext['storageState']>>;
  /** PEOPLE's user ids, in PEOPLE's order. */
  people: string[];
  browser: Browser;
}

async function signUp(workerUrl: string, name: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${workerUrl}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: workerUrl },
    body: JSON.stringify({ name, email, password }),
  });
  if (!res.ok) throw new Error(`sign-up of ${email} failed (${res.status}): ${await res.text()}`);
  return ((await res.json()) as { user: { id: string } }).user.id;
}

export { signUp };

/** A fresh stack with the data set, an admin, and Chromium, for the calling test file. */
export function useConsoleStack(): () => Fixture {
  const dir = mkdtempSync(path.join(tmpdir(), 'usage-lens-console-'));
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const stack = await startStack({ stateDir: path.join(dir, 'state'), aeDataDir: path.join(dir, 'ae'), adminEmails: ADMIN_EMAIL });
    try {
      const admin = await signInAdmin(stack.workerUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
      const people: string[] = [];
      for (const p of PEOPLE) people.push(await signUp(stack.workerUrl, p.name, p.email, 'person-password-1'));
      for (let i = 0; i < MEMBERS.length; i += 10) {
        await Promise.all(MEMBERS.slice(i, i + 10).map((m) => signUp(stack.workerUrl, m.name, m.email, 'member-password-1')));
      }
      const res = await fetch(`${stack.aeUrl}/datasets/usage_analytics/points`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.aeToken}` },
        body: JSON.stringify({ points: usagePoints([...people, ...GHOSTS], Date.now(), people[BURST.person]) }),
      });
      if (!res.ok) throw new Error(`writing the data set failed (${res.status}): ${await res.text()}`);
      const browser = await launchChromium();
      const context = await browser.newContext(CONTEXT);
      const page = await context.newPage();
      await signInThroughForm(page, stack.workerUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('tablist', { name: 'Admin console' }).waitFor();
      const adminState = await context.storageState();
      await context.close();
      fixture = { stack, admin, adminState, people, browser };
    } catch (error) {
      await stack.stop();
      throw error;
    }
  });
  afterAll(async () => {
    await fixture?.browser.close();
    await fixture?.stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!fixture) throw new Error('the stack did not start');
    return fixture;
  };
}

/** GET an admin API path as the admin (bearer session), or with `token`. */
export async function api<T>(f: Fixture, pathAndQuery: string, token = f.admin.token): Promise<{ status: number; body: T }> {
  const res = await fetch(`${f.stack.workerUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

export const CONTEXT: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-US' };

async function signInThroughForm(page: Page, workerUrl: string, email: string, password: string): Promise<void> {
  await page.goto(workerUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The admin API calls a page made (/api/admin/…), with the status each got. */
function recordAdminCalls(page: Page): { path: string; status: number }[] {
  const calls: { path: string; status: number }[] = [];
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname.startsWith('/api/admin/')) calls.push({ path: pathname, status: response.status() });
  });
  return calls;
}

/** A new browser context signed in through the console's own form (a new session). */
export async function signIn(
  f: Fixture,
  email = ADMIN_EMAIL,
  password = ADMIN_PASSWORD,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[]; adminCalls: { path: string; status: number }[] }> {
  const context = await f.browser.newContext({ ...CONTEXT, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const adminCalls = recordAdminCalls(page);
  await signInThroughForm(page, f.stack.workerUrl, email, password);
  return { context, page, errors, adminCalls };
}

/** The console in a new browser context with the admin's session, once its tabs show. */
export async function openConsole(f: Fixture, options: BrowserContextOptions = {}) {
  const context = await f.browser.newContext({ ...CONTEXT, ...options, storageState: f.adminState });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(f.stack.workerUrl);
  await page.getByRole('tablist', { name: 'Admin console' }).waitFor();
  return { context, page, errors };
}
