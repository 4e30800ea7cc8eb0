/**
 * better-auth's React client on the worker's own origin: the session is a cookie, so nothing about
 * it is kept by the console itself.
 */
import { createAuthClient } from 'better-auth/react';

export const authClient = createAuthClient({
  baseURL: window.location.origin,
  basePath: '/api/auth',
  // State changes authenticated by cookie must say they are JSON (the worker's CSRF rule); better-auth
  // posts JSON bodies already, and sign-out, which has none, gets the header this way.
  fetchOptions: { headers: { 'content-type': 'application/json' } },
});

type Session = Parameters<typeof authClient.hydrateSession>[0];

/**
 * Gives better-auth the session index.html asked for before the bundle ran, so the first render
 * already knows who is signed in instead of asking then. Anything but a session leaves the client
 * to ask as usual.
 */
export async function adoptEarlySession(response: Promise<Response> | undefined): Promise<void> {
  if (!response) return;
  try {
    const res = await response;
    if (!res.ok) return;
    const data = (await res.json()) as Session | null;
    if (data?.user && data.session) authClient.hydrateSession(data);
  } catch {
    // the client asks itself
  }
}
