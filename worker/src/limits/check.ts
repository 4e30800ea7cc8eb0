/**
 * The per-user limit check at the five tracked entry points, with Cloudflare's Workers Rate Limiting
 * binding: one binding per event class and tier (`[[ratelimits]]` in wrangler.toml, named by the
 * contract's rateLimitBinding), keyed by user id.
 *
 * What Cloudflare documents (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/):
 * `const { success } = await env.MY_RATE_LIMITER.limit({ key })`; "The key you provide can be any
 * string value" and user ids are one of the recommended keys; the counters are "local to the
 * Cloudflare location that your Worker runs in", "cached on the same machine … and updated
 * asynchronously in the background" ("You are not waiting on a network request"), and the API is
 * "permissive, eventually consistent, and intentionally designed to not be used as an accurate
 * accounting system". Whether `limit()` can throw is not documented: a throw (or a missing binding)
 * lets the call through with a warning, never a 500.
 */
import type { Context } from 'hono';
import { EVENT_LIMIT_CLASS, RATE_LIMIT_PERIOD_SECONDS, RATE_LIMITS, rateLimitBinding, type LimitClass, type LimitTier, type UsageEvent } from '@usage-lens/contract';
import type { AppEnv, RateLimitBindingName } from '../env.ts';
import { isAdmin } from '../auth/admins.ts';
import { resolvePrincipal } from '../auth/principal.ts';
import { limitMode } from './mode.ts';
import { tierOf } from './tiers.ts';

export interface LimitInfo {
  event: UsageEvent;
  class: LimitClass;
  tier: LimitTier;
  perMinute: number;
}

export interface LimitVerdict {
  /** The call is over its limit: mark its data point (observe), or refuse it (enforce). */
  over: boolean;
  /** Answer 429 instead of serving the call (enforce mode, over the limit). */
  refuse: boolean;
  /** The limit that was checked; null when none was (mode off, an admin, a limiter failure). */
  limit: LimitInfo | null;
}

const UNCHECKED: LimitVerdict = { over: false, refuse: false, limit: null };

const warnedMissing = new Set<string>();

/** Who a tracked call is charged to. */
export interface LimitSubject {
  userId: string;
  orgId: string;
}

/**
 * Counts the call against its user's limit and says what to do with it. The caller is the request's
 * principal (already resolved by the entry point; read again from the context, not from D1).
 */
export async function checkLimit(c: Context<AppEnv>, subject: LimitSubject, event: UsageEvent): Promise<LimitVerdict> {
  const mode = limitMode(c.env);
  if (mode === 'off') return UNCHECKED;
  try {
    const principal = await resolvePrincipal(c);
    if (principal && isAdmin(c.env, principal)) return UNCHECKED;
    const cls = EVENT_LIMIT_CLASS[event];
    const tier = await tierOf(c.env.DB, subject.userId, subject.orgId);
    const name = rateLimitBinding(cls, tier) as RateLimitBindingName;
    const limiter = c.env[name];
    if (!limiter || typeof limiter.limit !== 'function') {
      if (!warnedMissing.has(name)) {
        warnedMissing.add(name);
        console.warn(`limits: no rate limiting binding ${name} in this environment; ${cls} calls go unchecked`);
      }
      return UNCHECKED;
    }
    const { success } = await limiter.limit({ key: subject.userId });
    const limit: LimitInfo = { event, class: cls, tier, perMinute: RATE_LIMITS[tier][cls] };
    return { over: !success, refuse: !success && mode === 'enforce', limit };
  } catch (error) {
    // Never the user's id or anything else from the request: the error's own words only.
    console.warn(`limits: the ${event} limit check failed, the call goes through: ${error instanceof Error ? error.message : String(error)}`);
    return UNCHECKED;
  }
}

/** The answer to a call refused for its limit: 429, when to try again, and which limit it hit. */
export function limitRefusal(c: Context<AppEnv>, limit: LimitInfo): Response {
  return c.json(
    {
      error:
        `limit: more than ${limit.perMinute} ${limit.class} calls a minute (${limit.event} counts as ${limit.class}) ` +
        `for the ${limit.tier} tier; try again in ${RATE_LIMIT_PERIOD_SECONDS} s`,
      limit,
    },
    429,
    { 'retry-after': String(RATE_LIMIT_PERIOD_SECONDS) },
  );
}
