/**
 * Turns written data points into stored rows. Points are checked with workerd's limits; the two
 * fields AE sets itself (`timestamp`, `_sample_interval`) may be given here so the simulator can
 * backfill history and write sampled rows.
 */
import { dataPointViolation } from '@usage-lens/contract';
import type { Row } from './store.ts';

export interface PointInput {
  indexes?: (string | null)[] | null;
  blobs?: (string | null)[] | null;
  doubles?: number[] | null;
  /** Epoch milliseconds or an ISO date; defaults to the time of the write. */
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

function toSeconds(value: number | string | undefined, index: number, now: number): number {
  if (value === undefined) return Math.floor(now / 1000);
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > 4_102_444_800_000) {
    throw new PointError(index, 'timestamp', 'must be epoch milliseconds or an ISO date before 2100');
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
