import { CoreApp, DataSourceInstanceSettings, MetricFindValue, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { DEFAULT_QUERY, DEFAULT_SQL, UsageOptions, UsageQuery, VariableKind } from './types';
import { interpolateList, interpolateSql } from './variables';
import { UsageVariableSupport } from './variableSupport';

/** A thin layer over the Go backend: template variables in, queries out. */
export class DataSource extends DataSourceWithBackend<UsageQuery, UsageOptions> {
  readonly mode: UsageOptions['mode'];

  constructor(instanceSettings: DataSourceInstanceSettings<UsageOptions>) {
    super(instanceSettings);
    this.mode = instanceSettings.jsonData.mode ?? 'worker';
    this.variables = new UsageVariableSupport(this);
  }

  getDefaultQuery(_: CoreApp): Partial<UsageQuery> {
    return DEFAULT_QUERY;
  }

  applyTemplateVariables(query: UsageQuery, scopedVars: ScopedVars): UsageQuery {
    const templateSrv = getTemplateSrv();
    return {
      ...query,
      users: interpolateList(query.users, templateSrv, scopedVars),
      orgs: interpolateList(query.orgs, templateSrv, scopedVars),
      events: interpolateList(query.events, templateSrv, scopedVars),
      rawSql: query.rawSql === undefined ? undefined : interpolateSql(query.rawSql, templateSrv, scopedVars),
    };
  }

  filterQuery(query: UsageQuery): boolean {
    if (query.hide) {
      return false;
    }
    return query.queryType !== 'sql' || !!query.rawSql?.trim();
  }

  /** Values for users (id, shown by name), orgs or events variables, from the backend's resources. */
  async findValues(kind: VariableKind): Promise<MetricFindValue[]> {
    const options: Array<{ value: string; text: string }> = await this.getResource(kind);
    return options.map((o) => ({ value: o.value, text: o.text || o.value }));
  }

  /** Options for the editors' pickers; failures leave the picker empty rather than break the editor. */
  async listOptions(kind: VariableKind): Promise<Array<{ value: string; label: string }>> {
    try {
      const options: Array<{ value: string; text: string }> = await this.getResource(kind);
      return options.map((o) => ({ value: o.value, label: o.text || o.value }));
    } catch {
      return [];
    }
  }

  defaultSql(): string {
    return DEFAULT_SQL;
  }
}
