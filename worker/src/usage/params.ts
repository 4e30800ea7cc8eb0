/**
 * The usage API's query string, validated: every failure is a 400 naming the parameter. Values that
 * reach SQL are checked here and then travel as bound parameters (read-sql.ts), never as SQL text.
 */
import { FieldError } from '../errors.ts';
import { parseIso8601 } from '../body.ts';
import {
  AE_LIMITS,
  GROUP_DIMS,
  RECOMMENDATION,
  isUsageEvent,
  PERIODS,
  READ_LIMITS,
  SERIES_SPLITS,
  SORT_ORDERS,
  USAGE_EVENTS,
  USAGE_LIMITS,
  USER_SORTS,
  type GroupDim,
  type Period,
  type SeriesSplit,
  type SortOrder,
  type UsageEvent,
  type UserSort,
} from '@usage-lens/contract';

export interface UsageParams {
  /** Epoch milliseconds, inclusive. */
  from: number;
  /** Epoch milliseconds, exclusive. */
  to: number;
  period: Period | null;
  /** Bucket width in seconds, or null for no time buckets. */
  interval: number | null;
  users: string[];
  orgs: string[];
  events: UsageEvent[];
  group: GroupDim[];
}

const KNOWN = new Set(['period', 'from', 'to', 'interval', 'user', 'org', 'event', 'group']);
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** A window ends no later than a day from now: later ends are typos, and far ones overflow Date. */
const MAX_FUTURE_MS = 86_400_000;

function parseTime(name: string, raw: string, now: number): number {
  // The same strict reading as a time in a request body (readInstant); in a URL also whole epoch ms.
  const ms = /^\d{1,16}$/.test(raw) ? Number(raw) : parseIso8601(raw);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new FieldError(name, 'must be an ISO 8601 date or time with a zone (e.g. 2026-11-28T10:00:00Z), or epoch milliseconds');
  }
  if (ms > now + MAX_FUTURE_MS) throw new FieldError(name, 'must not be more than a day in the future');
  return ms;
}

function parseInterval(raw: string): number {
  const match = /^(\d{1,9})([smhd])?$/.exec(raw.trim());
  if (!match) throw new FieldError('interval', 'must be seconds or a duration such as 15m, 1h, 1d');
  return Number(match[1]) * UNITS[match[2] ?? 's'];
}

/** Enumerated parameters take repeats and comma lists; ids take repeats only (ids may hold commas). */
function listOf(query: URLSearchParams, name: string, splitCommas: boolean): string[] {
  const values = query.getAll(name).flatMap((v) => (splitCommas ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v]));
  if (values.length > USAGE_LIMITS.maxFilterValues) {
    throw new FieldError(name, `at most ${USAGE_LIMITS.maxFilterValues} values`);
  }
  return [...new Set(values)];
}

/**
 * The window, filters, buckets and breakdown every usage answer takes. `also` names the further
 * parameters the caller's endpoint accepts (paging, series); anything else is refused.
 */
