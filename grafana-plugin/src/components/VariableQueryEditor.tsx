import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Field, RadioButtonGroup } from '@grafana/ui';
import type { DataSource } from '../datasource';
import { UsageOptions, UsageQuery, UsageVariableQuery, VariableKind } from '../types';
import { variableKind } from '../variableSupport';

type Props = QueryEditorProps<DataSource, UsageQuery, UsageOptions, UsageVariableQuery>;

const KINDS: Array<{ value: VariableKind; label: string }> = [
  { value: 'users', label: 'Users' },
  { value: 'orgs', label: 'Orgs' },
  { value: 'events', label: 'Events' },
];

/** A variable lists users (id, shown by name), orgs or events. */
export function VariableQueryEditor({ query, onChange }: Props) {
  return (
    <Field label="Values" description="Users are shown by name and filter by id">
      <RadioButtonGroup<VariableKind>
        options={KINDS}
        value={variableKind(query)}
        onChange={(kind) => onChange({ ...query, refId: query?.refId ?? 'UsageVariable', kind })}
      />
    </Field>
  );
}
