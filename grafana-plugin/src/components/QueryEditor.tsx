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

/**
 * Which fields each query type uses; the editor shows those and no others. Limits are recommended
 * from every user's usage, so that query takes only an event filter (and the headroom).
 */
const USES: Record<
  QueryType,
  {
    filters: 'all' | 'events' | 'none';
    groupBy: boolean;
    metric: 'no' | 'yes' | 'optional';
    topN: boolean;
    minEvents: boolean;
    headroom: boolean;
  }
> = {
  users: { filters: 'all', groupBy: false, metric: 'no', topN: true, minEvents: false, headroom: false },
  totals: { filters: 'all', groupBy: false, metric: 'optional', topN: false, minEvents: false, headroom: false },
  timeseries: { filters: 'all', groupBy: true, metric: 'yes', topN: true, minEvents: false, headroom: false },
  status: { filters: 'all', groupBy: false, metric: 'no', topN: false, minEvents: false, headroom: false },
  orgs: { filters: 'all', groupBy: false, metric: 'no', topN: true, minEvents: false, headroom: false },
  perUser: { filters: 'all', groupBy: false, metric: 'yes', topN: false, minEvents: true, headroom: false },
  cost: { filters: 'all', groupBy: false, metric: 'no', topN: false, minEvents: false, headroom: false },
  limits: { filters: 'events', groupBy: false, metric: 'no', topN: false, minEvents: false, headroom: true },
  sql: { filters: 'none', groupBy: false, metric: 'no', topN: false, minEvents: false, headroom: false },
};

/** A totals query without a metric is the two-number summary; with one, that one number. */
const SUMMARY = 'summary';

/** A whole number of at least 0 typed into a field, or undefined when the field is emptied. */
const count = (text: string) => (text === '' ? undefined : Math.max(0, Math.floor(Number(text)) || 0));

/** A positive number typed into a field, or undefined (the worker's default) when emptied or not one. */
const positive = (text: string) => {
  const n = Number(text);
  return text === '' || !Number.isFinite(n) || n <= 0 ? undefined : n;
};

/** Shows only what the chosen query type uses. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType: QueryType = query.queryType ?? 'users';
  const uses = USES[queryType] ?? USES.users;
  const variables = useMemo(() => variableOptions(), []);
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
          onChange={(value) => {
            const patch: Partial<UsageQuery> = { queryType: value };
            if (value === 'sql' && !query.rawSql) {
              patch.rawSql = DEFAULT_SQL;
            }
            // A new query carries the default metric; totals start as the summary.
            if (value === 'totals') {
              patch.metric = undefined;
            }
            update(patch);
          }}
        />
      </Field>

      {uses.filters !== 'none' && (
        <Stack direction="row" gap={1} wrap="wrap">
          {uses.filters === 'all' && filter('users', users, 'Users')}
          {uses.filters === 'all' && filter('orgs', orgs, 'Orgs')}
          {filter('events', events, 'Events')}
        </Stack>
      )}

      {queryType === 'limits' && datasource.mode === 'sql' && (
        <Alert severity="warning" title="Limits need worker mode">
          The configured limits and the users&apos; tiers live in the app: point this data source at the worker (URL
          and admin API key) to see recommendations.
        </Alert>
      )}

      {uses.headroom && (
        <Field
          label="Headroom"
          description="Recommended limits are the 99th percentile of what users did, times this (from 1 to 10); empty is the worker's default, 2. The range picks the history: up to 7 days the last week, else the last 30 days."
          data-testid="headroom"
        >
          <Input
            type="number"
            min={1}
            max={10}
            step={0.5}
            width={12}
            aria-label="Headroom"
            value={query.headroom ?? ''}
            onChange={(e) => update({ headroom: positive(e.currentTarget.value) }, false)}
            onBlur={() => onRunQuery()}
          />
        </Field>
      )}

      {(uses.groupBy || uses.metric !== 'no') && (
        <Stack direction="row" gap={1} wrap="wrap">
          {uses.groupBy && (
            <Field label="Group by" data-testid="timeseries-options">
              <RadioButtonGroup<GroupBy>
                options={[...GROUP_BYS]}
                value={query.groupBy ?? 'event'}
                onChange={(groupBy) => update({ groupBy })}
              />
            </Field>
          )}
          {uses.metric === 'yes' && (
            <Field label="Metric" data-testid="metric">
              <RadioButtonGroup<Metric>
                options={[...METRICS]}
                value={query.metric ?? 'events'}
                onChange={(metric) => update({ metric })}
              />
            </Field>
          )}
          {uses.metric === 'optional' && (
            <Field
              label="Metric"
              description="One number, for alert rules; or the summary of events and active users"
              data-testid="metric"
            >
              <RadioButtonGroup<Metric | typeof SUMMARY>
                options={[{ value: SUMMARY, label: 'Events and active users' }, ...METRICS]}
                value={query.metric ?? SUMMARY}
                onChange={(metric) => update({ metric: metric === SUMMARY ? undefined : metric })}
              />
            </Field>
          )}
        </Stack>
      )}

      {uses.minEvents && (
        <Stack direction="row" gap={1} wrap="wrap">
          <Field
            label="Minimum events"
            description="Only users with at least this many events in the range; the others are not read"
            data-testid="min-events"
          >
            <Input
              type="number"
              min={0}
              width={12}
              aria-label="Minimum events"
              value={query.minEvents ?? ''}
              onChange={(e) => update({ minEvents: count(e.currentTarget.value) }, false)}
              onBlur={() => onRunQuery()}
            />
          </Field>
          <Field
            label="Or calls over the limit"
            description="Also users with at least this many calls over their rate limit, whatever their events"
            data-testid="min-over-limit"
          >
            <Input
              type="number"
              min={0}
              width={12}
              aria-label="Minimum calls over the limit"
              value={query.minOverLimit ?? ''}
              onChange={(e) => update({ minOverLimit: count(e.currentTarget.value) }, false)}
              onBlur={() => onRunQuery()}
            />
          </Field>
        </Stack>
      )}

      {uses.topN && (
        <Field label="Top N" description="Keep the N biggest; empty keeps all" data-testid="top-n">
          <Input
            type="number"
            min={0}
            width={12}
            aria-label="Top N"
            value={query.topN ?? ''}
            onChange={(e) => update({ topN: count(e.currentTarget.value) }, false)}
            onBlur={() => onRunQuery()}
          />
        </Field>
      )}

      {queryType === 'sql' && (
        <>
          {datasource.mode !== 'sql' && (
            <Alert severity="warning" title="Raw SQL needs sql mode">
              This data source reads the worker&apos;s usage API. Configure an account ID and API token (sql mode) to
              run SQL.
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
