/**
 * The Users tab: the users list the console loaded once, searched and paged here (it is already in
 * the browser), each user's role and organisation changed in place with PATCH /api/admin/users/:id.
 */
import { useId, useMemo, useState, type FormEvent } from 'react';
import { apiFetch, ApiError } from '../api.ts';
import { formatCount, formatDateTime } from '../format.ts';
import { useOrgs, type useDirectory } from '../hooks.ts';
import type { AdminUser, Org } from '../types.ts';
import { pageRange } from '../usage-data.ts';

const PAGE = 100;

type Patch = { role?: string; orgId?: string | null };
type RowState = { state: 'saving' } | { state: 'saved'; patch: Patch } | { state: 'failed'; message: string };

export function UsersTab({ directory, me }: { directory: ReturnType<typeof useDirectory>; me: string }) {
  const orgs = useOrgs();
  const [filter, setFilter] = useState('');
  const [offset, setOffset] = useState(0);
  const [status, setStatus] = useState<Record<string, RowState>>({});
  const ids = useId();

  const matching = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const users = directory.users ?? [];
    return q
      ? users.filter((u) => u.name.toLowerCase().includes(q) || u.email.toLowerCase().includes(q) || u.id.toLowerCase().includes(q))
      : users;
  }, [directory.users, filter]);
  const page = matching.slice(offset, offset + PAGE);

  async function change(user: AdminUser, patch: Patch) {
    setStatus((s) => ({ ...s, [user.id]: { state: 'saving' } }));
    try {
      await apiFetch(`/api/admin/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body: patch });
      // Change the cached list in place: refetching every user for one changed row would not scale.
      await directory.mutate(
        (data) =>
          data && {
            users: data.users.map((u) =>
              u.id === user.id
                ? {
                    ...u,
                    ...(patch.role !== undefined
                      ? { role: patch.role, isAdmin: patch.role === 'admin' || (u.isAdmin && u.role !== 'admin') }
                      : {}),
                    ...(patch.orgId !== undefined ? { orgId: patch.orgId ?? '' } : {}),
                  }
                : u,
            ),
          },
        { revalidate: false },
      );
      setStatus((s) => ({ ...s, [user.id]: { state: 'saved', patch } }));
    } catch (error) {
      setStatus((s) => ({ ...s, [user.id]: { state: 'failed', message: error instanceof ApiError ? error.message : String(error) } }));
    }
  }

  return (
    <section aria-labelledby={`${ids}-title`} className="stack">
      <h2 id={`${ids}-title`} className="sr-only">
        Users
      </h2>
      <div className="toolbar">
        <div className="search" role="search">
          <label htmlFor={`${ids}-filter`}>Find users</label>
          <input
            id={`${ids}-filter`}
            type="search"
            placeholder="Name, email or id"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value);
              setOffset(0);
            }}
          />
        </div>
        <NewOrg orgs={orgs.data?.orgs} onCreated={() => orgs.mutate()} />
      </div>
      {directory.error && (
        <div role="alert" className="notice error">
          {directory.error.message}
        </div>
      )}
      {orgs.error && (
        <div role="alert" className="notice error">
          Organisations: {orgs.error.message}
        </div>
      )}
      <div className="table-wrap">
        <table className="users" data-testid="users-table" aria-busy={directory.isLoading}>
          <caption>
            Users{filter.trim() ? ` matching “${filter.trim()}”` : ''}: {formatCount(matching.length)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Organisation</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="sr-only">Status</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.map((u) => (
              <UserRow
                key={u.id}
                user={u}
                me={u.id === me}
                orgs={orgs.data?.orgs}
                state={status[u.id]}
                onChange={(patch) => change(u, patch)}
              />
            ))}
            {page.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  {directory.isLoading ? 'Loading users…' : filter.trim() ? `No users match “${filter.trim()}”.` : 'No users yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {matching.length > PAGE && (
        <nav className="pager" aria-label="Pages of users">
          <span>{pageRange({ offset, total: matching.length }, page.length, formatCount)}</span>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </button>
          <button type="button" disabled={offset + PAGE >= matching.length} onClick={() => setOffset(offset + PAGE)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

function UserRow({
  user,
  me,
  orgs,
  state,
  onChange,
}: {
  user: AdminUser;
  me: boolean;
  orgs: Org[] | undefined;
  state: RowState | undefined;
  onChange: (patch: Patch) => void;
}) {
  const roleLabel = `Role of ${user.name}`;
  const orgLabel = `Organisation of ${user.name}`;
  // An org id the list does not hold yet (still loading, or deleted) stays selectable as itself.
  const orgKnown = !user.orgId || orgs?.some((o) => o.id === user.orgId);
  return (
    <tr data-user-id={user.id}>
      <th scope="row">
        {user.name}
        {me && <span className="badge">you</span>}
      </th>
      <td>{user.email}</td>
      <td>
        <select
          aria-label={roleLabel}
          value={user.role === 'admin' ? 'admin' : 'user'}
          disabled={state?.state === 'saving'}
          onChange={(e) => onChange({ role: e.target.value })}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
        {user.isAdmin && user.role !== 'admin' && <span className="muted small"> admin by ADMIN_EMAILS</span>}
      </td>
      <td>
        <select
          aria-label={orgLabel}
          value={user.orgId}
          disabled={state?.state === 'saving'}
          onChange={(e) => onChange({ orgId: e.target.value || null })}
        >
          <option value="">(none)</option>
          {!orgKnown && <option value={user.orgId}>{user.orgId}</option>}
          {orgs?.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </td>
      <td>{formatDateTime(user.createdAt)}</td>
      <td aria-live="polite" className="row-status" data-saved={state?.state === 'saved' ? JSON.stringify(state.patch) : undefined}>
        {state?.state === 'saving' && <span className="muted">Saving…</span>}
        {state?.state === 'saved' && <span className="ok">Saved</span>}
        {state?.state === 'failed' && (
          <span role="alert" className="error">
            {state.message}
          </span>
        )}
      </td>
    </tr>
  );
}

function NewOrg({ orgs, onCreated }: { orgs: Org[] | undefined; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await apiFetch('/api/admin/orgs', { method: 'POST', body: { name: name.trim() } });
      setName('');
      onCreated();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={`${ids}-org`}>New organisation</label>
      <input id={`${ids}-org`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      <button type="submit" disabled={pending || !name.trim()}>
        Add
      </button>
      <span className="muted small">
        {orgs ? `${formatCount(orgs.length)} ${orgs.length === 1 ? 'organisation' : 'organisations'}` : ''}
      </span>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </form>
  );
}
