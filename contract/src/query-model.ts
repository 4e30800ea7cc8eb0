/**
 * The Grafana data source's query model: what a panel or alert rule asks the plugin for. The
 * editors, the Go backend and the provisioned dashboards and rules all use these names.
 */

export const QUERY_TYPES = [
  { value: 'users', label: 'Per-user table', description: 'The busiest users: total and one column per event' },
  { value: 'totals', label: 'Totals', description: 'Total events and active users; with a metric, that one number (for alert rules)' },
  { value: 'timeseries', label: 'Time series', description: 'Events or errors over time by event, user, org or status' },
  { value: 'status', label: 'Status breakdown', description: 'Events by HTTP status' },
  { value: 'orgs', label: 'Per-org table', description: 'Events, errors and active users by organisation' },
  { value: 'perUser', label: 'Per-user values', description: 'One number per user over the range, labelled by user (for alert rules)' },
  { value: 'cost', label: 'AE writes and cost', description: 'Writes per day against the free tier, projected monthly cost' },
  { value: 'limits', label: 'Limits', description: 'Recommended per-minute and per-day limits per event from history, beside the configured ones (worker mode)' },
  { value: 'sql', label: 'Raw SQL', description: 'Analytics Engine SQL with macros (sql mode)' },
] as const;
export type QueryType = (typeof QUERY_TYPES)[number]['value'];

/** Time series dimensions; `total` is one series of everything. */
export const GROUP_BYS = [
  { value: 'event', label: 'Event' },
  { value: 'user', label: 'User' },
  { value: 'org', label: 'Org' },
  { value: 'status', label: 'Status' },
  { value: 'total', label: 'Total' },
] as const;
export type GroupBy = (typeof GROUP_BYS)[number]['value'];

/**
 * Time series metrics: events, errors (status ≥ 400), errors / events per bucket, calls over their
 * rate limit (observed or refused) and calls refused for it (429).
 */
export const METRICS = [
  { value: 'events', label: 'Events' },
  { value: 'errors', label: 'Errors (status ≥ 400)' },
  { value: 'error_rate', label: 'Error rate' },
  { value: 'over_limit', label: 'Over the limit' },
  { value: 'throttled', label: 'Throttled (429)' },
] as const;
export type Metric = (typeof METRICS)[number]['value'];

/** How raw SQL results become frames. */
export const SQL_FORMATS = [
  { value: 'table', label: 'Table' },
  { value: 'time_series', label: 'Time series' },
] as const;
export type SqlFormat = (typeof SQL_FORMATS)[number]['value'];

/** What an unset field means. */
export const QUERY_DEFAULTS = {
  queryType: 'users',
  groupBy: 'event',
  metric: 'events',
  format: 'table',
} as const satisfies { queryType: QueryType; groupBy: GroupBy; metric: Metric; format: SqlFormat };

/** A panel query, as JSON (Grafana adds refId, datasource and hide). */
export interface UsageQueryModel {
  queryType?: QueryType;
  groupBy?: GroupBy;
  metric?: Metric;
  /** Filters; elements may be template variables such as `$user` (multi-value). */
  users?: string[];
  orgs?: string[];
  events?: string[];
  /** Keep the N biggest users, organisations or series; 0 or unset keeps the default. */
  topN?: number;
  /**
   * perUser: only users with at least this many events in the range, or (with minOverLimit) at least
   * that many calls over their limit (SQL HAVING, either bound).
   */
  minEvents?: number;
  minOverLimit?: number;
  /** limits: the headroom over the 99th percentile (default 2). */
  headroom?: number;
  rawSql?: string;
  format?: SqlFormat;
}
