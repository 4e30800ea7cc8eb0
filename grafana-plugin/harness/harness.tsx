/**
 * A page that renders the plugin's real editors with @grafana/ui, outside Grafana, for the
 * Chromium tests in e2e/. `?case=` picks the starting state; window.__harness exposes what the
 * editors last reported.
 */
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { DataSourceSettings } from '@grafana/data';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { ThemeContext } from '@grafana/ui';
import { createTheme } from '@grafana/data';
import { ConfigEditor } from '../src/components/ConfigEditor';
import { QueryEditor } from '../src/components/QueryEditor';
import { VariableQueryEditor } from '../src/components/VariableQueryEditor';
import type { DataSource } from '../src/datasource';
import {
  DEFAULT_QUERY,
  type UsageOptions,
  type UsageQuery,
  type UsageSecureJsonData,
  type UsageVariableQuery,
} from '../src/types';

type Options = DataSourceSettings<UsageOptions, UsageSecureJsonData>;

declare global {
  interface Window {
    __harness: { options?: Options; query?: UsageQuery; variable?: UsageVariableQuery; runs: number };
  }
}
window.__harness = { runs: 0 };

setTemplateSrv({
  getVariables: () => [{ name: 'user' }, { name: 'org' }],
  replace: (s: string) => s,
} as unknown as TemplateSrv);

const params = new URLSearchParams(location.search);
const saved = params.get('saved') === '1';
const baseOptions = {
  id: 1,
  uid: 'usage',
  name: 'Usage Lens',
  type: 'usagelens-analytics-datasource',
  access: 'proxy',
  jsonData: { mode: (params.get('mode') as UsageOptions['mode']) ?? 'worker', workerUrl: 'http://worker:8787' },
  // As Grafana sends a saved data source to the browser: secret flags, never secret values.
  secureJsonFields: saved ? { apiKey: true, aeToken: true } : {},
} as unknown as Options;

const fakeDatasource = {
  mode: params.get('mode') ?? 'worker',
  listOptions: async (kind: string) =>
    kind === 'users'
      ? [
          { value: 'u_ada', label: 'Ada Lovelace' },
          { value: 'u_grace', label: 'Grace Hopper' },
        ]
      : [{ value: 'org_1', label: 'Org One' }],
} as unknown as DataSource;

function ConfigHarness() {
  const [options, setOptions] = useState<Options>(baseOptions);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(next) => {
        window.__harness.options = next;
        setOptions(next);
      }}
    />
  );
}

function QueryHarness() {
  // A new panel's query, as Grafana makes it from the data source's getDefaultQuery().
  const [query, setQuery] = useState<UsageQuery>({ refId: 'A', ...DEFAULT_QUERY });
  return (
    <QueryEditor
      query={query}
      datasource={fakeDatasource}
      onChange={(next) => {
        window.__harness.query = next;
        setQuery(next);
      }}
      onRunQuery={() => window.__harness.runs++}
    />
  );
}

function VariableHarness() {
  const [query, setQuery] = useState<UsageVariableQuery>({ refId: 'UsageVariable', kind: 'users' });
  return (
    <VariableQueryEditor
      query={query}
      datasource={fakeDatasource}
      onRunQuery={() => window.__harness.runs++}
      onChange={(next) => {
        window.__harness.variable = next;
        setQuery(next);
      }}
    />
  );
}

const editors: Record<string, () => React.JSX.Element> = {
  config: ConfigHarness,
  query: QueryHarness,
  variable: VariableHarness,
};
const Editor = editors[params.get('editor') ?? 'query'];

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={createTheme({ colors: { mode: 'dark' } })}>
    <div data-testid="harness-ready" style={{ padding: 16 }}>
      <Editor />
    </div>
  </ThemeContext.Provider>
);
