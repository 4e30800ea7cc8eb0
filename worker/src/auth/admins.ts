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

/** Admins: role `admin`, or an email listed in ADMIN_EMAILS (checked at request time too). */
export function isAdmin(env: Pick<Env, 'ADMIN_EMAILS'>, user: { role?: string | null; email?: string | null }): boolean {
  return (user.role ?? '').split(',').includes('admin') || isAdminEmail(env, user.email);
}
