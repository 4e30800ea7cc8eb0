import './testing/domForScenes';
import { DataQueryRequest, DataQueryResponse, DataSourceInstanceSettings, LoadingState, VariableSupportType } from '@grafana/data';
import { DataSourceSrv, setDataSourceSrv, setRunRequest, setTemplateSrv } from '@grafana/runtime';
import { EmbeddedScene, QueryVariable, SceneCanvasText, SceneTimeRange, SceneVariableSet } from '@grafana/scenes';
import { from, lastValueFrom, map } from 'rxjs';
import { DataSource } from './datasource';
import { sceneTemplateSrv } from './testing/sceneTemplateSrv';
import { UsageOptions, UsageVariableQuery } from './types';
import { variableKind } from './variableSupport';

const settings = { id: 1, uid: 'ul', type: 'usagelens-analytics-datasource', name: 'Usage Lens', jsonData: { mode: 'sql' } } as unknown as DataSourceInstanceSettings<UsageOptions>;
const USERS = [
  { value: 'u1', text: 'Ada' },
  { value: 'u2', text: '' },
];

beforeAll(() => setTemplateSrv(sceneTemplateSrv()));

describe('DataSource', () => {
  it('skips hidden queries and empty raw SQL', () => {
    const ds = new DataSource(settings);
    expect(ds.filterQuery({ refId: 'A', queryType: 'sql', rawSql: ' ' })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'users', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'users' })).toBe(true);
  });

  it('knows its mode, for the editors', () => {
    expect(new DataSource(settings).mode).toBe('sql');
    expect(new DataSource({ ...settings, jsonData: {} }).mode).toBe('worker');
  });
});

describe('variable support', () => {
  it('is CustomVariableSupport with our editor, and no legacy metricFindQuery', () => {
    const ds = new DataSource(settings);
    expect(ds.variables?.getType()).toBe(VariableSupportType.Custom);
    expect((ds.variables as unknown as { editor: unknown }).editor).toBeDefined();
    // Scenes would prefer the legacy runner if metricFindQuery existed without `variables`.
    expect((ds as unknown as { metricFindQuery?: unknown }).metricFindQuery).toBeUndefined();
  });

  it('query() lists values from the backend resource the variable asks for', async () => {
    const ds = new DataSource(settings);
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue(USERS);
    const support = ds.variables as unknown as { query: (r: DataQueryRequest<UsageVariableQuery>) => import('rxjs').Observable<{ data: unknown[] }> };
    const res = await lastValueFrom(support.query({ targets: [{ refId: 'V', kind: 'orgs' }] } as unknown as DataQueryRequest<UsageVariableQuery>));
    expect(getResource).toHaveBeenCalledWith('orgs');
    expect(res.data).toEqual([
      { value: 'u1', text: 'Ada' },
      { value: 'u2', text: 'u2' },
    ]);
  });

  it('reads older saved queries too', () => {
    expect(variableKind('events')).toBe('events');
    expect(variableKind({ refId: 'V', kind: 'orgs' })).toBe('orgs');
    expect(variableKind(undefined)).toBe('users');
    expect(variableKind('nonsense')).toBe('users');
  });

  /**
   * A real Scenes QueryVariable, as the provisioned User detail dashboard declares it, gets its
   * options through our CustomVariableSupport. Grafana core supplies two services here, restated:
   * the data source service (get by ref) and runRequest, which runs the support's query() and
   * hands its data on as the series (public/app/features/query/state/runRequest.ts).
   */
  it('fills a Scenes query variable with users by name, valued by id', async () => {
    const ds = new DataSource(settings);
    jest.spyOn(ds, 'getResource').mockResolvedValue(USERS);
    setDataSourceSrv({ get: async () => ds, getInstanceSettings: () => settings } as unknown as DataSourceSrv);
    setRunRequest((_ds, request, queryFn) =>
      from(queryFn!(request)).pipe(map((response: DataQueryResponse) => ({ state: LoadingState.Done, series: response.data, timeRange: request.range }))),
    );
    const user = new QueryVariable({ name: 'user', datasource: { uid: 'ul', type: settings.type }, query: { refId: 'UsageVariable', kind: 'users' } });
    const scene = new EmbeddedScene({ $timeRange: new SceneTimeRange(), $variables: new SceneVariableSet({ variables: [user] }), body: new SceneCanvasText({ text: '' }) });
    const deactivate = scene.activate();
    await lastValueFrom(user.validateAndUpdate());
    expect(user.state.options).toEqual([
      { label: 'Ada', value: 'u1' },
      { label: 'u2', value: 'u2' },
    ]);
    deactivate();
  });
});
