/**
 * /api/admin/usage and its reads. The admin console and API users ask `/usage` (totals and a page of
 * users); the Grafana plugin asks the reads one by one (`/usage/totals`, `/orgs`, `/users`,
 * `/series`), each answered by exactly one SQL read, so its cache can share them across panels.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { requireAdmin } from '../auth/require-admin.ts';
import { waitUntil } from '../context.ts';
import { FieldError } from '../errors.ts';
import {
  PAGE_PARAMS,
  SERIES_PARAMS,
  parseOrgsLimit,
  parsePageParams,
  parseSeriesParams,
  parseUsageParams,
} from '../usage/params.ts';
import {
  datasetOf,
  queryUsage,
  readsToday,
  usageOrgs,
  usagePage,
  usageSeries,
  usageTotals,
  windowOf,
  type ReadContext,
} from '../usage/query-usage.ts';

export const usage = new Hono<AppEnv>();
usage.use('*', requireAdmin);

const context = (c: Context<AppEnv>): ReadContext => ({ env: c.env, waitUntil: (p) => waitUntil(c, p) });

/**
 * The window and filters every read takes; `also` names the endpoint's own parameters. `group` and
 * `interval` belong to the endpoints that use them, and are refused elsewhere rather than ignored.
 */
function paramsOf(c: Context<AppEnv>, also: readonly string[], uses: { group?: boolean; interval?: boolean } = {}) {
  const query = new URL(c.req.url).searchParams;
  const params = parseUsageParams(query, Date.now(), also);
  if (!uses.group && query.has('group')) throw new FieldError('group', 'only /api/admin/usage breaks down by group');
  if (!uses.interval && query.has('interval')) throw new FieldError('interval', 'only /api/admin/usage and /api/admin/usage/series take an interval');
  return { query, params };
}

usage.get('/', async (c) => {
  const { query, params } = paramsOf(c, PAGE_PARAMS, { group: true, interval: true });
  return c.json(await queryUsage(context(c), params, parsePageParams(query)));
});

usage.get('/totals', async (c) => {
  const { params } = paramsOf(c, []);
  const [totals, reads] = await Promise.all([usageTotals(context(c), params), readsToday(c.env)]);
  return c.json({ window: windowOf(params), dataset: datasetOf(c.env), totals, reads });
});

usage.get('/orgs', async (c) => {
  const { query, params } = paramsOf(c, ['limit']);
  return c.json({ window: windowOf(params), dataset: datasetOf(c.env), orgs: await usageOrgs(context(c), params, parseOrgsLimit(query)) });
});

usage.get('/users', async (c) => {
  const { query, params } = paramsOf(c, PAGE_PARAMS);
  const { users, page } = await usagePage(context(c), params, parsePageParams(query));
  return c.json({ window: windowOf(params), dataset: datasetOf(c.env), users, page });
});

usage.get('/series', async (c) => {
  const { query, params } = paramsOf(c, SERIES_PARAMS, { interval: true });
  const series = parseSeriesParams(query, params);
  const { buckets, names } = await usageSeries(context(c), params, series);
  return c.json({ window: windowOf(params), dataset: datasetOf(c.env), interval: series.interval, split: series.split, names, buckets });
});
