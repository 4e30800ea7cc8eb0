/**
 * Who is here decides what shows: nobody → sign-in; a signed-in user who is not an admin → "admins
 * only"; an admin → the console. Admin status is the worker's call (a role, or an email in
 * ADMIN_EMAILS, which the browser cannot see): the console asks GET /api/admin/me, which answers
 * anyone signed in, rather than reading a refusal from an admin call (the page's early usage
 * request, sent before anyone knows, is refused for a non-admin and goes unread). A 403 from an
 * admin call later (the role was taken away meanwhile) still leads to "admins only".
 */
import { useCallback, useMemo, useState } from 'react';
import { SWRConfig } from 'swr';
import { ApiError } from '../api.ts';
import { authClient } from '../auth-client.ts';
import { useMe } from '../hooks.ts';
import { Console } from './Console.tsx';
import { SignIn } from './SignIn.tsx';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
}

export function App() {
  const session = authClient.useSession();
  if (session.isPending && !session.data) {
    return (
      <main className="centered" aria-busy="true">
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (!session.data) return <SignIn />;
  // A new cache per signed-in user: nothing one admin loaded is shown to the next.
  return <SignedIn key={session.data.user.id} user={session.data.user} onSignedOut={() => session.refetch()} />;
}

function SignedIn({ user, onSignedOut }: { user: SessionUser; onSignedOut: () => void }) {
  const [forbidden, setForbidden] = useState(false);
  const [signingOut, setSigningOut] = useState(false);

  const signOut = useCallback(async () => {
    setSigningOut(true);
    try {
      await authClient.signOut();
    } finally {
      onSignedOut();
    }
  }, [onSignedOut]);

  const swr = useMemo(
    () => ({
      provider: () => new Map(),
      onError: (error: unknown) => {
        if (!(error instanceof ApiError)) return;
        if (error.status === 403) setForbidden(true);
        // The session ended elsewhere (expired, signed out in another tab): back to sign-in.
        if (error.status === 401) onSignedOut();
      },
      // 4xx answers do not get better by asking again; 5xx may.
      onErrorRetry: (
        error: unknown,
        _key: string,
        _config: unknown,
        revalidate: (o: { retryCount: number }) => void,
        { retryCount }: { retryCount: number },
      ) => {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) return;
        if (retryCount >= 3) return;
        setTimeout(() => revalidate({ retryCount }), 2_000 * 2 ** retryCount);
      },
    }),
    [onSignedOut],
  );

  if (forbidden) return <AdminsOnly user={user} onSignOut={signOut} signingOut={signingOut} />;
  return (
    <SWRConfig value={swr}>
      <AdminGate user={user} onSignOut={signOut} signingOut={signingOut} />
    </SWRConfig>
  );
}

function AdminGate({ user, onSignOut, signingOut }: { user: SessionUser; onSignOut: () => void; signingOut: boolean }) {
  const me = useMe();
  if (me.data?.isAdmin === false) return <AdminsOnly user={user} onSignOut={onSignOut} signingOut={signingOut} />;
  if (me.data?.isAdmin) return <Console user={user} onSignOut={onSignOut} signingOut={signingOut} />;
  return (
    <main className="centered" aria-busy={!me.error}>
      {me.error ? (
        <section className="card narrow">
          <p role="alert" className="notice error">
            {me.error.message}
          </p>
          <button type="button" onClick={() => void me.mutate()}>
            Try again
          </button>
        </section>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </main>
  );
}

function AdminsOnly({ user, onSignOut, signingOut }: { user: SessionUser; onSignOut: () => void; signingOut: boolean }) {
  return (
    <main className="centered">
      <section className="card narrow" aria-labelledby="admins-only-title">
        <h1 id="admins-only-title">Admins only</h1>
        <p>
          You are signed in as <strong>{user.email}</strong>, which is not an admin account. The Usage Lens console is for admins; ask one
          to give your account the admin role.
        </p>
        <button type="button" onClick={onSignOut} disabled={signingOut}>
          {signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      </section>
    </main>
  );
}
