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
