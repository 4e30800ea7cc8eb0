/**
 * The usage event: which events exist, how they are labelled, and where each field of a tracked
 * event lands in an Analytics Engine (AE) data point.
 */

/** Tracked events, in the order the per-user table shows them. */
export const USAGE_EVENTS = ['sync', 'sync_auth', 'auth', 'chat', 'ingest'] as const;
export type UsageEvent = (typeof USAGE_EVENTS)[number];

export const EVENT_LABELS: Record<UsageEvent, string> = {
  sync: 'Sync',
  sync_auth: 'Sync auth',
  auth: 'Auth',
  chat: 'Chat',
  ingest: 'Ingest',
};

export function isUsageEvent(value: string): value is UsageEvent {
  return (USAGE_EVENTS as readonly string[]).includes(value);
}

/** Where each field of a usage event is stored in AE's table. */
export const AE_COLUMNS = {
  userId: 'index1',
  event: 'blob1',
  orgId: 'blob2',
  status: 'double1',
  /** 1 when the call was over its rate limit (let through in observe mode, refused in enforce). */
  overLimit: 'double2',
} as const;

/** A call failed when its HTTP status is at least this. */
export const ERROR_STATUS = 400;

export const DATASETS = {
  production: 'usage_analytics',
  staging: 'usage_analytics_staging',
} as const;

/** The staging deployment is told apart by its auth URL. */
export function datasetFor(betterAuthUrl: string | undefined): string {
  return betterAuthUrl?.includes('staging') ? DATASETS.staging : DATASETS.production;
}

export interface UsageEventInput {
  userId: string;
  event: UsageEvent;
  /** `""` when the user belongs to no organisation. */
  orgId?: string | null;
  /** HTTP status of the tracked call; 0 when there is none. */
  status?: number;
  /** Whether the call was over the user's rate limit (observed or refused). */
  overLimit?: boolean;
}

export interface UsageDataPoint {
  indexes: [string];
  blobs: [string, string];
  doubles: [number, number];
}

export function toDataPoint(input: UsageEventInput): UsageDataPoint {
  return {
    indexes: [input.userId],
    blobs: [input.event, input.orgId ?? ''],
    doubles: [input.status ?? 0, input.overLimit ? 1 : 0],
  };
}
