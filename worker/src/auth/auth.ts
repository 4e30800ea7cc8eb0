/**
 * better-auth on D1: email + password accounts at /api/auth/*, roles from the admin plugin, bearer
 * session tokens for clients that cannot keep cookies, login throttling (rate-limit.ts) and email
 * verification, which is what makes an ADMIN_EMAILS address an admin (admins.ts).
 */
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { admin, bearer } from 'better-auth/plugins';
import type { Context } from 'hono';
import type { AppEnv, Env } from '../env.ts';
import { readBodyText } from '../body.ts';
import { isAdminEmail } from './admins.ts';
import { rateLimitOptions, withRequestEmail } from './rate-limit.ts';
import { AUTH_BASE_PATH } from './verification-link.ts';

/** Auth requests are small JSON documents; anything larger is refused before better-auth reads it. */
export const AUTH_MAX_BODY_BYTES = 64 * 1024;

type SendVerificationEmail = NonNullable<NonNullable<BetterAuthOptions['emailVerification']>['sendVerificationEmail']>;

/**
 * Verification mail through Cloudflare Email Service's send_email binding
 * (https://developers.cloudflare.com/email-service/api/send-emails/workers-api/). The link is
 * better-auth's; whoever opens it verifies the address.
 */
export function verificationMailer(mail: SendEmail, from: string): SendVerificationEmail {
  return async ({ user, url }) => {
    await mail.send({
      from,
      to: user.email,
      subject: 'Verify your email address for Usage Lens',
      text: `Open this link to verify ${user.email} for Usage Lens:\n\n${url}\n\nIf you did not sign up, ignore this mail.\n`,
    });
  };
}

export function authOptions(env: Env): BetterAuthOptions {
  const mailer = env.EMAIL && env.MAIL_FROM ? verificationMailer(env.EMAIL, env.MAIL_FROM) : undefined;
  return {
    database: env.DB,
    baseURL: env.BETTER_AUTH_URL,
    basePath: AUTH_BASE_PATH,
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: (env.TRUSTED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    emailAndPassword: { enabled: true, minPasswordLength: 8 },
    emailVerification: {
      // Without a mail binding (local dev, tests) nothing is sent, and better-auth's
      // /send-verification-email says verification mail is not enabled.
      sendOnSignUp: mailer !== undefined,
      sendVerificationEmail: mailer,
      // better-auth's admin endpoints (ban-user, …) check the role, so a listed address gets it
      // once verified, as it used to at sign-up.
      afterEmailVerification: async (user) => {
        if (!isAdminEmail(env, user.email)) return;
        await env.DB.prepare(`update user set role = 'admin', updatedAt = ? where id = ?`).bind(new Date().toISOString(), user.id).run();
      },
    },
    user: {
      additionalFields: {
        // Set by an admin (PATCH /api/admin/users/:id), never by the user at sign-up.
        orgId: { type: 'string', required: false, input: false },
      },
    },
    plugins: [admin({ defaultRole: 'user', adminRoles: ['admin'] }), bearer()],
    databaseHooks: {
      user: {
        create: {
          // Nobody starts as an admin: an ADMIN_EMAILS address counts once it is verified.
          before: async (user) => ({ data: { ...user, role: 'user' } }),
        },
      },
    },
    rateLimit: rateLimitOptions(env.DB),
    advanced: {
      // Set by Cloudflare's edge (and by wrangler dev) from the connection; a client cannot choose it.
      ipAddress: { ipAddressHeaders: ['cf-connecting-ip'] },
    },
    telemetry: { enabled: false },
  };
}

export type Auth = ReturnType<typeof betterAuth>;

// One instance per isolate and configuration: building it parses the whole plugin tree.
const instances = new WeakMap<Env, Auth>();

export function getAuth(env: Env): Auth {
  let auth = instances.get(env);
  if (!auth) {
    auth = betterAuth(authOptions(env));
    instances.set(env, auth);
  }
  return auth;
}

function emailIn(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const email = (parsed as { email?: unknown } | null)?.email;
    return typeof email === 'string' ? email : undefined;
  } catch {
    return undefined;
  }
}

/**
 * /api/auth/*: better-auth's handler, given a body read within AUTH_MAX_BODY_BYTES and run with
 * the email that body names, which the login throttle counts by.
 */
export async function handleAuth(c: Context<AppEnv>): Promise<Response> {
  const request = c.req.raw;
  if (request.body === null) return getAuth(c.env).handler(request);
  const body = await readBodyText(request, AUTH_MAX_BODY_BYTES);
  // Bytes, not the string: a string body would gain a text/plain content type it never had.
  const forwarded = new Request(request, { body: new TextEncoder().encode(body) });
  return withRequestEmail(emailIn(body), () => getAuth(c.env).handler(forwarded));
}
