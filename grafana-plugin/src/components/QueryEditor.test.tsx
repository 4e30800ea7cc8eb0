import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { DEFAULT_SQL, QUERY_TYPES, QueryType, UsageQuery } from '../types';

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

type Fields = {
  filters: 'all' | 'events' | 'none';
  groupBy: boolean;
  metric: boolean;
  topN: boolean;
  minEvents: boolean;
  headroom: boolean;
  sql: boolean;
};
const no = { groupBy: false, metric: false, topN: false, minEvents: false, headroom: false, sql: false };

describe('QueryEditor shows each query type its fields', () => {
  it.each<[QueryType, Fields]>([
    ['users', { ...no, filters: 'all', topN: true }],
    ['totals', { ...no, filters: 'all', metric: true }],
    ['timeseries', { ...no, filters: 'all', groupBy: true, metric: true, topN: true }],
    ['status', { ...no, filters: 'all' }],
    ['orgs', { ...no, filters: 'all', topN: true }],
    ['perUser', { ...no, filters: 'all', metric: true, minEvents: true }],
    ['cost', { ...no, filters: 'all' }],
    ['limits', { ...no, filters: 'events', headroom: true }],
    ['sql', { ...no, filters: 'none', sql: true }],
  ])('%s', async (queryType, want) => {
    await renderEditor({ refId: 'A', queryType, rawSql: queryType === 'sql' ? 'SELECT 1' : undefined });
    expect(shows('filter-users') && shows('filter-orgs')).toBe(want.filters === 'all');
    expect(shows('filter-events')).toBe(want.filters !== 'none');
    expect(shows('timeseries-options')).toBe(want.groupBy);
    expect(shows('metric')).toBe(want.metric);
    expect(shows('top-n')).toBe(want.topN);
    expect(shows('min-events')).toBe(want.minEvents);
    expect(shows('min-over-limit')).toBe(want.minEvents);
    expect(shows('headroom')).toBe(want.headroom);
    expect(shows('raw-sql')).toBe(want.sql);
  });

  it('offers every query type of the contract', async () => {
    await renderEditor({ refId: 'A', queryType: 'users' });
    for (const { label } of QUERY_TYPES) {
      expect(screen.getByRole('radio', { name: label })).toBeInTheDocument();
    }
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
    expect(onChange).toHaveBeenCalledWith(
      expect.objectContaining({ queryType: 'sql', rawSql: expect.stringContaining('$__timeFilter') })
    );
  });
});

it('shows no warning in sql mode', async () => {
  await renderEditor({ refId: 'A', queryType: 'sql', rawSql: 'SELECT 1' }, 'sql');
  expect(screen.queryByText('Raw SQL needs sql mode')).toBeNull();
});

describe('per-user values (alert rules)', () => {
  it('writes the metric and the minimum of events into the query', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'perUser' });
    screen.getByRole('radio', { name: 'Error rate' }).click();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'perUser', metric: 'error_rate' }));
    fireEvent.change(screen.getByLabelText('Minimum events'), { target: { value: '20' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ minEvents: 20 }));
  });

  it('drops the minimum when the field is emptied', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'perUser', minEvents: 20 });
    expect(screen.getByLabelText('Minimum events')).toHaveValue(20);
    fireEvent.change(screen.getByLabelText('Minimum events'), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ minEvents: undefined }));
  });

  it('shows the default metric, events, when the query has none', async () => {
    await renderEditor({ refId: 'A', queryType: 'perUser' });
    expect(screen.getByRole('radio', { name: 'Events' })).toBeChecked();
  });

  it('writes the minimum of calls over the limit and the over-limit metrics into the query', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'perUser', minEvents: 20 });
    fireEvent.change(screen.getByLabelText('Minimum calls over the limit'), { target: { value: '1' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ minEvents: 20, minOverLimit: 1 }));
    screen.getByRole('radio', { name: 'Over the limit' }).click();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ metric: 'over_limit' }));
    screen.getByRole('radio', { name: 'Throttled (429)' }).click();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ metric: 'throttled' }));
  });
});

describe('limits', () => {
  it('takes a headroom, a positive number, or none for the worker default', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'limits', headroom: 3 });
    expect(screen.getByLabelText('Headroom')).toHaveValue(3);
    fireEvent.change(screen.getByLabelText('Headroom'), { target: { value: '2.5' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'limits', headroom: 2.5 }));
    fireEvent.change(screen.getByLabelText('Headroom'), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ headroom: undefined }));
    fireEvent.change(screen.getByLabelText('Headroom'), { target: { value: '-1' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ headroom: undefined }));
  });

  it('warns that limits need worker mode in sql mode only', async () => {
    await renderEditor({ refId: 'A', queryType: 'limits' }, 'sql');
    expect(screen.getByText('Limits need worker mode')).toBeInTheDocument();
  });

  it('shows no warning in worker mode', async () => {
    await renderEditor({ refId: 'A', queryType: 'limits' }, 'worker');
    expect(screen.queryByText('Limits need worker mode')).toBeNull();
  });
});

describe('totals', () => {
  it('is the summary of events and active users unless a metric is chosen', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'totals' });
    expect(screen.getByRole('radio', { name: 'Events and active users' })).toBeChecked();
    screen.getByRole('radio', { name: 'Errors (status ≥ 400)' }).click();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'totals', metric: 'errors' }));
  });

  it('goes back to the summary by dropping the metric', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'totals', metric: 'events' });
    screen.getByRole('radio', { name: 'Events and active users' }).click();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ metric: undefined }));
  });

  it('starts as the summary when switched to from a query with the default metric', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'users', metric: 'events' });
    screen.getByRole('radio', { name: 'Totals' }).click();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'totals', metric: undefined }));
  });
});

describe('the starting raw SQL', () => {
  it('aliases no reserved word (time, user), groups by what it selects', () => {
    const aliases = [...DEFAULT_SQL.matchAll(/\bAS\s+(\w+)/gi)].map((m) => m[1].toLowerCase());
    expect(aliases).toEqual(['bucket', 'event', 'events']);
    expect(aliases).not.toContain('time');
    expect(DEFAULT_SQL).toMatch(/GROUP BY bucket, event\s+ORDER BY bucket/);
  });
});

it('keeps Top N a whole number of at least 0', async () => {
  const { onChange } = await renderEditor({ refId: 'A', queryType: 'orgs' });
  fireEvent.change(screen.getByLabelText('Top N'), { target: { value: '10' } });
  expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'orgs', topN: 10 }));
  fireEvent.change(screen.getByLabelText('Top N'), { target: { value: '-3' } });
  expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ topN: 0 }));
});
