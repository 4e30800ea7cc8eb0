/**
 * The usage API's vocabulary: the periods it answers for, the dimensions it breaks usage down by,
 * and the bounds on what one request may ask.
 */
import { AE_RETENTION_DAYS } from './analytics-engine.ts';

/** Seconds in each named period. */
export const PERIODS = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;
export type Period = keyof typeof PERIODS;

export const GROUP_DIMS = ['user', 'event', 'org', 'status'] as const;
export type GroupDim = (typeof GROUP_DIMS)[number];

export const USAGE_LIMITS = {
  /** A window can reach back no further than AE keeps data. */
  maxWindowSeconds: AE_RETENTION_DAYS * 86_400,
  minIntervalSeconds: 60,
  maxBuckets: 2_000,
  maxFilterValues: 100,
  maxOrgLength: 256,
} as const;