export function parseUsageParams(query: URLSearchParams, now = Date.now(), also: readonly string[] = []): UsageParams {
  for (const name of query.keys()) {
    if (!KNOWN.has(name) && !also.includes(name)) {
      throw new FieldError(name, `unknown parameter; expected one of ${[...KNOWN, ...also].join(', ')}`);
    }
  }
  for (const name of ['period', 'from', 'to', 'interval']) {
    if (query.getAll(name).length > 1) throw new FieldError(name, 'give it once');
  }

  const rawPeriod = query.get('period');
  const rawFrom = query.get('from');
  const rawTo = query.get('to');
  let period: Period | null = null;
  let from: number;
  let to: number;
  if (rawPeriod !== null) {
    if (!Object.hasOwn(PERIODS, rawPeriod)) throw new FieldError('period', `must be one of ${Object.keys(PERIODS).join(', ')}`);
    if (rawFrom !== null) throw new FieldError('period', 'give period or from/to, not both');
    period = rawPeriod as Period;
    to = rawTo !== null ? parseTime('to', rawTo, now) : now;
    from = to - PERIODS[period] * 1000;
  } else {
    to = rawTo !== null ? parseTime('to', rawTo, now) : now;
    if (rawFrom !== null) {
      from = parseTime('from', rawFrom, now);
    } else {
      period = '24h';
      from = to - PERIODS[period] * 1000;
    }
  }
  // A period ending at an early `to` would start before 1970; name what the caller gave.
  if (from < 0) throw new FieldError(rawFrom === null ? 'to' : 'from', 'the window would start before 1970-01-01');
  if (from >= to) throw new FieldError('from', 'must be before to');
  if (to - from > USAGE_LIMITS.maxWindowSeconds * 1000) {
    throw new FieldError('from', `the window may span at most ${USAGE_LIMITS.maxWindowSeconds / 86_400} days`);
  }

  let interval: number | null = null;
  const rawInterval = query.get('interval');
  if (rawInterval !== null) {
    interval = parseInterval(rawInterval);
    if (interval < USAGE_LIMITS.minIntervalSeconds) {
      throw new FieldError('interval', `must be at least ${USAGE_LIMITS.minIntervalSeconds} seconds`);
    }
    const buckets = Math.ceil((to - from) / 1000 / interval);
    if (buckets > USAGE_LIMITS.maxBuckets) {
      throw new FieldError('interval', `gives ${buckets} buckets over this window; at most ${USAGE_LIMITS.maxBuckets}`);
    }
  }

  const encoder = new TextEncoder();
  const users = listOf(query, 'user', false);
  for (const user of users) {
    if (encoder.encode(user).byteLength > AE_LIMITS.maxIndexBytes) {
      throw new FieldError('user', `user ids are at most ${AE_LIMITS.maxIndexBytes} bytes`);
    }
  }
  const orgs = listOf(query, 'org', false);
  if (orgs.some((o) => o.length > USAGE_LIMITS.maxOrgLength)) {
    throw new FieldError('org', `org ids are at most ${USAGE_LIMITS.maxOrgLength} characters`);
  }
  const events = listOf(query, 'event', true);
  const unknownEvent = events.find((e) => !isUsageEvent(e));
  if (unknownEvent !== undefined) {
    throw new FieldError('event', `unknown event ${JSON.stringify(unknownEvent)}; expected ${USAGE_EVENTS.join(', ')}`);
  }
  const group = listOf(query, 'group', true);
  const unknownDim = group.find((g) => !(GROUP_DIMS as readonly string[]).includes(g));
  if (unknownDim !== undefined) {
    throw new FieldError('group', `unknown dimension ${JSON.stringify(unknownDim)}; expected ${GROUP_DIMS.join(', ')}`);
  }

  return {
    from,
    to,
    period,
    interval,
    users,
    orgs,
    events: events as UsageEvent[],
    group: GROUP_DIMS.filter((d) => group.includes(d)),
  };
}

/** A whole number within bounds, given at most once; `fallback` when absent. */
function integer(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const values = query.getAll(name);
  if (values.length === 0) return fallback;
  if (values.length > 1) throw new FieldError(name, 'give it once');
  const raw = values[0].trim();
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FieldError(name, `must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`);
  }
  return value;
}

function oneOf<T extends string>(query: URLSearchParams, name: string, options: readonly T[], fallback: T): T {
  const values = query.getAll(name);
  if (values.length === 0) return fallback;
  if (values.length > 1) throw new FieldError(name, 'give it once');
  if (!(options as readonly string[]).includes(values[0])) throw new FieldError(name, `must be one of ${options.join(', ')}`);
  return values[0] as T;
}

export interface PageParams {
  sort: UserSort;
  order: SortOrder;
  limit: number;
  offset: number;
  /** Search in names, emails and ids; null for none. */
  q: string | null;
  /** Only users with at least this many events (0: everyone). */
  minEvents: number;
  /** Also (OR) users with at least this many calls over their limit (0: no such bound). */
  minOverLimit: number;
}

export const PAGE_PARAMS = ['sort', 'order', 'limit', 'offset', 'q', 'minEvents', 'minOverLimit'] as const;

/** Counts sort busiest first; ids, names and emails alphabetically. */
const defaultOrder = (sort: UserSort): SortOrder => (sort === 'id' || sort === 'name' || sort === 'email' ? 'asc' : 'desc');

export function parsePageParams(query: URLSearchParams): PageParams {
  const sort = oneOf(query, 'sort', USER_SORTS, 'total');
  const order = oneOf(query, 'order', SORT_ORDERS, defaultOrder(sort));
  const minEvents = integer(query, 'minEvents', 0, Number.MAX_SAFE_INTEGER, 0);
  const minOverLimit = integer(query, 'minOverLimit', 0, Number.MAX_SAFE_INTEGER, 0);
  // A read bounded by minEvents / minOverLimit (an alert rule's) may return more per page: every user over a bound.
  const maxLimit = minEvents > 0 || minOverLimit > 0 ? READ_LIMITS.maxThresholdPageSize : READ_LIMITS.maxPageSize;
  const { limit, offset } = parsePaging(query, { defaultLimit: READ_LIMITS.defaultPageSize, maxLimit });
  return { sort, order, limit, offset, q: parseSearch(query), minEvents, minOverLimit };
}

