/**
 * The SQL of each read, in the Analytics SQL binding's dialect: the dataset as
 * `events.analyticsEngine.<dataset>`, a lower bound on `timestamp` in every query, COUNT and countIf
 * weighted by the service itself (so never SUM(_sample_interval) here), and every value the caller
 * gave as a bound `$name` parameter. Only LIMIT and OFFSET are written as numbers, because the dialect
 * takes nothing else there; they are whole numbers checked in params.ts.
 * (https://developers.cloudflare.com/analytics/sql-api/sql-reference/statements/,
 *  https://developers.cloudflare.com/analytics/sql-api/workers-binding/)
 */
import {
  AE_COLUMNS,
  ANALYTICS_SQL_DATASET_PREFIX,
  ERROR_STATUS,
  eventColumn,
  USAGE_EVENTS,
  type GroupDim,
  type SeriesSplit,
  type SortOrder,
  type UsageEvent,
} from '@usage-lens/contract';
import type { UsageParams } from './params.ts';

/** What the binding takes (`AnalyticsSQLQuery`), without the Workers types, so benches can send it too. */
export type SqlParameter = string | number | boolean | null;
export interface Read {
  query: string;
  params: Record<string, SqlParameter>;
}

const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Collects bound parameters and hands out their placeholders. */
class Statement {
  readonly params: Record<string, SqlParameter> = {};
  private next = 0;

  bind(value: string | number): string {
    const name = `p${this.next++}`;
    this.params[name] = value;
    return `$${name}`;
  }

  list(values: readonly (string | number)[]): string {
    return `(${values.map((v) => this.bind(v)).join(', ')})`;
  }

  read(lines: (string | false | null | undefined)[]): Read {
    return { query: lines.filter(Boolean).join('\n'), params: this.params };
  }
}

/** AE stores whole seconds: the end is rounded up so the newest second of the window is in. */
const iso = (ms: number) => new Date(ms).toISOString();
const endSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

function from(dataset: string): string {
  if (!DATASET.test(dataset)) throw new Error(`invalid dataset name ${JSON.stringify(dataset)}`);
  return `FROM ${ANALYTICS_SQL_DATASET_PREFIX}.${dataset}`;
}

export type Window = Pick<UsageParams, 'from' | 'to' | 'users' | 'orgs' | 'events'>;

function where(s: Statement, w: Window, extraUsers?: readonly string[]): string {
  const clauses = [
    `timestamp >= ${s.bind(iso(w.from))}`,
    `timestamp < ${s.bind(iso(endSecond(w.to)))}`,
    `${AE_COLUMNS.event} IN ${s.list(w.events.length ? w.events : USAGE_EVENTS)}`,
  ];
  if (w.users.length) clauses.push(`${AE_COLUMNS.userId} IN ${s.list(w.users)}`);
  if (extraUsers) clauses.push(`${AE_COLUMNS.userId} IN ${s.list(extraUsers)}`);
  if (w.orgs.length) clauses.push(`${AE_COLUMNS.orgId} IN ${s.list(w.orgs)}`);
  return `WHERE ${clauses.join(' AND ')}`;
}

const EVENTS = 'COUNT() AS events';
const errors = () => `countIf(${AE_COLUMNS.status} >= ${ERROR_STATUS}) AS errors`;
/** Calls over their rate limit: observed (let through) or refused (429). */
const OVER_CONDITION = `${AE_COLUMNS.overLimit} >= 1`;
const OVER = `countIf(${OVER_CONDITION}) AS over_limit`;
const USERS = `COUNT(DISTINCT ${AE_COLUMNS.userId}) AS users`;
const perEvent = (s: Statement) => USAGE_EVENTS.map((e) => `countIf(${AE_COLUMNS.event} = ${s.bind(e)}) AS ${eventColumn(e)}`);

/** One row: the window's events, errors, calls over their limit, active users and events by type. */
export function totalsRead(dataset: string, w: Window): Read {
  const s = new Statement();
  return s.read([`SELECT ${[EVENTS, errors(), OVER, USERS, ...perEvent(s)].join(', ')}`, from(dataset), where(s, w)]);
}

/** Organisations by events, without a user dimension. */
export function orgsRead(dataset: string, w: Window, limit: number): Read {
  const s = new Statement();
  return s.read([
    `SELECT ${AE_COLUMNS.orgId} AS org, ${EVENTS}, ${errors()}, ${USERS}`,
    from(dataset),
    where(s, w),
    'GROUP BY org',
    `ORDER BY events DESC, org ASC`,
    `LIMIT ${limit}`,
  ]);
}

