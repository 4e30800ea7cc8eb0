/**
 * The admin API's own bounds, shared by the worker that enforces them and the admin console that
 * asks within them.
 */

/** GET /api/admin/users: pages of the app's users (`q`, `limit`, `offset`), or the users of a few `ids`. */
export const USER_LIST = {
  defaultPageSize: 100,
  maxPageSize: 1_000,
  /** Ids one `?ids=` request may name. */
  maxIds: 200,
  /** Characters one id may have (better-auth's are 32). */
  maxIdLength: 256,
} as const;

/** One of the app's users as GET /api/admin/users answers it. */
export interface AdminUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  role: string;
  /** `""` for no organisation. */
  orgId: string;
  /** Role admin, or a verified address in ADMIN_EMAILS: the worker's call, which the browser cannot make. */
  isAdmin: boolean;
  createdAt: string;
}

export interface UsersPage {
  limit: number;
  offset: number;
  /** Users the whole list (or search) holds. */
  total: number;
  /** Where the next page starts, or null on the last page. */
  nextOffset: number | null;
}

/** GET /api/admin/users: one page, or the users of `?ids=`. */
export interface UsersAnswer {
  users: AdminUser[];
  page: UsersPage;
}
