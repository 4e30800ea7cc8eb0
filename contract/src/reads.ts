/**
 * The reads behind every usage answer. Each read is one SQL query, which AE bills as one read query
 * whatever it returns, so answers are built from a small, fixed set of reads whose results stay small
 * however many users there are: totals as totals, organisations without users, a page of ranked
 * users, and time buckets split by only the few users (or organisations) a panel shows.
 *
 * The worker runs these reads through the Analytics SQL binding; the Grafana plugin in sql mode runs
 * the same reads against AE's SQL API. Both turn the rows into the same results, pinned by the shared
 * fixtures in contract/fixtures/reads.json. Column aliases are neutral words, never SQL keywords.
 */
import { USAGE_EVENTS, type UsageEvent } from './events.ts';

export const READ_KINDS = ['totals', 'orgs', 'users', 'series'] as const;
export type ReadKind = (typeof READ_KINDS)[number];

/** The alias of an event's own count column, e.g. `e_sync`. */
export const eventColumn = (event: UsageEvent) => `e_${event}`;

/** Column aliases each read returns. */
export const READ_COLUMNS = {
  totals: ['events', 'errors', 'over_limit', 'users', ...USAGE_EVENTS.map(eventColumn)],
  orgs: ['org', 'events', 'errors', 'users'],
  users: ['uid', 'events', 'errors', 'over_limit', ...USAGE_EVENTS.map(eventColumn)],
  series: ['bucket', 'event', 'status', 'split', 'events', 'over_limit'],
} as const;

/** What the users read can be ordered by; `name` and `email` only where the app's user table is. */
export const USER_SORTS = ['total', 'errors', ...USAGE_EVENTS, 'id', 'name', 'email'] as const;
export type UserSort = (typeof USER_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** A series splits its buckets by user or by organisation, for the few it names. */
export const SERIES_SPLITS = ['user', 'org'] as const;
export type SeriesSplit = (typeof SERIES_SPLITS)[number];

export const READ_LIMITS = {
  /** Users per page: the default, and the most one page may hold (a full page stays far under 1 MB). */
  defaultPageSize: 100,
  maxPageSize: 1_000,
  /**
   * Users one page may hold when `minEvents` keeps only users over a bound (an alert rule's read):
   * every user that could fire must come back in the one read of an evaluation tick.
   */
  maxThresholdPageSize: 10_000,
  maxOffset: 1_000_000,
  /** Users the plugin ranks to fill a per-user table and choose the users its series show. */
  rankedUsers: 100,
  /** Users or organisations one series read splits out; the rest is summed under `""`. */
  maxSeriesSplit: 50,
  /** Sorting by name or email joins every active user with the user table: up to this many. */
  maxNameSortUsers: 10_000,
  /** Organisations one orgs read returns. */
  maxOrgs: 1_000,
  /** Distinct HTTP statuses assumed per event and bucket when estimating a read's size. */
  statusesPerEvent: 4,
  maxSearchLength: 100,
  /** Users a search (`q`) may match in the app's user table before it asks to be narrowed. */
  maxSearchMatches: 1_000,
} as const;

/** Window totals, over every user in the window whatever the page. */
export interface UsageTotals {
  events: number;
  /** Calls with an HTTP status of 400 or more. */
  errors: number;
  /** Calls over their rate limit (observed or refused). */
  overLimit: number;
  activeUsers: number;
  byEvent: Record<UsageEvent, number>;
}

export interface OrgUsage {
  /** `""` for users in no organisation. */
  id: string;
  name: string | null;
  total: number;
  errors: number;
  users: number;
}

export interface UserUsage {
  id: string;
  name: string | null;
  email: string | null;
  total: number;
  errors: number;
  overLimit: number;
  events: Record<UsageEvent, number>;
}

/** The names of the users or organisations a series splits out, where the app knows them. */
export type SplitNames = Record<string, string>;

/** One cell of a series read: a bucket start, an event, a status and the split value. */
export interface SeriesBucket {
  time: string;
  event: UsageEvent | string;
  status: number;
  /** The user or organisation id when it is one of those asked for, else `""`. */
  split: string;
  total: number;
  overLimit: number;
}
