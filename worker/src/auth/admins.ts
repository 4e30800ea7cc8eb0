import type { Env } from '../env.ts';

export function adminEmails(env: Pick<Env, 'ADMIN_EMAILS'>): Set<string> {
  return new Set(
    (env.ADMIN_EMAILS ?? '')
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function isAdminEmail(env: Pick<Env, 'ADMIN_EMAILS'>, email: string | null | undefined): boolean {
  return !!email && adminEmails(env).has(email.toLowerCase());
}

export interface AdminCandidate {
  role?: string | null;
  email?: string | null;
  /** D1 keeps better-auth's booleans as 0 / 1. */
  emailVerified?: boolean | number | null;
}

/**
 * Admins: role `admin`, or an email listed in ADMIN_EMAILS that its owner has verified (checked at
 * request time). Unverified, a listed address proves nothing: anyone can sign up with it first.
 */
export function isAdmin(env: Pick<Env, 'ADMIN_EMAILS'>, user: AdminCandidate): boolean {
  return (user.role ?? '').split(',').includes('admin') || (Boolean(user.emailVerified) && isAdminEmail(env, user.email));
}
