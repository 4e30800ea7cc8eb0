/**
 * Machine credentials (Grafana, ingest clients). A key is 32 random bytes shown once; D1 keeps its
 * SHA-256 only, which is enough for a secret with that much entropy and cheap per request.
 *
 * A key acts as its owner with the owner's rights at the time of the call: it is refused while the
 * owner is banned or once the key has expired, and its principal carries the owner's current role
 * and verified email, so requireAdmin weighs an admin-scoped key by who its owner is now.
 */
import type { ApiKeyScope, Principal } from '../env.ts';

export const API_KEY_PREFIX = 'ul_';

export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  userId: string;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** Epoch ms after which the key is refused; null for a key that lives until revoked. */
  expiresAt: number | null;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export async function createApiKey(
  db: D1Database,
  input: { name: string; scope: ApiKeyScope; userId: string; createdBy: string; expiresAt?: number | null },
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = `${API_KEY_PREFIX}${input.scope}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const record: ApiKeyRecord = {
    id: crypto.randomUUID(),
    name: input.name,
    scope: input.scope,
    prefix: key.slice(0, API_KEY_PREFIX.length + input.scope.length + 7),
    userId: input.userId,
    createdBy: input.createdBy,
    createdAt: Date.now(),
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: input.expiresAt ?? null,
  };
  await db
    .prepare(
      `insert into api_key (id, name, scope, keyHash, prefix, userId, createdBy, createdAt, expiresAt)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(record.id, record.name, record.scope, await sha256Hex(key), record.prefix, record.userId, record.createdBy, record.createdAt, record.expiresAt)
    .run();
  return { record, key };
}

export async function listApiKeys(db: D1Database): Promise<ApiKeyRecord[]> {
  const { results } = await db
    .prepare(
      `select id, name, scope, prefix, userId, createdBy, createdAt, lastUsedAt, revokedAt, expiresAt
       from api_key order by createdAt desc`,
    )
    .all<ApiKeyRecord>();
  return results;
}

/** Returns false when there is no such live key. */
export async function revokeApiKey(db: D1Database, id: string): Promise<boolean> {
  const { meta } = await db
    .prepare('update api_key set revokedAt = ? where id = ? and revokedAt is null')
    .bind(Date.now(), id)
    .run();
  return meta.changes > 0;
}

/** Recording last use costs a write, so it is refreshed at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyOwnerRow {
  id: string;
  scope: ApiKeyScope;
  lastUsedAt: number | null;
  expiresAt: number | null;
  userId: string;
  name: string;
  email: string;
  emailVerified: number | null;
  role: string | null;
  orgId: string | null;
  banned: number | null;
  banExpires: string | number | null;
}

/**
 * Whether better-auth's admin plugin would still hold the user banned: a ban without an end, or
 * one whose end is ahead (its session hook lifts a ban whose banExpires has passed,
 * better-auth/dist/plugins/admin/admin.mjs).
 */
function isBanned(row: Pick<KeyOwnerRow, 'banned' | 'banExpires'>, now: number): boolean {
  if (!row.banned) return false;
  return row.banExpires === null || new Date(row.banExpires).getTime() >= now;
}

export async function verifyApiKey(
  db: D1Database,
  key: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Principal | null> {
  const row = await db
    .prepare(
      `select k.id, k.scope, k.lastUsedAt, k.expiresAt, u.id as userId, u.name, u.email, u.emailVerified, u.role, u.orgId,
              u.banned, u.banExpires
       from api_key k join user u on u.id = k.userId
       where k.keyHash = ? and k.revokedAt is null`,
    )
    .bind(await sha256Hex(key))
    .first<KeyOwnerRow>();
  if (!row) return null;
  const now = Date.now();
  if (row.expiresAt !== null && row.expiresAt <= now) return null;
  if (isBanned(row, now)) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    waitUntil(db.prepare('update api_key set lastUsedAt = ? where id = ?').bind(now, row.id).run().catch(() => undefined));
  }
  return {
    userId: row.userId,
    orgId: row.orgId ?? '',
    name: row.name,
    email: row.email,
    role: row.role ?? 'user',
    emailVerified: Boolean(row.emailVerified),
    via: 'api-key',
    scope: row.scope,
  };
}
