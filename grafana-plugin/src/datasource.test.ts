import { DataSourceInstanceSettings } from '@grafana/data';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { DataSource } from './datasource';
import { UsageOptions } from './types';

const settings = { id: 1, uid: 'ul', type: 'usagelens-analytics-datasource', name: 'Usage Lens', jsonData: { mode: 'sql' } } as unknown as DataSourceInstanceSettings<UsageOptions>;

beforeAll(() => {
  setTemplateSrv({
    replace: (target: string, _scoped: unknown, format?: (v: string | string[], variable: unknown) => string) =>
      (target ?? '').replace('$user', () => (format ? format(['u1', 'u2'], { current: { value: ['u1', 'u2'] } }) : 'u1,u2')),
    getVariables: () => [],
  } as unknown as TemplateSrv);
});

describe('DataSource', () => {
  it('interpolates filters and raw SQL safely before the query leaves the browser', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables({ refId: 'A', queryType: 'timeseries', users: ['$user'], rawSql: 'SELECT 1 WHERE index1 IN ($user)' }, {});
    expect(q.users).toEqual(['u1', 'u2']);
    expect(q.rawSql).toBe("SELECT 1 WHERE index1 IN ('u1', 'u2')");
  });

  it('skips hidden queries and empty raw SQL', () => {
    const ds = new DataSource(settings);
    expect(ds.filterQuery({ refId: 'A', queryType: 'sql', rawSql: ' ' })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'users', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'users' })).toBe(true);
  });

  it('lists variable values from the backend resources', async () => {
    const ds = new DataSource(settings);
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue([{ value: 'u1', text: 'Ada' }, { value: 'u2', text: '' }]);
    expect(await ds.metricFindQuery({ kind: 'users' })).toEqual([
      { value: 'u1', text: 'Ada' },
      { value: 'u2', text: 'u2' },
    ]);
    expect(getResource).toHaveBeenCalledWith('users');
  });

  it('knows its mode, for the editors', () => {
    expect(new DataSource(settings).mode).toBe('sql');
    expect(new DataSource({ ...settings, jsonData: {} }).mode).toBe('worker');
  });
});
