/**
 * The usage API's query string, validated: every failure is a 400 naming the parameter. Values
 * that reach SQL are checked here and escaped in sql.ts.
 */
import { FieldError } from '../errors.ts';
import { AE_LIMITS, GROUP_DIMS, isUsageEvent, PERIODS, USAGE_EVENTS, USAGE_LIMITS, type GroupDim, type Period, type UsageEvent } from '@usage-lens/contract';

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

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function parseTime(name: string, raw: string): number {
  // Date.parse alone accepts too much ("-5", "May 5"), so only these two shapes get to it.
  const ms = /^\d{1,16}$/.test(raw) ? Number(raw) : ISO_8601.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms) || ms < 0) throw new FieldError(name, 'must be an ISO 8601 date or epoch milliseconds');
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

export function parseUsageParams(query: URLSearchParams, now = Date.now()): UsageParams {
  for (const name of query.keys()) {
    if (!KNOWN.has(name)) throw new FieldError(name, `unknown parameter; expected one of ${[...KNOWN].join(', ')}`);
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
    to = rawTo !== null ? parseTime('to', rawTo) : now;
    from = to - PERIODS[period] * 1000;
  } else {
    to = rawTo !== null ? parseTime('to', rawTo) : now;
    if (rawFrom !== null) {
      from = parseTime('from', rawFrom);
    } else {
      period = '24h';
      from = to - PERIODS[period] * 1000;
    }
  }
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
