/**
 * Who is calling: a better-auth session (cookie or bearer session token) or an API key
 * (`Authorization: Bearer ul_…`). Resolved once per request and kept on the context.
 */
import type { Context } from 'hono';
import type { AppEnv, Principal } from '../env.ts';
import { waitUntil } from '../context.ts';
import { getAuth } from './auth.ts';
import { looksLikeApiKey, verifyApiKey } from './api-keys.ts';

function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;
}

export async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const known = c.get('principal');
  if (known !== undefined) return known;
  let principal: Principal | null = null;
  const token = bearerToken(c.req.header('authorization'));
  if (token && looksLikeApiKey(token)) {
    principal = await verifyApiKey(c.env.DB, token, (p) => waitUntil(c, p));
  } else {
    const session = await getAuth(c.env).api.getSession({ headers: c.req.raw.headers });
    if (session) {
      const user = session.user as typeof session.user & { role?: string | null; orgId?: string | null };
      principal = {
        userId: user.id,
        orgId: user.orgId ?? '',
        name: user.name,
        email: user.email,
        role: user.role ?? 'user',
        emailVerified: user.emailVerified,
        via: 'session',
      };
    }
  }
  c.set('principal', principal);
  return principal;
}

/** A signed-in user (sessions only: API keys are for machines, not app clients). */
export async function resolveSessionUser(c: Context<AppEnv>): Promise<Principal | null> {
  const principal = await resolvePrincipal(c);
  return principal?.via === 'session' ? principal : null;
}
