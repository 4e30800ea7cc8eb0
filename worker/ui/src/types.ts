/** The worker's answers as the console reads them (routes/usage.ts, routes/admin.ts, routes/limits.ts). */
import type {
  LimitClass,
  LimitMode,
  LimitTier,
  Period,
  SeriesBucket,
  SortOrder,
  UsageEvent,
  UsageTotals,
  userCost,
  UserSort,
  UserUsage,
} from '@usage-lens/contract';

export type { LimitClass, LimitMode, LimitTier, Period, SeriesBucket, SortOrder, UsageEvent, UsageTotals, UserSort, UserUsage };

/** A /usage row: the user's counts and their part of the AE write bill, null when filters narrow the totals. */
export interface PricedUserUsage extends UserUsage {
  cost: ReturnType<typeof userCost> | null;
}

export interface UsageWindow {
  from: string;
  to: string;
  period: Period | null;
  interval: number | null;
}

export interface UsagePage {
  sort: UserSort;
  order: SortOrder;
  limit: number;
  offset: number;
  /** Users the whole list holds, when the worker knows it without another read. */
  total: number | null;
  nextOffset: number | null;
}

export interface UsageReport {
  window: UsageWindow;
  dataset: string;
  events: UsageEvent[];
  filters: { users: string[]; orgs: string[]; events: UsageEvent[]; q: string | null };
  totals: UsageTotals;
  users: PricedUserUsage[];
  page: UsagePage;
}

export interface SeriesAnswer {
  window: { from: string; to: string };
  interval: number;
  buckets: SeriesBucket[];
}

export type { AdminUser, UsersAnswer } from '@usage-lens/contract';

/** GET /api/admin/me: who is signed in, and whether the admin API lets them in. */
export interface Me {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}

export interface Org {
  id: string;
  name: string;
  createdAt: string;
}

export type ApiKeyScope = 'admin' | 'ingest';

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  userId: string;
  createdBy: string;
  createdAt: number | string;
  lastUsedAt: number | string | null;
  revokedAt: number | string | null;
  /** Being added to the worker: absent on workers without key expiry. */
  expiresAt?: number | string | null;
}

/** POST /api/admin/api-keys: the record and, this once, the key itself. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export type { Distribution, EventRecommendation, LimitsReport, RecommendPeriod, UserOver } from '@usage-lens/contract';

export type TierSubject = 'user' | 'org';

export interface TierAssignment {
  type: TierSubject;
  id: string;
  /** null when the user or organisation no longer exists. */
  name: string | null;
  email: string | null;
  tier: LimitTier;
  updatedBy: string;
  updatedAt: string;
}

/** GET /api/admin/limits/tiers. */
export interface TiersAnswer {
  mode: LimitMode;
  defaultTier: LimitTier;
  perMinute: Record<LimitTier, Record<LimitClass, number>>;
  appliesWithinSeconds: number;
  assignments: TierAssignment[];
}
