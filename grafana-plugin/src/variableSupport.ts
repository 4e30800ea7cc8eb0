/**
 * Query variables through Grafana's CustomVariableSupport: the variable editor is ours and values
 * come from `query()`. Scenes picks this runner once `datasource.variables` is set
 * (createQueryVariableRunner.ts in @grafana/scenes) and hands `query()` the variable's saved query
 * as `request.targets[0]`.
 */
import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, MetricFindValue } from '@grafana/data';
import { from, map, Observable } from 'rxjs';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import type { UsageVariableQuery, VariableKind } from './types';

const KINDS: VariableKind[] = ['users', 'orgs', 'events'];

/** The kind a saved variable asks for: the query object, or a bare string from older dashboards. */
export function variableKind(query: UsageVariableQuery | string | undefined): VariableKind {
  const kind = typeof query === 'string' ? query : query?.kind;
  return KINDS.includes(kind as VariableKind) ? (kind as VariableKind) : 'users';
}

export class UsageVariableSupport extends CustomVariableSupport<DataSource, UsageVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<UsageVariableQuery>): Observable<DataQueryResponse> {
    return from(this.datasource.findValues(variableKind(request.targets[0]))).pipe(map((values: MetricFindValue[]) => ({ data: values })));
  }
}
