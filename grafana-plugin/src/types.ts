/**
 * The query model and settings. The query model itself (types, group-bys, metrics, formats,
 * defaults) is the contract's, generated into contract.gen.ts; the Go backend reads the same names
 * from pkg/contract.
 */
import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import { QUERY_DEFAULTS, type QueryType, type UsageQueryModel } from './contract.gen';

export {
  EVENT_LABELS,
  GROUP_BYS,
  METRICS,
  QUERY_TYPES,
  SQL_FORMATS,
  USAGE_EVENTS,
  type GroupBy,
  type Metric,
  type QueryType,
  type SqlFormat,
  type UsageEvent,
} from './contract.gen';

export interface UsageQuery extends DataQuery, Omit<UsageQueryModel, 'queryType'> {
  queryType?: QueryType;
}

export { QUERY_DEFAULTS };

export const DEFAULT_QUERY: Partial<UsageQuery> = {
  queryType: QUERY_DEFAULTS.queryType,
  groupBy: QUERY_DEFAULTS.groupBy,
  metric: QUERY_DEFAULTS.metric,
};

/**
 * Raw SQL's starting query. Its aliases are neutral words: `time` (like `user`) is reserved in
 * standard SQL and AE's own examples avoid it; the result's time column is found by its DateTime
 * type, not its name.
 */
export const DEFAULT_SQL = `SELECT $__timeInterval AS bucket, blob1 AS event, SUM(_sample_interval) AS events
FROM $__dataset
WHERE $__timeFilter
GROUP BY bucket, event
ORDER BY bucket`;

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

/** A query variable's query: which values it lists. A DataQuery, as Grafana's variable support wants. */
export interface UsageVariableQuery extends DataQuery {
  kind: VariableKind;
}
