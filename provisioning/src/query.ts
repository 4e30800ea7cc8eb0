/**
 * The Usage Lens query as the foundation SDK's dashboards and alert rules take it: a cog Dataquery
 * variant whose fields are the contract's query model, the one the plugin's editors and backend read.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { GroupBy, Metric, QueryType, SqlFormat, UsageEvent, UsageQueryModel } from '@usage-lens/contract';
import { DATASOURCES } from './config.ts';

export interface UsageQuery extends UsageQueryModel {
  refId?: string;
  hide?: boolean;
  datasource?: { type: string; uid: string };
  queryType: QueryType;
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

  groupBy(groupBy: GroupBy): this {
    this.internal.groupBy = groupBy;
    return this;
  }

  metric(metric: Metric): this {
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

  minEvents(minEvents: number): this {
    this.internal.minEvents = minEvents;
    return this;
  }

  minOverLimit(minOverLimit: number): this {
    this.internal.minOverLimit = minOverLimit;
    return this;
  }

  headroom(headroom: number): this {
    this.internal.headroom = headroom;
    return this;
  }

  topN(topN: number): this {
    this.internal.topN = topN;
    return this;
  }

  rawSql(rawSql: string, format: SqlFormat = 'table'): this {
    this.internal.rawSql = rawSql;
    this.internal.format = format;
    return this;
  }
}
