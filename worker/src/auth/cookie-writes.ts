/**
 * Forged cross-site writes. A browser attaches the session cookie to any request for this site,
 * whoever's page sent it; it never attaches an Authorization header on its own (that needs a CORS
 * preflight this worker does not grant). So a state change authenticated by the cookie alone must
 * prove it came from a trusted page (its Origin, else its Referer, among better-auth's
 * trustedOrigins) and carry JSON (which a cross-site form cannot send). Bearer credentials, API
 * keys and better-auth bearer session tokens alike, are exempt.
 *
 * The origin rule is better-auth's own for its routes (validateOrigin in
 * better-auth/dist/api/middlewares/origin-check.mjs), with the same list of trusted origins.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { FieldError } from '../errors.ts';
import { getAuth } from './auth.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export async function requireTrustedCookieWrite(c: Context<AppEnv>): Promise<void> {
  if (READS.has(c.req.method)) return;
  if (!c.req.header('cookie') || c.req.header('authorization')) return;
  const origin = c.req.header('origin') || c.req.header('referer') || '';
  if (!origin || origin === 'null') {
    throw new FieldError('origin', 'a change made with a session cookie must say where it comes from (Origin)', 403);
  }
  const auth = await getAuth(c.env).$context;
  if (!auth.isTrustedOrigin(origin, { allowRelativePaths: false })) {
    throw new FieldError('origin', 'not a trusted origin for a change made with a session cookie', 403);
  }
  if (WITH_BODY.has(c.req.method)) {
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new FieldError('content-type', 'must be application/json', 415);
  }
}

/** requireTrustedCookieWrite for every route of a group. */
export const trustedCookieWrites = createMiddleware<AppEnv>(async (c, next) => {
  await requireTrustedCookieWrite(c);
  await next();
});