/**
 * `limit` (1 to `maxLimit`) and `offset` (0 to READ_LIMITS.maxOffset): the paging of every paged
 * admin answer (usage users, the users list).
 */
export function parsePaging(query: URLSearchParams, bounds: { defaultLimit: number; maxLimit: number }): { limit: number; offset: number } {
  return {
    limit: integer(query, 'limit', 1, bounds.maxLimit, bounds.defaultLimit),
    offset: integer(query, 'offset', 0, READ_LIMITS.maxOffset, 0),
  };
}

/** `q`, a search in names, emails and ids: trimmed, null when absent or blank. */
export function parseSearch(query: URLSearchParams): string | null {
  const qs = query.getAll('q');
  if (qs.length > 1) throw new FieldError('q', 'give it once');
  const q = qs.length ? qs[0].trim() : '';
  if (q === '') return null;
  if ([...q].length > READ_LIMITS.maxSearchLength) throw new FieldError('q', `at most ${READ_LIMITS.maxSearchLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(q)) throw new FieldError('q', 'must not contain control characters');
  return q;
}

/** Refuses any parameter but `known`, naming it. */
export function refuseUnknown(query: URLSearchParams, known: readonly string[]): void {
  for (const name of query.keys()) {
    if (!known.includes(name)) throw new FieldError(name, `unknown parameter; expected one of ${known.join(', ')}`);
  }
}

export interface SeriesParams {
  interval: number;
  split: SeriesSplit;
  /** The users or organisations whose buckets stay apart; everyone else is summed under "". */
  top: string[];
}

export const SERIES_PARAMS = ['split', 'top'] as const;

/** A series needs buckets: `interval` is required here, and `top` ids are checked like filters. */
export function parseSeriesParams(query: URLSearchParams, params: UsageParams): SeriesParams {
  if (params.interval === null) throw new FieldError('interval', 'a series needs an interval, e.g. 1h');
  const split = oneOf(query, 'split', SERIES_SPLITS, 'user');
  const top = [...new Set(query.getAll('top'))];
  if (top.length > READ_LIMITS.maxSeriesSplit) throw new FieldError('top', `at most ${READ_LIMITS.maxSeriesSplit} ids`);
  const encoder = new TextEncoder();
  const maxBytes = split === 'user' ? AE_LIMITS.maxIndexBytes : USAGE_LIMITS.maxOrgLength;
  if (top.some((id) => encoder.encode(id).byteLength > maxBytes)) throw new FieldError('top', `${split} ids are at most ${maxBytes} bytes`);
  return { interval: params.interval, split, top };
}

export function parseOrgsLimit(query: URLSearchParams): number {
  return integer(query, 'limit', 1, READ_LIMITS.maxOrgs, READ_LIMITS.maxOrgs);
}

export interface LimitsParams {
  period: (typeof RECOMMENDATION.periods)[number];
  /** Events to recommend for; all five when none is given. */
  events: UsageEvent[];
  /** What p99 is multiplied by. */
  headroom: number;
}

const LIMITS_KNOWN = ['period', 'event', 'headroom'];

/** GET /api/admin/limits: `period` (7d or 30d), `event` (repeat or comma list), `headroom` (1 to 10). */
export function parseLimitsParams(query: URLSearchParams): LimitsParams {
  for (const name of query.keys()) {
    if (!LIMITS_KNOWN.includes(name)) throw new FieldError(name, `unknown parameter; expected one of ${LIMITS_KNOWN.join(', ')}`);
  }
  const period = oneOf(query, 'period', RECOMMENDATION.periods, RECOMMENDATION.defaultPeriod);
  const events = listOf(query, 'event', true);
  const unknownEvent = events.find((e) => !isUsageEvent(e));
  if (unknownEvent !== undefined) {
    throw new FieldError('event', `unknown event ${JSON.stringify(unknownEvent)}; expected ${USAGE_EVENTS.join(', ')}`);
  }
  const headrooms = query.getAll('headroom');
  if (headrooms.length > 1) throw new FieldError('headroom', 'give it once');
  let headroom: number = RECOMMENDATION.defaultHeadroom;
  if (headrooms.length === 1) {
    const raw = headrooms[0].trim();
    headroom = /^\d{1,2}(?:\.\d{1,3})?$/.test(raw) ? Number(raw) : NaN;
    if (!(headroom >= RECOMMENDATION.minHeadroom && headroom <= RECOMMENDATION.maxHeadroom)) {
      throw new FieldError('headroom', `must be a number from ${RECOMMENDATION.minHeadroom} to ${RECOMMENDATION.maxHeadroom}, e.g. 2 or 1.5`);
    }
  }
  return { period, events: USAGE_EVENTS.filter((e) => events.includes(e)), headroom };
}
