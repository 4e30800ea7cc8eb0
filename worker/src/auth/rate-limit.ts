/**
 * Login throttling with better-auth's rate limiter, on in every environment (better-auth turns it
 * on only under NODE_ENV=production) and counted in D1, which every isolate shares (better-auth's
 * default store is a per-isolate Map).
 *
 * better-auth picks the rule (window, max) by path, finds the client IP and answers 429 with
 * X-Retry-After; it keys a counter by IP and path only (better-auth/dist/api/rate-limiter/
 * index.mjs). That key would make every account behind one address share 5 sign-ins a minute (an
 * office, or the simulator and test suites, which sign in many users from one host), so the store
 * below adds the email the request names: 5 attempts a minute per IP and email. The email reaches
 * the store through an AsyncLocalStorage entered around better-auth's handler (handleAuth), since
 * better-auth hands a store only its key.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { BetterAuthRateLimitOptions } from 'better-auth';

type RateLimitStorage = NonNullable<BetterAuthRateLimitOptions['customStorage']>;

/** Sign-in attempts allowed per client IP and email, and the window (seconds) they are counted in. */
export const SIGN_IN_RULE = { window: 60, max: 5 } as const;

/** Counters idle this long are deleted; longer than any window better-auth or this file sets. */
const FORGET_AFTER_MS = 10 * 60_000;

const requestEmail = new AsyncLocalStorage<string | undefined>();

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Runs better-auth's handler with the email the request body names, for the counters' key. */
export function withRequestEmail<T>(email: string | undefined, run: () => T): T {
  return requestEmail.run(email?.trim().toLowerCase() || undefined, run);
}

/**
 * better-auth's consume(): one request against `key` in a window running from the last allowed
 * request, as its own database store counts (decideConsume). Here the check and the increment are
 * one upsert, so concurrent requests from several isolates cannot all pass a stale read.
 */
function d1Storage(db: D1Database): RateLimitStorage {
  return {
    async consume(key, rule) {
      const email = requestEmail.getStore();
      // Hashed: the table need not keep the addresses an attacker tried.
      const fullKey = email ? `${key}|${(await sha256Hex(email)).slice(0, 32)}` : key;
      const now = Date.now();
      const windowMs = rule.window * 1000;
      const [, upsert] = await db.batch<{ count: number }>([
        db.prepare('delete from "rateLimit" where "lastRequest" < ?').bind(now - FORGET_AFTER_MS),
        db
          .prepare(
            `insert into "rateLimit" ("id", "key", "count", "lastRequest") values (?1, ?2, 1, ?3)
             on conflict ("key") do update set
               "count" = case when ?3 - "lastRequest" >= ?4 then 1 else "count" + 1 end,
               "lastRequest" = ?3
             where ?3 - "lastRequest" >= ?4 or "count" < ?5
             returning "count"`,
          )
          .bind(crypto.randomUUID(), fullKey, now, windowMs, rule.max),
      ]);
      // No row back: the update's condition failed, so the window is full.
      if (upsert.results.length > 0) return { allowed: true, retryAfter: null };
      const row = await db.prepare('select "lastRequest" from "rateLimit" where "key" = ?').bind(fullKey).first<{ lastRequest: number }>();
      const retryAfter = Math.max(1, Math.ceil(((row?.lastRequest ?? now) + windowMs - now) / 1000));
      return { allowed: false, retryAfter };
    },
  };
}

export function rateLimitOptions(db: D1Database): BetterAuthRateLimitOptions {
  return {
    enabled: true,
    // Declares better-auth's rateLimit table (migration 0003, checked by test/auth.test.ts); the
    // custom store below keeps its rows there.
    storage: 'database',
    customStorage: d1Storage(db),
    customRules: { '/sign-in/email': { ...SIGN_IN_RULE } },
  };
}
