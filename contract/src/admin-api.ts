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
