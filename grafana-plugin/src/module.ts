import { DataSourcePlugin } from '@grafana/data';
import { DataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { UsageOptions, UsageQuery } from './types';

// Query variables come through DataSource.variables (CustomVariableSupport), not the deprecated
// setVariableQueryEditor + metricFindQuery.
export const plugin = new DataSourcePlugin<DataSource, UsageQuery, UsageOptions>(DataSource).setConfigEditor(ConfigEditor).setQueryEditor(QueryEditor);
