/**
 * Rate-limit tiers in D1 (`limit_tier`): a user's own tier, else their organisation's, else
 * `standard`. The limit check reads them on every tracked call, so each isolate keeps what it read
 * for TIER_CACHE_SECONDS: a change made through the admin API applies at once in the isolate that
 * made it and within TIER_CACHE_SECONDS everywhere else.
 */
import { LIMIT_TIERS, type LimitTier } from '@usage-lens/contract';

export const SUBJECT_TYPES = ['user', 'org'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];
export const DEFAULT_TIER: LimitTier = 'standard';

/** How long an isolate trusts a tier it read: the most a change made elsewhere takes to apply. */
export const TIER_CACHE_SECONDS = 60;
/** Callers one isolate remembers; the oldest entry goes first. */
const TIER_CACHE_ENTRIES = 10_000;

/** A per-isolate memory of tiers, keyed by user and organisation, with the clock passed in. */
export class TierCache {
  private readonly entries = new Map<string, { tier: LimitTier; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  constructor(ttlMs = TIER_CACHE_SECONDS * 1000, maxEntries = TIER_CACHE_ENTRIES) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(key: string, now: number): LimitTier | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.tier;
  }

  set(key: string, tier: LimitTier, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { tier, expires: now + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

const cache = new TierCache();

/** The tier a user's calls are limited by: their own, else their organisation's, else standard. */
export async function tierOf(db: D1Database, userId: string, orgId: string, now = Date.now()): Promise<LimitTier> {
  const key = `${userId}\u0000${orgId}`;
  const known = cache.get(key, now);
  if (known) return known;
  const { results } = await db
    .prepare(`select "subjectType", "tier" from "limit_tier" where ("subjectType" = 'user' and "subjectId" = ?1) or ("subjectType" = 'org' and "subjectId" = ?2)`)
    .bind(userId, orgId)
    .all<{ subjectType: SubjectType; tier: LimitTier }>();
  const own = results.find((r) => r.subjectType === 'user')?.tier;
  const org = orgId ? results.find((r) => r.subjectType === 'org')?.tier : undefined;
  const tier = resolveTier(own, org);
  cache.set(key, tier, now);
  return tier;
}

/** The rule: a user's own tier, else their organisation's, else standard. */
export function resolveTier(own: LimitTier | null | undefined, org: LimitTier | null | undefined): LimitTier {
  return own ?? org ?? DEFAULT_TIER;
}

export interface UserWithTier {
  name: string;
  email: string;
  tier: LimitTier;
}

/** Many users' names and tiers in one query (uncached: for admin answers, not the request path). */
export async function usersWithTiers(db: D1Database, ids: readonly string[]): Promise<Map<string, UserWithTier>> {
  const found = new Map<string, UserWithTier>();
  if (ids.length === 0) return found;
  // One bound JSON array instead of one parameter per id: D1 allows 100 parameters a statement.
  const { results } = await db
    .prepare(
      `select u."id", u."name", u."email", own."tier" as "own", org."tier" as "org"
       from "user" u
       left join "limit_tier" own on own."subjectType" = 'user' and own."subjectId" = u."id"
       left join "limit_tier" org on org."subjectType" = 'org' and org."subjectId" = u."orgId"
       where u."id" in (select value from json_each(?))`,
    )
    .bind(JSON.stringify(ids))
    .all<{ id: string; name: string; email: string; own: LimitTier | null; org: LimitTier | null }>();
  for (const r of results) found.set(r.id, { name: r.name, email: r.email, tier: resolveTier(r.own, r.org) });
  return found;
}

export interface TierAssignment {
  type: SubjectType;
  id: string;
  /** The user's or organisation's name; null when it no longer exists. */
  name: string | null;
  /** Users only. */
  email: string | null;
  tier: LimitTier;
  updatedBy: string;
  updatedAt: string;
}

interface AssignmentRow {
  subjectType: SubjectType;
  subjectId: string;
  tier: LimitTier;
  updatedBy: string;
  updatedAt: number;
  name: string | null;
  email: string | null;
}

const SELECT_ASSIGNMENTS = `
  select t."subjectType", t."subjectId", t."tier", t."updatedBy", t."updatedAt",
         coalesce(u."name", o."name") as "name", u."email" as "email"
  from "limit_tier" t
  left join "user" u on t."subjectType" = 'user' and u."id" = t."subjectId"
  left join "organization" o on t."subjectType" = 'org' and o."id" = t."subjectId"`;

const toAssignment = (r: AssignmentRow): TierAssignment => ({
  type: r.subjectType,
  id: r.subjectId,
  name: r.name,
  email: r.email,
  tier: r.tier,
  updatedBy: r.updatedBy,
  updatedAt: new Date(r.updatedAt).toISOString(),
});

/** Every tier given, organisations first, then users, by name. */
export async function listTiers(db: D1Database): Promise<TierAssignment[]> {
  // 'org' sorts before 'user'.
  const { results } = await db.prepare(`${SELECT_ASSIGNMENTS} order by t."subjectType", "name", t."subjectId"`).all<AssignmentRow>();
  return results.map(toAssignment);
}

/** Whether the user or organisation exists (a tier is only given to one that does). */
export async function subjectExists(db: D1Database, type: SubjectType, id: string): Promise<boolean> {
  const table = type === 'user' ? '"user"' : '"organization"';
  return (await db.prepare(`select 1 as "found" from ${table} where "id" = ?`).bind(id).first()) !== null;
}

export async function setTier(db: D1Database, type: SubjectType, id: string, tier: LimitTier, by: string, now = Date.now()): Promise<TierAssignment> {
  await db
    .prepare(
      `insert into "limit_tier" ("subjectType", "subjectId", "tier", "updatedBy", "updatedAt") values (?1, ?2, ?3, ?4, ?5)
       on conflict ("subjectType", "subjectId") do update set "tier" = ?3, "updatedBy" = ?4, "updatedAt" = ?5`,
    )
    .bind(type, id, tier, by, now)
    .run();
  cache.clear();
  const row = await db.prepare(`${SELECT_ASSIGNMENTS} where t."subjectType" = ? and t."subjectId" = ?`).bind(type, id).first<AssignmentRow>();
  return toAssignment(row!);
}

/** Back to the default; false when no tier was given. */
export async function clearTier(db: D1Database, type: SubjectType, id: string): Promise<boolean> {
  const { meta } = await db.prepare(`delete from "limit_tier" where "subjectType" = ? and "subjectId" = ?`).bind(type, id).run();
  cache.clear();
  return meta.changes > 0;
}

export const isTier = (value: unknown): value is LimitTier => (LIMIT_TIERS as readonly unknown[]).includes(value);
export const isSubjectType = (value: unknown): value is SubjectType => (SUBJECT_TYPES as readonly unknown[]).includes(value);
