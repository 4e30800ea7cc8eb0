import React, { useEffect, useMemo, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Alert, Field, Input, MultiSelect, RadioButtonGroup, Select, Stack, TextArea } from '@grafana/ui';
import { DataSource } from '../datasource';
import {
  DEFAULT_SQL,
  EVENT_LABELS,
  GROUP_BYS,
  GroupBy,
  Metric,
  METRICS,
  QUERY_TYPES,
  QueryType,
  SqlFormat,
  SQL_FORMATS,
  USAGE_EVENTS,
  UsageOptions,
  UsageQuery,
  VariableKind,
} from '../types';

type Props = QueryEditorProps<DataSource, UsageQuery, UsageOptions>;

function variableOptions(): Array<SelectableValue<string>> {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => ({ value: `$${v.name}`, label: `$${v.name}`, description: 'template variable' }));
  } catch {
    return [];
  }
}

function useOptions(datasource: DataSource, kind: VariableKind): Array<SelectableValue<string>> {
  const [options, setOptions] = useState<Array<SelectableValue<string>>>([]);
  useEffect(() => {
    let live = true;
    datasource.listOptions(kind).then((o) => live && setOptions(o));
    return () => {
      live = false;
    };
  }, [datasource, kind]);
  return options;
}

/** Shows only what the chosen query type uses. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType: QueryType = query.queryType ?? 'users';
  const variables = useMemo(variableOptions, []);
  const users = useOptions(datasource, 'users');
  const orgs = useOptions(datasource, 'orgs');
  const events = USAGE_EVENTS.map((e) => ({ value: e, label: EVENT_LABELS[e] }));

  const update = (patch: Partial<UsageQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const filter = (key: 'users' | 'orgs' | 'events', options: Array<SelectableValue<string>>, label: string) => (
    <Field label={label} data-testid={`filter-${key}`}>
      <MultiSelect<string>
        aria-label={label}
        options={[...variables, ...options]}
        value={query[key] ?? []}
        allowCustomValue
        placeholder="All"
        width={32}
        onChange={(values) => update({ [key]: values.map((v) => v.value!).filter(Boolean) })}
      />
    </Field>
  );

  return (
    <Stack direction="column" gap={1}>
      <Field label="Query type" description={QUERY_TYPES.find((t) => t.value === queryType)?.description}>
        <RadioButtonGroup<QueryType>
          options={QUERY_TYPES.map(({ value, label }) => ({ value, label }))}
          value={queryType}
          onChange={(value) => update(value === 'sql' && !query.rawSql ? { queryType: value, rawSql: DEFAULT_SQL } : { queryType: value })}
        />
      </Field>

      {queryType !== 'sql' && (
        <Stack direction="row" gap={1} wrap="wrap">
          {filter('users', users, 'Users')}
          {filter('orgs', orgs, 'Orgs')}
          {filter('events', events, 'Events')}
        </Stack>
      )}

      {queryType === 'timeseries' && (
        <Stack direction="row" gap={1} wrap="wrap" data-testid="timeseries-options">
          <Field label="Group by">
            <RadioButtonGroup<GroupBy> options={[...GROUP_BYS]} value={query.groupBy ?? 'event'} onChange={(groupBy) => update({ groupBy })} />
          </Field>
          <Field label="Metric">
            <RadioButtonGroup<Metric> options={[...METRICS]} value={query.metric ?? 'events'} onChange={(metric) => update({ metric })} />
          </Field>
        </Stack>
      )}

      {(queryType === 'users' || queryType === 'timeseries') && (
        <Field label="Top N" description="Keep the N biggest; empty keeps all" data-testid="top-n">
          <Input
            type="number"
            min={0}
            width={12}
            aria-label="Top N"
            value={query.topN ?? ''}
            onChange={(e) => update({ topN: e.currentTarget.value === '' ? undefined : Math.max(0, Number(e.currentTarget.value)) }, false)}
            onBlur={() => onRunQuery()}
          />
        </Field>
      )}

      {queryType === 'sql' && (
        <>
          {datasource.mode !== 'sql' && (
            <Alert severity="warning" title="Raw SQL needs sql mode">
              This data source reads the worker's usage API. Configure an account ID and API token (sql mode) to run SQL.
            </Alert>
          )}
          <Field
            label="SQL"
            description="Analytics Engine SQL. Macros: $__timeFilter, $__timeFrom, $__timeTo, $__interval_s, $__timeInterval, $__dataset. Variables become quoted values."
          >
            <TextArea
              aria-label="SQL"
              data-testid="raw-sql"
              rows={8}
              value={query.rawSql ?? ''}
              onChange={(e) => update({ rawSql: e.currentTarget.value }, false)}
              onBlur={() => onRunQuery()}
            />
          </Field>
          <Field label="Format">
            <Select<SqlFormat>
              aria-label="Format"
              width={20}
              options={[...SQL_FORMATS]}
              value={query.format ?? 'table'}
              onChange={(v) => update({ format: v.value })}
            />
          </Field>
        </>
      )}
    </Stack>
  );
}
