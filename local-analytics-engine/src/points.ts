/**
 * Turns written data points into stored rows. Points are checked with workerd's limits; the two
 * fields AE sets itself (`timestamp`, `_sample_interval`) may be given here so the simulator can
 * backfill history and write sampled rows.
 */
import { AE_RETENTION_DAYS, dataPointViolation } from '@usage-lens/contract';
import { parseTimestamp } from './timestamp.ts';
import type { Row } from './store.ts';

export interface PointInput {
  indexes?: (string | null)[] | null;
  blobs?: (string | null)[] | null;
  doubles?: number[] | null;
  /** Epoch milliseconds or ISO 8601 with a timezone, within AE's retention; defaults to the time of the write. */
  timestamp?: number | string;
  /** How many real events this row stands for; 1 unless sampling is simulated. */
  _sample_interval?: number;
}

export class PointError extends Error {
  readonly point: number;
  readonly field: string;
  constructor(point: number, field: string, message: string) {
    super(`points[${point}].${field}: ${message}`);
    this.point = point;
    this.field = field;
  }
}

const MAX_SAMPLE_INTERVAL = 1_000_000;
const DAY_MS = 86_400_000;
/** How far ahead of the local AE's clock a point may be: clocks of one machine or a compose network. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * AE stamps a point when it is written and keeps it three months ("Data written to Workers
 * Analytics Engine is stored for three months": https://developers.cloudflare.com/analytics/analytics-engine/limits/),
 * so a point older than that, or from the future, is one AE could never hold: it is refused rather
 * than accepted and deleted by the TTL a moment later. Epoch milliseconds (a number) or ISO 8601
 * text with a timezone; anything else (`"0"`, arrays, dates without a timezone) is refused.
 */
function toSeconds(value: unknown, index: number, now: number): number {
  if (value === undefined) return Math.floor(now / 1000);
  let ms: number | null = null;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (typeof value === 'string') ms = parseTimestamp(value);
  if (ms === null) {
    throw new PointError(index, 'timestamp', 'must be epoch milliseconds or an ISO 8601 timestamp with a timezone');
  }
  const oldest = now - AE_RETENTION_DAYS * DAY_MS;
  if (ms < oldest) {
    throw new PointError(index, 'timestamp', `is older than AE's ${AE_RETENTION_DAYS}-day retention (earliest ${new Date(oldest).toISOString()})`);
  }
  if (ms > now + MAX_FUTURE_SKEW_MS) {
    throw new PointError(index, 'timestamp', `is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`);
  }
  return Math.floor(ms / 1000);
}

/** Validates a whole batch before anything is stored, so a bad point rejects the batch. */
export function toRows(dataset: string, points: unknown, now = Date.now()): Row[] {
  if (!Array.isArray(points)) throw new PointError(-1, 'points', 'must be an array of data points');
  return points.map((raw, index): Row => {
    const bad = dataPointViolation(raw);
    if (bad) throw new PointError(index, bad.field, bad.message);
    const point = (raw ?? {}) as PointInput;
    for (const field of ['indexes', 'blobs'] as const) {
      // JSON cannot carry ArrayBuffers; the entrypoint decodes them to text before forwarding.
      const list = point[field] ?? [];
      const at = list.findIndex((v) => v !== null && v !== undefined && typeof v !== 'string');
      if (at !== -1) throw new PointError(index, field, `${field}[${at}] must be a string`);
    }
    const doubles = point.doubles ?? [];
    const notFinite = doubles.findIndex((d) => !Number.isFinite(d));
    if (notFinite !== -1) {
      throw new PointError(index, 'doubles', `doubles[${notFinite}] must be a finite number`);
    }
    const interval = point._sample_interval ?? 1;
    if (!Number.isInteger(interval) || interval < 1 || interval > MAX_SAMPLE_INTERVAL) {
      throw new PointError(index, '_sample_interval', `must be an integer from 1 to ${MAX_SAMPLE_INTERVAL}`);
    }
    // workerd stores text as UTF-8, where a lone surrogate becomes U+FFFD; do the same, so such a
    // string cannot reach ClickHouse's JSON parser and fail a batch shared with other writers.
    return {
      dataset,
      timestamp: toSeconds(point.timestamp, index, now),
      _sample_interval: interval,
      index1: (point.indexes?.[0] ?? '').toWellFormed(),
      blobs: (point.blobs ?? []).map((b) => (b ?? '').toWellFormed()),
      doubles,
    };
  });
}
