/**
 * better-auth on D1: email + password accounts at /api/auth/*, roles from the admin plugin, and
 * bearer session tokens for clients that cannot keep cookies.
 */
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { admin, bearer } from 'better-auth/plugins';
import type { Env } from '../env.ts';
import { isAdminEmail } from './admins.ts';

export function authOptions(env: Env): BetterAuthOptions {
  return {
    database: env.DB,
    baseURL: env.BETTER_AUTH_URL,
    basePath: '/api/auth',
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: (env.TRUSTED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    emailAndPassword: { enabled: true, minPasswordLength: 8 },
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
          // Emails in ADMIN_EMAILS become admins when they sign up, so a fresh install has one.
          before: async (user) => ({
            data: { ...user, role: isAdminEmail(env, user.email) ? 'admin' : 'user' },
          }),
        },
      },
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
