/**
 * The users list's requests, kept free of React so they can be tested as plain functions: the
 * worker searches and pages the list (GET /api/admin/users), so the browser never holds all of it.
 */
import { USER_LIST } from '@usage-lens/contract';

export interface UsersView {
  /** The search as typed; trimmed before it reaches the worker. */
  q: string;
  offset: number;
}

export const USERS_PAGE_SIZE: number = USER_LIST.defaultPageSize;

/** GET /api/admin/users for a view; the defaults are still sent, so the key says what is shown. */
export function usersPath(view: UsersView, limit: number = USERS_PAGE_SIZE): string {
  const params = new URLSearchParams({ limit: String(limit), offset: String(view.offset) });
  const q = view.q.trim();
  if (q) params.set('q', q);
  return `/api/admin/users?${params}`;
}

/**
 * GET /api/admin/users?ids= for these ids: each distinct id once, sorted (so the same set is the
 * same request), at most USER_LIST.maxIds a request.
 */
export function usersByIdsPaths(ids: readonly string[], max: number = USER_LIST.maxIds): string[] {
  const unique = [...new Set(ids.filter(Boolean))].sort();
  const paths: string[] = [];
  for (let i = 0; i < unique.length; i += max) {
    paths.push(`/api/admin/users?${new URLSearchParams({ ids: unique.slice(i, i + max).join(',') })}`);
  }
  return paths;
}
