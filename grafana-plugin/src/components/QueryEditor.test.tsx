import React from 'react';
import { act, render, screen } from '@testing-library/react';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { QueryType, UsageQuery } from '../types';

async function renderEditor(query: UsageQuery, mode: 'worker' | 'sql' = 'worker') {
  const datasource = { mode, listOptions: jest.fn().mockResolvedValue([]) } as unknown as DataSource;
  const onChange = jest.fn();
  render(<QueryEditor query={query} onChange={onChange} onRunQuery={jest.fn()} datasource={datasource} />);
  // Let the option lists load.
  await act(async () => {});
  return { onChange, datasource };
}

beforeAll(() => setTemplateSrv({ getVariables: () => [{ name: 'user' }] } as unknown as TemplateSrv));

const shows = (testId: string) => screen.queryByTestId(testId) !== null;

describe('QueryEditor shows each query type its fields', () => {
  it.each<[QueryType, { filters: boolean; timeseries: boolean; topN: boolean; sql: boolean }]>([
    ['users', { filters: true, timeseries: false, topN: true, sql: false }],
    ['totals', { filters: true, timeseries: false, topN: false, sql: false }],
    ['timeseries', { filters: true, timeseries: true, topN: true, sql: false }],
    ['status', { filters: true, timeseries: false, topN: false, sql: false }],
    ['cost', { filters: true, timeseries: false, topN: false, sql: false }],
    ['sql', { filters: false, timeseries: false, topN: false, sql: true }],
  ])('%s', async (queryType, want) => {
    await renderEditor({ refId: 'A', queryType, rawSql: queryType === 'sql' ? 'SELECT 1' : undefined });
    expect(shows('filter-users') && shows('filter-orgs') && shows('filter-events')).toBe(want.filters);
    expect(shows('timeseries-options')).toBe(want.timeseries);
    expect(shows('top-n')).toBe(want.topN);
    expect(shows('raw-sql')).toBe(want.sql);
  });

  it('warns that raw SQL needs sql mode in worker mode only', async () => {
    await renderEditor({ refId: 'A', queryType: 'sql', rawSql: 'SELECT 1' }, 'worker');
    expect(screen.getByText('Raw SQL needs sql mode')).toBeInTheDocument();
  });

  it('loads user and org options from the data source', async () => {
    const { datasource } = await renderEditor({ refId: 'A', queryType: 'users' });
    expect(datasource.listOptions).toHaveBeenCalledWith('users');
    expect(datasource.listOptions).toHaveBeenCalledWith('orgs');
  });

  it('fills in a starting SQL query when switching to raw SQL', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'users' });
    screen.getByRole('radio', { name: 'Raw SQL' }).click();
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ queryType: 'sql', rawSql: expect.stringContaining('$__timeFilter') }));
  });
});

it('shows no warning in sql mode', async () => {
  await renderEditor({ refId: 'A', queryType: 'sql', rawSql: 'SELECT 1' }, 'sql');
  expect(screen.queryByText('Raw SQL needs sql mode')).toBeNull();
});
