/**
 * The query model and settings, shared by the editors and the Go backend (pkg/models: same JSON
 * field names). Events and their labels come from the one schema, worker/src/analytics/schema.ts.
 */
import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import { EVENT_LABELS, USAGE_EVENTS, type UsageEvent } from '@usage-lens/worker/schema';

export { EVENT_LABELS, USAGE_EVENTS, type UsageEvent };

export type QueryType = 'users' | 'totals' | 'timeseries' | 'status' | 'cost' | 'sql';
export type GroupBy = 'event' | 'user' | 'org' | 'status' | 'total';
export type Metric = 'events' | 'errors' | 'error_rate';
export type SqlFormat = 'table' | 'time_series';

export const QUERY_TYPES: Array<{ value: QueryType; label: string; description: string }> = [
  { value: 'users', label: 'Per-user table', description: 'User, total and one column per event' },
  { value: 'totals', label: 'Totals', description: 'Total events and active users' },
  { value: 'timeseries', label: 'Time series', description: 'Events or errors over time by event, user, org or status' },
  { value: 'status', label: 'Status breakdown', description: 'Events by HTTP status' },
  { value: 'cost', label: 'AE writes and cost', description: 'Writes per day against the free tier, projected monthly cost' },
  { value: 'sql', label: 'Raw SQL', description: 'Analytics Engine SQL with macros (sql mode)' },
];

export const GROUP_BYS: Array<{ value: GroupBy; label: string }> = [
  { value: 'event', label: 'Event' },
  { value: 'user', label: 'User' },
  { value: 'org', label: 'Org' },
  { value: 'status', label: 'Status' },
  { value: 'total', label: 'Total' },
];

export const METRICS: Array<{ value: Metric; label: string }> = [
  { value: 'events', label: 'Events' },
  { value: 'errors', label: 'Errors (status ≥ 400)' },
  { value: 'error_rate', label: 'Error rate' },
];

export interface UsageQuery extends DataQuery {
  queryType?: QueryType;
  groupBy?: GroupBy;
  metric?: Metric;
  /** Filters; elements may be template variables such as `$user` (multi-value). */
  users?: string[];
  orgs?: string[];
  events?: string[];
  /** Keep the N biggest users or series; 0 or unset keeps all. */
  topN?: number;
  rawSql?: string;
  format?: SqlFormat;
}

export const DEFAULT_QUERY: Partial<UsageQuery> = {
  queryType: 'users',
  groupBy: 'event',
  metric: 'events',
};

export const DEFAULT_SQL = `SELECT $__timeInterval AS time, blob1 AS event, SUM(_sample_interval) AS events
FROM $__dataset
WHERE $__timeFilter
GROUP BY time, event
ORDER BY time`;

export type Mode = 'worker' | 'sql';

/** Settings the browser may see. */
export interface UsageOptions extends DataSourceJsonData {
  mode?: Mode;
  workerUrl?: string;
  accountId?: string;
  dataset?: string;
  sqlApiBaseUrl?: string;
  timeoutSeconds?: number;
}

/** Secrets: written by the config editor, read only by the backend, never sent back. */
export interface UsageSecureJsonData {
  apiKey?: string;
  aeToken?: string;
}

export type VariableKind = 'users' | 'orgs' | 'events';

export interface UsageVariableQuery {
  kind: VariableKind;
}
