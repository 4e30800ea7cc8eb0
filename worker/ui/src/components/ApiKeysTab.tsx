/**
 * The API keys tab: create a key (shown once, with a copy button and where it goes in Grafana), list
 * keys with their last use, revoke. The new key lives only in this component's state until the admin
 * dismisses it: never in SWR's cache, storage or the console log.
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import { apiFetch } from '../api.ts';
import { formatDateTime, formatRelative, toMillis } from '../format.ts';
import { useAction, useApiKeys, useUsersByIds } from '../hooks.ts';
import type { ApiKey, ApiKeyScope, CreatedApiKey } from '../types.ts';

export function ApiKeysTab() {
  const keys = useApiKeys();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const ids = useId();
  const now = Date.now();
  const list = keys.data?.apiKeys ?? [];
  // Whom each key acts as (a key's calls count as that user's), by name: only the keys' owners are asked for.
  const owners = useUsersByIds(list.map((k) => k.userId));
  const showExpiry = list.some((k) => k.expiresAt !== undefined);

  return (
    <section aria-labelledby={`${ids}-title`} className="stack">
      <h2 id={`${ids}-title`} className="sr-only">
        API keys
      </h2>
      <CreateKey
        onCreated={(key) => {
          setCreated(key);
          void keys.mutate();
        }}
      />
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      {keys.error && (
        <div role="alert" className="notice error">
          {keys.error.message}
        </div>
      )}
      <div className="table-wrap">
        <table className="keys" data-testid="keys-table" aria-busy={keys.isLoading}>
          <caption>API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Key starts</th>
              <th scope="col">Acts as</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              {showExpiry && <th scope="col">Expires</th>}
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <KeyRow
                key={k.id}
                apiKey={k}
                actsAs={owners.get(k.userId)?.name ?? k.userId}
                now={now}
                showExpiry={showExpiry}
                onRevoked={() => keys.mutate()}
              />
            ))}
            {list.length === 0 && (
              <tr>
                <td colSpan={showExpiry ? 9 : 8} className="empty">
                  {keys.isLoading ? 'Loading keys…' : 'No API keys yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function keyStatus(k: ApiKey, now: number): 'revoked' | 'expired' | 'active' {
  if (k.revokedAt !== null && k.revokedAt !== undefined) return 'revoked';
  const expires = toMillis(k.expiresAt);
  if (expires !== null && expires <= now) return 'expired';
  return 'active';
}

function CreateKey({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const { pending, error, run } = useAction();
  const ids = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    await run(async () => {
      const days = Number(data.get('expires'));
      const created = await apiFetch<CreatedApiKey>('/api/admin/api-keys', {
        method: 'POST',
        body: {
          name: String(data.get('name')).trim(),
          scope: String(data.get('scope')) as ApiKeyScope,
          ...(days > 0 ? { expiresAt: new Date(Date.now() + days * 86_400_000).toISOString() } : {}),
        },
      });
      form.reset();
      onCreated(created);
    });
  }

  return (
    <form className="card inline-form" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Create an API key</h3>
      <label htmlFor={`${ids}-name`}>Name</label>
      <input id={`${ids}-name`} name="name" required maxLength={100} placeholder="e.g. grafana-prod" />
      <label htmlFor={`${ids}-scope`}>Scope</label>
      <select id={`${ids}-scope`} name="scope" defaultValue="admin">
        <option value="admin">admin: read usage (Grafana)</option>
        <option value="ingest">ingest: send data to /api/ingest</option>
      </select>
      <label htmlFor={`${ids}-expires`}>Expires</label>
      <select id={`${ids}-expires`} name="expires" defaultValue="0">
        <option value="0">never</option>
        <option value="30">in 30 days</option>
        <option value="90">in 90 days</option>
        <option value="365">in a year</option>
      </select>
      <button type="submit" className="primary" disabled={pending}>
        {pending ? 'Creating…' : 'Create key'}
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const ids = useId();

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // No clipboard permission (an insecure origin, a locked-down browser): select it for Ctrl+C.
      field.current?.select();
      setCopied('failed');
    }
  }

  return (
    <section className="card notice success" aria-labelledby={`${ids}-title`} data-testid="new-key">
      <h3 id={`${ids}-title`}>
        Key “{created.name}” created ({created.scope})
      </h3>
      <p>
        <strong>Copy it now: it is shown this once.</strong> The worker keeps only a hash of it.
      </p>
      <div className="key-row">
        <label htmlFor={`${ids}-key`} className="sr-only">
          New API key
        </label>
        <input
          id={`${ids}-key`}
          ref={field}
          readOnly
          value={created.key}
          className="mono"
          onFocus={(e) => e.currentTarget.select()}
          data-testid="new-key-value"
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span aria-live="polite" className="small">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copy failed: the key is selected, press Ctrl+C.' : ''}
        </span>
      </div>
      {created.scope === 'admin' ? (
        <p className="small">
          In Grafana: <em>Connections → Data sources → Usage Lens</em>, mode <em>Worker</em>. Set <em>Worker URL</em> to{' '}
          <code>{window.location.origin}</code>, paste this key into <em>API key</em>, then <em>Save &amp; test</em>.
        </p>
      ) : (
        <p className="small">
          Ingest clients send it as <code>Authorization: Bearer &lt;key&gt;</code> to <code>{window.location.origin}/api/ingest</code>.
          Grafana needs an admin key.
        </p>
      )}
      <button type="button" onClick={onDone}>
        Done, hide the key
      </button>
    </section>
  );
}

function KeyRow({
  apiKey,
  actsAs,
  now,
  showExpiry,
  onRevoked,
}: {
  apiKey: ApiKey;
  actsAs: string;
  now: number;
  showExpiry: boolean;
  onRevoked: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { pending, error, run } = useAction();
  const status = keyStatus(apiKey, now);

  const revoke = () =>
    run(async () => {
      await apiFetch(`/api/admin/api-keys/${encodeURIComponent(apiKey.id)}`, { method: 'DELETE' });
      setConfirming(false);
      onRevoked();
    });

  return (
    <tr data-key-id={apiKey.id} className={status === 'active' ? undefined : 'inactive'}>
      <th scope="row">{apiKey.name}</th>
      <td>{apiKey.scope}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td data-col="acts-as">{actsAs}</td>
      <td title={formatDateTime(apiKey.createdAt)}>{formatRelative(apiKey.createdAt, now)}</td>
      <td title={apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : undefined} data-col="last-used">
        {formatRelative(apiKey.lastUsedAt, now)}
      </td>
      {showExpiry && (
        <td title={apiKey.expiresAt ? formatDateTime(apiKey.expiresAt) : undefined} data-col="expires">
          {formatRelative(apiKey.expiresAt, now, 'never')}
        </td>
      )}
      <td data-col="status">{status}</td>
      <td className="actions">
        {status === 'active' && !confirming && (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>
            Revoke
          </button>
        )}
        {confirming && (
          <span role="group" aria-label={`Confirm revoking ${apiKey.name}`}>
            <button type="button" className="danger" onClick={revoke} disabled={pending} autoFocus>
              {pending ? 'Revoking…' : 'Revoke key'}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)} disabled={pending}>
              Cancel
            </button>
          </span>
        )}
        {error && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
