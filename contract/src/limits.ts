/**
 * Per-user rate limits: which limit each event counts against, the limits of each tier, how the
 * worker applies them, and how limits are recommended from history.
 *
 * Limits are enforced with Cloudflare's Workers Rate Limiting binding, whose limit and period are
 * fixed in wrangler config per binding ("period … Must be either 10 or 60",
 * https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/): one binding per
 * event class and tier, named by `rateLimitBinding`, with the per-minute limits below
 * (worker/test/structure.test.ts holds wrangler.toml to them). The binding is per Cloudflare
 * location and "permissive, eventually consistent": a guard against abuse, not exact accounting.
 */
import type { UsageEvent } from './events.ts';

/** off: no check; observe: let the call through and mark it over the limit; enforce: answer 429. */
export const LIMIT_MODES = ['off', 'observe', 'enforce'] as const;
export type LimitMode = (typeof LIMIT_MODES)[number];
export const DEFAULT_LIMIT_MODE: LimitMode = 'observe';

/** Tiers an admin can give a user or an organisation; everyone else is `standard`. */
export const LIMIT_TIERS = ['standard', 'high'] as const;
export type LimitTier = (typeof LIMIT_TIERS)[number];

/** Events count against the limit of their class: connections, session checks, ingestion. */
export const LIMIT_CLASSES = ['connect', 'session', 'ingest'] as const;
export type LimitClass = (typeof LIMIT_CLASSES)[number];
export const EVENT_LIMIT_CLASS: Record<UsageEvent, LimitClass> = {
  sync: 'connect',
  chat: 'connect',
  sync_auth: 'session',
  auth: 'session',
  ingest: 'ingest',
};

/** Calls per minute per user, by tier and class. */
export const RATE_LIMITS: Record<LimitTier, Record<LimitClass, number>> = {
  standard: { connect: 60, session: 120, ingest: 60 },
  high: { connect: 600, session: 1_200, ingest: 600 },
};

/** The Rate Limiting binding of a class and tier, e.g. RL_CONNECT_STANDARD. */
export const rateLimitBinding = (cls: LimitClass, tier: LimitTier) => `RL_${cls.toUpperCase()}_${tier.toUpperCase()}`;

/** When a refused call may try again: the binding's window. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * Recommended limits: the 99th percentile of what users did (per minute, per day) times a headroom,
 * rounded up, never below a floor. Percentiles are over active user-days: every day a user made at
 * least one call of the event, that day's total and that day's busiest minute.
 */
export const RECOMMENDATION = {
  defaultHeadroom: 2,
  minHeadroom: 1,
  maxHeadroom: 10,
  minPerMinute: 10,
  minPerDay: 100,
  /** Users over a limit listed per answer, busiest first. */
  maxUsersOver: 100,
  periods: ['7d', '30d'],
  defaultPeriod: '30d',
} as const;

export const QUANTILES = [0.5, 0.9, 0.99] as const;

/** p99 × headroom, rounded up, never below the floor. */
export function recommendLimit(p99: number, headroom: number, floor: number): number {
  return Math.max(floor, Math.ceil(p99 * headroom));
}

export type RecommendPeriod = (typeof RECOMMENDATION.periods)[number];

/** Percentiles of what users did, and the most any of them did. */
export interface Distribution {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** GET /api/admin/limits: one event's history and the limits recommended from it. */
export interface EventRecommendation {
  event: UsageEvent;
  class: LimitClass;
  /** Users with at least one such call in the window. */
  users: number;
  /** Days with at least one such call, summed over users: what the percentiles are over. */
  userDays: number;
  /** A user-day's calls. */
  day: Distribution;
  /** A user-day's busiest minute. */
  minute: Distribution;
  recommended: { perMinute: number; perDay: number };
  /** The Rate Limiting bindings' per-minute limits of the event's class, by tier (no per-day limit). */
  configured: { perMinute: Record<LimitTier, number> };
}

/** A user over a recommended or configured limit for one event. */
export interface UserOver {
  id: string;
  name: string | null;
  email: string | null;
  tier: LimitTier;
  event: UsageEvent;
  daysOverRecommended: number;
  callsOverRecommendedPerDay: number;
  minutesOverRecommended: number;
  callsOverRecommendedPerMinute: number;
  /** Against the configured per-minute limit of the user's own tier. */
  minutesOverConfigured: number;
  callsOverConfigured: number;
}

/** GET /api/admin/limits: the answer, as the worker sends it and the console reads it. */
export interface LimitsReport {
  window: { from: string; to: string; period: RecommendPeriod; days: number };
  dataset: string;
  mode: LimitMode;
  headroom: number;
  floors: { perMinute: number; perDay: number };
  events: EventRecommendation[];
  usersOver: UserOver[];
}
