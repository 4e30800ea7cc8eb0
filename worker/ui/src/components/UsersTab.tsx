/**
 * The Users tab: one page of the users list at a time, searched and paged by the worker (so
 * 10,000 accounts cost the browser one page), each user's role and organisation changed in place
 * with PATCH /api/admin/users/:id, whose answer (the user as the worker now sees them, isAdmin
 * included) replaces the row.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { apiFetch } from '../api.ts';
import { formatCount, formatDateTime } from '../format.ts';
import { messageOf, useAction, useOrgs, useUsers } from '../hooks.ts';
import type { AdminUser, Org } from '../types.ts';
import { pageRange } from '../usage-data.ts';
import type { UsersView } from '../users-data.ts';

/** Typing settles for this long before the search goes to the worker (Enter sends it at once). */
const SEARCH_SETTLE_MS = 300;

type Patch = { role?: string; orgId?: string | null };
type RowState = { state: 'saving' } | { state: 'saved'; patch: Patch } | { state: 'failed'; message: string };

export function UsersTab({ me }: { me: string }) {
  const orgs = useOrgs();
  const [view, setView] = useState<UsersView>({ q: '', offset: 0 });
  const [search, setSearch] = useState('');
  const users = useUsers(view);
  const [status, setStatus] = useState<Record<string, RowState>>({});
  const ids = useId();

  useEffect(() => {
    if (search.trim() === view.q.trim()) return;
    const timer = setTimeout(() => setView({ q: search, offset: 0 }), SEARCH_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [search, view.q]);

  const list = users.data?.users ?? [];
  const page = users.data?.page;
  const q = view.q.trim();

  async function change(user: AdminUser, patch: Patch) {
    setStatus((s) => ({ ...s, [user.id]: { state: 'saving' } }));
    try {
      const updated = await apiFetch<AdminUser>(`/api/admin/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body: patch });
      // The worker's answer replaces the row: no guessing, and no refetch of the page for one row.
      await users.mutate((data) => data && { ...data, users: data.users.map((u) => (u.id === updated.id ? updated : u)) }, {
        revalidate: false,
      });
      setStatus((s) => ({ ...s, [user.id]: { state: 'saved', patch } }));
    } catch (error) {
      setStatus((s) => ({ ...s, [user.id]: { state: 'failed', message: messageOf(error) } }));
    }
  }

  return (
    <section aria-labelledby={`${ids}-title`} className="stack">
      <h2 id={`${ids}-title`} className="sr-only">
        Users
      </h2>
      <div className="toolbar">
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setView({ q: search, offset: 0 });
          }}
        >
          <label htmlFor={`${ids}-filter`}>Find users</label>
          <input
            id={`${ids}-filter`}
            type="search"
            placeholder="Name, email or id"
            value={search}
            maxLength={100}
            onChange={(e) => setSearch(e.target.value)}
          />
        </form>
        <NewOrg orgs={orgs.data?.orgs} onCreated={() => orgs.mutate()} />
      </div>
      {users.error && (
        <div role="alert" className="notice error">
          {users.error.message}
        </div>
      )}
      {orgs.error && (
        <div role="alert" className="notice error">
          Organisations: {orgs.error.message}
        </div>
      )}
      <div className="table-wrap">
        <table
          className="users"
          data-testid="users-table"
          aria-busy={users.isLoading || users.isStale}
          data-shown={page ? `${users.data?.page.offset}|${q}` : ''}
        >
          <caption>
            Users{q ? ` matching “${q}”` : ''}: {page ? formatCount(page.total) : '…'}
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
            {list.map((u) => (
              <UserRow
                key={u.id}
                user={u}
                me={u.id === me}
                orgs={orgs.data?.orgs}
                state={status[u.id]}
                onChange={(patch) => change(u, patch)}
              />
            ))}
            {list.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  {users.isLoading ? 'Loading users…' : q ? `No users match “${q}”.` : users.error ? 'No users: see the message above.' : 'No users yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {page && page.total > list.length && (
        <nav className="pager" aria-label="Pages of users">
          <span data-testid="users-page-range">{pageRange(page, list.length, formatCount)}</span>
          <button
            type="button"
            disabled={page.offset === 0 || users.isStale}
            onClick={() => setView((v) => ({ ...v, offset: Math.max(0, page.offset - page.limit) }))}
          >
            Previous
          </button>
          <button
            type="button"
            disabled={page.nextOffset === null || users.isStale}
            onClick={() => setView((v) => ({ ...v, offset: page.nextOffset ?? v.offset }))}
          >
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
  const { pending, error, run } = useAction();
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      await apiFetch('/api/admin/orgs', { method: 'POST', body: { name: name.trim() } });
      setName('');
      onCreated();
    });
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
