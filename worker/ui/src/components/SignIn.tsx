import { useId, useState, type FormEvent } from 'react';
import { authClient } from '../auth-client.ts';

export function SignIn() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const { error } = await authClient.signIn.email({ email: String(form.get('email')), password: String(form.get('password')) });
    // On success the session store updates and App renders the console; this form goes away.
    if (error) {
      setError(error.status === 401 ? 'Wrong email or password.' : error.message || `Sign-in failed (${error.status}).`);
      setPending(false);
    }
  }

  return (
    <main className="centered">
      <form className="card narrow" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>Usage Lens</h1>
        <p className="muted">Sign in with an admin account.</p>
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor={`${id}-password`}>Password</label>
        <input id={`${id}-password`} name="password" type="password" autoComplete="current-password" required />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
