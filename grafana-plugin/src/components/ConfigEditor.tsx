import React, { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, Text } from '@grafana/ui';
import { Mode, UsageOptions, UsageSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<UsageOptions, UsageSecureJsonData>;

const MODES: Array<{ value: Mode; label: string; description: string }> = [
  { value: 'worker', label: 'Worker usage API', description: "The app worker's /api/admin/usage with an admin API key" },
  { value: 'sql', label: 'Analytics Engine SQL API', description: "Cloudflare's SQL API (or the local AE) with an API token" },
];

/**
 * Settings. Secrets go to secureJsonData, which Grafana encrypts and hands only to the backend;
 * once saved, the browser sees only that a secret is configured (secureJsonFields), never its value.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};
  const mode = jsonData.mode ?? 'worker';

  const setJson = (patch: Partial<UsageOptions>) => onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  const text = (key: keyof UsageOptions) => (e: ChangeEvent<HTMLInputElement>) => setJson({ [key]: e.target.value });
  const setSecret = (key: keyof UsageSecureJsonData) => (e: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: e.target.value } });
  const resetSecret = (key: keyof UsageSecureJsonData) => () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });

  const ids: Record<keyof UsageSecureJsonData, string> = { apiKey: 'api-key', aeToken: 'ae-token' };
  const secret = (key: keyof UsageSecureJsonData, placeholder?: string) => (
    <SecretInput
      id={ids[key]}
      data-testid={ids[key]}
      isConfigured={!!secureJsonFields?.[key]}
      value={secureJsonData[key] ?? ''}
      placeholder={placeholder}
      width={50}
      onChange={setSecret(key)}
      onReset={resetSecret(key)}
    />
  );

  return (
    <>
      <FieldSet label="Source">
        <Field label="Read usage from" description={MODES.find((m) => m.value === mode)?.description}>
          <RadioButtonGroup<Mode> options={MODES} value={mode} onChange={(value) => setJson({ mode: value })} />
        </Field>
      </FieldSet>

      {mode === 'worker' ? (
        <FieldSet label="Worker" data-testid="worker-settings">
          <Field label="Worker URL" description="Where the app worker runs, e.g. https://app.example.com" required>
            <Input id="worker-url" data-testid="worker-url" value={jsonData.workerUrl ?? ''} onChange={text('workerUrl')} placeholder="https://app.example.com" width={50} />
          </Field>
          <Field label="Admin API key" description="Create one with POST /api/admin/api-keys (scope admin)" required>
            {secret('apiKey', 'ul_admin_…')}
          </Field>
        </FieldSet>
      ) : (
        <FieldSet label="Analytics Engine" data-testid="sql-settings">
          <Field label="Account ID" required>
            <Input id="account-id" data-testid="account-id" value={jsonData.accountId ?? ''} onChange={text('accountId')} width={50} />
          </Field>
          <Field label="Dataset" description="usage_analytics, or usage_analytics_staging">
            <Input id="dataset" data-testid="dataset" value={jsonData.dataset ?? ''} onChange={text('dataset')} placeholder="usage_analytics" width={50} />
          </Field>
          <Field label="SQL API base URL" description="Leave empty for Cloudflare; the local AE is http://127.0.0.1:8788">
            <Input id="sql-api-base-url" data-testid="sql-api-base-url" value={jsonData.sqlApiBaseUrl ?? ''} onChange={text('sqlApiBaseUrl')} placeholder="https://api.cloudflare.com" width={50} />
          </Field>
          <Field label="API token" description="A Cloudflare API token with Account Analytics: Read" required>
            {secret('aeToken')}
          </Field>
        </FieldSet>
      )}
      <Text variant="bodySmall" color="secondary">
        Save &amp; test makes one request and reports what it found.
      </Text>
    </>
  );
}
