import React from 'react';
import { Field, RadioButtonGroup } from '@grafana/ui';
import { UsageVariableQuery, VariableKind } from '../types';

interface Props {
  query: UsageVariableQuery;
  onChange: (query: UsageVariableQuery, definition: string) => void;
}

const KINDS: Array<{ value: VariableKind; label: string }> = [
  { value: 'users', label: 'Users' },
  { value: 'orgs', label: 'Orgs' },
  { value: 'events', label: 'Events' },
];

/** A variable lists users (id, shown by name), orgs or events. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const kind = query?.kind ?? 'users';
  return (
    <Field label="Values" description="Users are shown by name and filter by id">
      <RadioButtonGroup<VariableKind> options={KINDS} value={kind} onChange={(value) => onChange({ kind: value }, `Usage Lens ${value}`)} />
    </Field>
  );
}
