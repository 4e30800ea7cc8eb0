/**
 * The app's users as admins see them (better-auth's `user` table): pages of them, searched by name,
 * email or id, and the users of a few ids. GET /api/admin/users answers with these; the usage
 * reads search users with the same match.
 */
import { USER_LIST, type AdminUser, type UsersPage } from '@usage-lens/contract';
import type { Env } from '../env.ts';
import { FieldError } from '../errors.ts';
import { parsePaging, parseSearch, refuseUnknown } from '../usage/params.ts';
import { isAdmin } from './admins.ts';

export type { AdminUser, UsersPage };

export interface UserRow {
  id: string;
  name: string;
  email: string;
  emailVerified: number;
  role: string | null;
  orgId: string | null;
  createdAt: string | number;
}

export const USER_COLUMNS = 'id, name, email, emailVerified, role, orgId, createdAt';

export function toAdminUser(env: Pick<Env, 'ADMIN_EMAILS'>, u: UserRow): AdminUser {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    emailVerified: Boolean(u.emailVerified),
    role: u.role ?? 'user',
    orgId: u.orgId ?? '',
    isAdmin: isAdmin(env, u),
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

/**
 * SQL matching users whose name, email or id contains the search, in any (ASCII) case: bind
 * `searchPattern(q)` as `param`.
 */
export const userMatches = (param: string) => `(name like ${param} escape '\\' or email like ${param} escape '\\' or id like ${param} escape '\\')`;

/** `%` and `_` in a search are characters, not wildcards. */
export const searchPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export type UsersQuery = { ids: string[] } | { q: string | null; limit: number; offset: number };

const KNOWN = ['q', 'limit', 'offset', 'ids'];

/** GET /api/admin/users' query: `ids` alone, or a page (`q`, `limit`, `offset`). Every fault is a 400 naming the parameter. */
export function parseUsersQuery(query: URLSearchParams): UsersQuery {
  refuseUnknown(query, KNOWN);
  if (query.has('ids')) {
    if (['q', 'limit', 'offset'].some((name) => query.has(name))) throw new FieldError('ids', 'give ids alone, without q, limit or offset');
    const ids = [...new Set(query.getAll('ids').flatMap((v) => v.split(',').map((s) => s.trim()).filter(Boolean)))];
    if (ids.length === 0) throw new FieldError('ids', 'give at least one user id (a comma list, or repeat the parameter)');
    if (ids.length > USER_LIST.maxIds) throw new FieldError('ids', `at most ${USER_LIST.maxIds} ids (${ids.length} given)`);
    if (ids.some((id) => id.length > USER_LIST.maxIdLength)) throw new FieldError('ids', `user ids are at most ${USER_LIST.maxIdLength} characters`);
    return { ids };
  }
  return { q: parseSearch(query), ...parsePaging(query, { defaultLimit: USER_LIST.defaultPageSize, maxLimit: USER_LIST.maxPageSize }) };
}

/** One page of users, oldest account first, with the number the whole list (or search) holds. */
export async function listUsers(
  env: Pick<Env, 'DB' | 'ADMIN_EMAILS'>,
  { q, limit, offset }: { q: string | null; limit: number; offset: number },
): Promise<{ users: AdminUser[]; page: UsersPage }> {
  const where = q === null ? '' : `where ${userMatches('?1')}`;
  const search = q === null ? [] : [searchPattern(q)];
  const paging = q === null ? 'limit ?1 offset ?2' : 'limit ?2 offset ?3';
  const [count, rows] = await env.DB.batch([
    env.DB.prepare(`select count(*) as total from user ${where}`).bind(...search),
    env.DB.prepare(`select ${USER_COLUMNS} from user ${where} order by createdAt, id ${paging}`).bind(...search, limit, offset),
  ]);
  const total = (count.results[0] as { total: number }).total;
  const users = (rows.results as UserRow[]).map((u) => toAdminUser(env, u));
  return { users, page: { limit, offset, total, nextOffset: offset + users.length < total ? offset + users.length : null } };
}

/** The users of these ids that exist, in the order asked. */
export async function usersByIds(env: Pick<Env, 'DB' | 'ADMIN_EMAILS'>, ids: readonly string[]): Promise<AdminUser[]> {
  // One bound JSON array instead of one parameter per id: D1 allows 100 parameters a statement.
  const { results } = await env.DB.prepare(`select ${USER_COLUMNS} from user where id in (select value from json_each(?))`)
    .bind(JSON.stringify(ids))
    .all<UserRow>();
  const byId = new Map(results.map((u) => [u.id, u]));
  return ids.flatMap((id) => {
    const u = byId.get(id);
    return u ? [toAdminUser(env, u)] : [];
  });
}
