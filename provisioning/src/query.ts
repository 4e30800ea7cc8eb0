/**
 * The Usage Lens query as the foundation SDK's dashboards and alert rules take it: a cog
 * Dataquery variant with the same fields as grafana-plugin/src/types.ts.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { UsageEvent } from '@usage-lens/worker/schema';
import { DATASOURCES } from './config.ts';

export interface UsageQuery {
  refId?: string;
  hide?: boolean;
  datasource?: { type: string; uid: string };
  queryType: 'users' | 'totals' | 'timeseries' | 'status' | 'cost' | 'sql';
  groupBy?: 'event' | 'user' | 'org' | 'status' | 'total';
  metric?: 'events' | 'errors' | 'error_rate';
  users?: string[];
  orgs?: string[];
  events?: UsageEvent[];
  topN?: number;
  rawSql?: string;
  format?: 'table' | 'time_series';
  _implementsDataqueryVariant(): void;
}

export class UsageQueryBuilder implements Builder<Dataquery> {
  private readonly internal: UsageQuery;

  constructor(queryType: UsageQuery['queryType'], datasource: { type: string; uid: string } = DATASOURCES.worker) {
    this.internal = { queryType, datasource: { ...datasource }, _implementsDataqueryVariant() {} };
  }

  build(): UsageQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  groupBy(groupBy: NonNullable<UsageQuery['groupBy']>): this {
    this.internal.groupBy = groupBy;
    return this;
  }

  metric(metric: NonNullable<UsageQuery['metric']>): this {
    this.internal.metric = metric;
    return this;
  }

  users(users: string[]): this {
    this.internal.users = users;
    return this;
  }

  events(events: UsageEvent[]): this {
    this.internal.events = events;
    return this;
  }

  topN(topN: number): this {
    this.internal.topN = topN;
    return this;
  }

  rawSql(rawSql: string, format: NonNullable<UsageQuery['format']> = 'table'): this {
    this.internal.rawSql = rawSql;
    this.internal.format = format;
    return this;
  }
}