/** How a users read is ordered: a count column, or the id. */
export type UsersOrder = { column: 'events' | 'errors' | UsageEvent | 'uid'; direction: SortOrder };

export interface UsersReadOptions {
  order: UsersOrder;
  /** null: every matching user (the caller bounds how many there can be). */
  limit: number | null;
  offset: number;
  minEvents: number;
  /** Also (OR) users with at least this many calls over their limit, however few their events (0: no bound). */
  minOverLimit?: number;
  /** Only these users (a search's matches), on top of the window's filters. */
  only?: readonly string[];
}

/**
 * Users at or over either bound: `events >= minEvents OR over >= minOverLimit`, each bound only when
 * it is above 0 (as the plugin's sql mode writes it). The dialect wants HAVING over aggregates, not
 * aliases.
 */
function having(s: Statement, o: UsersReadOptions): string | null {
  const bounds: string[] = [];
  if (o.minEvents > 0) bounds.push(`COUNT() >= ${s.bind(o.minEvents)}`);
  if (o.minOverLimit && o.minOverLimit > 0) bounds.push(`countIf(${OVER_CONDITION}) >= ${s.bind(o.minOverLimit)}`);
  return bounds.length ? `HAVING ${bounds.join(' OR ')}` : null;
}

/** Users ranked by a count (or by id), one page at a time. */
export function usersRead(dataset: string, w: Window, o: UsersReadOptions): Read {
  const s = new Statement();
  const column = o.order.column === 'uid' || o.order.column === 'events' || o.order.column === 'errors' ? o.order.column : eventColumn(o.order.column);
  const direction = o.order.direction.toUpperCase();
  return s.read([
    `SELECT ${AE_COLUMNS.userId} AS uid, ${[EVENTS, errors(), OVER, ...perEvent(s)].join(', ')}`,
    from(dataset),
    where(s, w, o.only),
    'GROUP BY uid',
    having(s, o),
    column === 'uid' ? `ORDER BY uid ${direction}` : `ORDER BY ${column} ${direction}, uid ASC`,
    o.limit !== null && `LIMIT ${o.limit}`,
    o.limit !== null && o.offset > 0 && `OFFSET ${o.offset}`,
  ]);
}

const bucket = (s: Statement, interval: number) =>
  `toUnixTimestamp(toStartOfInterval(timestamp, toIntervalSecond(${s.bind(interval)}))) AS bucket`;

/**
 * Buckets by event and status, with the named users (or organisations) apart and everyone else summed
 * under "": what every time series and status panel draws, whatever the number of users.
 */
export function seriesRead(dataset: string, w: Window, interval: number, split: SeriesSplit, top: readonly string[]): Read {
  const s = new Statement();
  const column = split === 'user' ? AE_COLUMNS.userId : AE_COLUMNS.orgId;
  const splitExpr = top.length ? `if(${column} IN ${s.list(top)}, ${column}, '') AS split` : `'' AS split`;
  return s.read([
    `SELECT ${bucket(s, interval)}, ${AE_COLUMNS.event} AS event, ${AE_COLUMNS.status} AS status, ${splitExpr}, ${EVENTS}, ${OVER}`,
    from(dataset),
    where(s, w),
    'GROUP BY bucket, event, status, split',
    'ORDER BY bucket, event, status, split',
  ]);
}

const DIM_COLUMNS: Record<GroupDim, { column: string; alias: string }> = {
  user: { column: AE_COLUMNS.userId, alias: 'uid' },
  event: { column: AE_COLUMNS.event, alias: 'event' },
  org: { column: AE_COLUMNS.orgId, alias: 'org' },
  status: { column: AE_COLUMNS.status, alias: 'status' },
};

/** The usage API's `group` / `interval` breakdown: counts by the asked dimensions (and buckets). */
export function breakdownRead(dataset: string, w: Window, interval: number | null, group: readonly GroupDim[]): Read {
  const s = new Statement();
  const dims = [...(interval !== null ? [bucket(s, interval)] : []), ...group.map((d) => `${DIM_COLUMNS[d].column} AS ${DIM_COLUMNS[d].alias}`)];
  const aliases = [...(interval !== null ? ['bucket'] : []), ...group.map((d) => DIM_COLUMNS[d].alias)];
  return s.read([
    `SELECT ${[...dims, EVENTS, errors()].join(', ')}`,
    from(dataset),
    where(s, w),
    aliases.length > 0 && `GROUP BY ${aliases.join(', ')}`,
    aliases.length > 0 && `ORDER BY ${aliases.join(', ')}`,
  ]);
}
