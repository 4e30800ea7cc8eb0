/**
 * The plugin's editors rendered with @grafana/ui in headless Chromium: each query type shows its
 * fields, the config editor switches modes, and a saved secret is never rendered back.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dist = path.join(import.meta.dirname, '..', 'harness', 'dist');
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  server = createServer((req, res) => {
    const file = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').split('?')[0].slice(1);
    try {
      const body = readFileSync(path.join(dist, path.basename(file)));
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function open(query: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/?${query}`);
  await page.getByTestId('harness-ready').waitFor();
  expect(errors).toEqual([]);
  return page;
}

const visible = (page: Page, testId: string) => page.getByTestId(testId).isVisible();

/** Picks an option of a @grafana/ui RadioButtonGroup (its input sits over the label). */
const choose = (page: Page, label: string) =>
  page.getByRole('radio', { name: label, exact: true }).check({ force: true });

describe('query editor', () => {
  it.each([
    ['Per-user table', { filters: true, groupBy: false, metric: false, topN: true, minEvents: false, sql: false }],
    ['Totals', { filters: true, groupBy: false, metric: true, topN: false, minEvents: false, sql: false }],
    ['Time series', { filters: true, groupBy: true, metric: true, topN: true, minEvents: false, sql: false }],
    ['Status breakdown', { filters: true, groupBy: false, metric: false, topN: false, minEvents: false, sql: false }],
    ['Per-org table', { filters: true, groupBy: false, metric: false, topN: true, minEvents: false, sql: false }],
    ['Per-user values', { filters: true, groupBy: false, metric: true, topN: false, minEvents: true, sql: false }],
    ['AE writes and cost', { filters: true, groupBy: false, metric: false, topN: false, minEvents: false, sql: false }],
    ['Raw SQL', { filters: false, groupBy: false, metric: false, topN: false, minEvents: false, sql: true }],
  ])('%s shows its fields', async (label, want) => {
    const page = await open('editor=query&mode=sql');
    await choose(page, label);
    expect(await visible(page, 'filter-users')).toBe(want.filters);
    expect(await visible(page, 'filter-events')).toBe(want.filters);
    expect(await visible(page, 'timeseries-options')).toBe(want.groupBy);
    expect(await visible(page, 'metric')).toBe(want.metric);
    expect(await visible(page, 'top-n')).toBe(want.topN);
    expect(await visible(page, 'min-events')).toBe(want.minEvents);
    expect(await visible(page, 'raw-sql')).toBe(want.sql);
    await page.close();
  });

  it('the per-org table keeps its top N', async () => {
    const page = await open('editor=query&mode=worker');
    await choose(page, 'Per-org table');
    await page.getByLabel('Top N').fill('10');
    expect(await page.evaluate(() => window.__harness.query)).toMatchObject({ queryType: 'orgs', topN: 10 });
    await page.close();
  });

  it('picks users by name from the data source and offers template variables', async () => {
    const page = await open('editor=query&mode=worker');
    await page.getByLabel('Users').click();
    await expect(page.getByText('Ada Lovelace').isVisible()).resolves.toBe(true);
    await expect(page.getByText('$user', { exact: true }).isVisible()).resolves.toBe(true);
    await page.getByText('Ada Lovelace').click();
    const query = await page.evaluate(() => window.__harness.query);
    expect(query?.users).toEqual(['u_ada']);
    await page.close();
  });

  it('time series options write groupBy and metric into the query', async () => {
    const page = await open('editor=query&mode=worker');
    await choose(page, 'Time series');
    await choose(page, 'User');
    await choose(page, 'Errors (status ≥ 400)');
    const query = await page.evaluate(() => window.__harness.query);
    expect(query).toMatchObject({ queryType: 'timeseries', groupBy: 'user', metric: 'errors' });
    await page.close();
  });

});

describe('config editor', () => {
  it('switches between worker and sql settings', async () => {
    const page = await open('editor=config&mode=worker');
    expect(await visible(page, 'worker-url')).toBe(true);
    expect(await visible(page, 'account-id')).toBe(false);
    await choose(page, 'Analytics Engine SQL API');
    expect(await visible(page, 'account-id')).toBe(true);
    expect(await visible(page, 'worker-url')).toBe(false);
    expect(await page.evaluate(() => window.__harness.options?.jsonData.mode)).toBe('sql');
    await page.close();
  });

  it('sends a typed key to secureJsonData only', async () => {
    const page = await open('editor=config&mode=worker');
    await page.getByTestId('api-key').fill('ul_admin_typed-secret');
    const options = await page.evaluate(() => window.__harness.options);
    expect(options?.secureJsonData).toEqual({ apiKey: 'ul_admin_typed-secret' });
    expect(JSON.stringify(options?.jsonData)).not.toContain('typed-secret');
    await page.close();
  });

  it('never renders a saved secret back: it shows "configured" and offers a reset', async () => {
    for (const mode of ['worker', 'sql']) {
      const page = await open(`editor=config&mode=${mode}&saved=1`);
      const field = page.getByTestId(mode === 'worker' ? 'api-key' : 'ae-token');
      expect(await field.inputValue()).toBe('configured');
      expect(await field.isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Reset' }).isVisible()).toBe(true);
      // Nothing in the page, its storage or its inputs holds a secret.
      const html = await page.content();
      expect(html).not.toMatch(/ul_admin_[A-Za-z0-9_-]{10,}|local-dev-token/);
      const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
      expect(storage).not.toMatch(/ul_admin_|token/i);
      await page.close();
    }
  });
});

describe('variable editor', () => {
  it('lists users, orgs or events', async () => {
    const page = await open('editor=variable');
    await choose(page, 'Orgs');
    expect(await page.evaluate(() => window.__harness.variable)).toEqual({ refId: 'UsageVariable', kind: 'orgs' });
    await page.close();
  });
});
