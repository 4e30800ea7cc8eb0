/**
 * Analytics Engine's own rules, as Cloudflare documents them: what one data point may hold (and the
 * check workerd applies in `writeDataPoint()`, with workerd's own messages, so the local AE throws
 * exactly what production throws and the worker can refuse a point before writing it), how long
 * data is kept, and what writes and reads cost.
 *
 * The blob budget is the documented 16,000 bytes; open-source workerd still carries the older
 * 256 × 20 figure, production enforces the documented one.
 */

export const AE_LIMITS = {
  maxIndexes: 1,
  maxIndexBytes: 96,
  maxBlobs: 20,
  maxBlobBytes: 16_000,
  maxDoubles: 20,
  maxPointsPerInvocation: 250,
} as const;

/** AE keeps three months of data. */
export const AE_RETENTION_DAYS = 92;

/** A window's writes as a month (30 days) of the same rate. */
export function monthlyFromWindow(writes: number, windowSeconds: number): number {
  return windowSeconds > 0 ? (writes / windowSeconds) * 30 * 86_400 : 0;
}

/** What a month of writes costs on the paid plan, past the writes it includes. */
export function monthlyWritesCostUsd(monthlyWrites: number): number {
  const billable = Math.max(0, monthlyWrites - AE_PRICING.paidIncludedWritesPerMonth);
  return (billable / 1_000_000) * AE_PRICING.paidUsdPerMillionWrites;
}

/**
 * One user's part of the account's write cost: their share of the window's writes times the
 * account's projected monthly cost (the included writes are the account's, so each user carries the
 * bill in proportion to what they wrote).
 */
export function userCost(userWrites: number, totalWrites: number, windowSeconds: number) {
  const share = totalWrites > 0 ? userWrites / totalWrites : 0;
  const monthlyWrites = monthlyFromWindow(userWrites, windowSeconds);
  const monthlyUsd = share * monthlyWritesCostUsd(monthlyFromWindow(totalWrites, windowSeconds));
  return { share, monthlyWrites, monthlyUsd };
}

/**
 * What one SQL read may return and how long it may run. AE documents none of these numbers (its
 * docs say only that queries complete "within a fixed time limit"): they are the limits the local AE
 * enforces, the worker and the plugin estimate against before sending, and the README lists as an
 * assumption. AE answers 504 past its time limit; 60 s is the figure its API has been seen to use.
 */
export const AE_QUERY_LIMITS = {
  maxResultRows: 1_000_000,
  maxResultBytes: 100 * 1024 * 1024,
  timeoutSeconds: 60,
} as const;

/**
 * How Workers read AE without an HTTP call or a token: the Analytics SQL binding (`[analytics]` in
 * wrangler config) names an AE dataset `events.analyticsEngine.<dataset>` and weights COUNT, SUM,
 * AVG, countIf, sumIf, avgIf and topK by each row's sample interval itself
 * (https://developers.cloudflare.com/analytics/sql-api/datasets/,
 * https://developers.cloudflare.com/analytics/sql-api/sql-reference/functions/).
 */
export const ANALYTICS_SQL_DATASET_PREFIX = 'events.analyticsEngine';

/**
 * AE's published prices (2026), to put usage in cost terms: one `writeDataPoint()` is one write,
 * one request to the SQL API is one read query, whatever it reads.
 */
export const AE_PRICING = {
  freeWritesPerDay: 100_000,
  paidIncludedWritesPerMonth: 10_000_000,
  paidUsdPerMillionWrites: 0.25,
  freeReadsPerDay: 10_000,
  paidIncludedReadsPerMonth: 1_000_000,
  paidUsdPerMillionReads: 1,
} as const;
const PREFIX = 'writeDataPoint(): ';

type Bytes = string | ArrayBuffer | ArrayBufferView;

export interface DataPointInput {
  indexes?: ((Bytes | null | undefined)[]) | null;
  blobs?: ((Bytes | null | undefined)[]) | null;
  doubles?: (number[]) | null;
}

const encoder = new TextEncoder();

export function byteLength(value: Bytes): number {
  if (typeof value === 'string') return encoder.encode(value).byteLength;
  return value.byteLength;
}

function isBytes(value: unknown): value is Bytes {
  return typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

export interface Violation {
  /** The data point field at fault. */
  field: 'point' | 'indexes' | 'blobs' | 'doubles';
  message: string;
}

const violation = (field: Violation['field'], message: string): Violation => ({
  field,
  message: PREFIX + message,
});

/**
 * Returns workerd's error for the first limit the point breaks, or null when it may be written.
 * Shape errors (a blob that is a number, say) get a message in the same style.
 */
export function dataPointViolation(point: unknown): Violation | null {
  if (point === undefined || point === null) return null;
  if (typeof point !== 'object' || Array.isArray(point)) {
    return violation('point', 'The data point must be an object.');
  }
  const { indexes, blobs, doubles } = point as Record<string, unknown>;

  if (indexes !== undefined && indexes !== null) {
    if (!Array.isArray(indexes)) return violation('indexes', 'indexes must be an array.');
    if (indexes.length > AE_LIMITS.maxIndexes) {
      return violation('indexes', `Maximum of ${AE_LIMITS.maxIndexes} indexes supported.`);
    }
    const index = indexes[0];
    if (index !== undefined && index !== null) {
      if (!isBytes(index)) return violation('indexes', 'indexes[0] must be a string or an ArrayBuffer.');
      if (byteLength(index) > AE_LIMITS.maxIndexBytes) {
        return violation('indexes', `Size of indexes[0] exceeds ${AE_LIMITS.maxIndexBytes} bytes).`);
      }
    }
  }

  if (blobs !== undefined && blobs !== null) {
    if (!Array.isArray(blobs)) return violation('blobs', 'blobs must be an array.');
    if (blobs.length > AE_LIMITS.maxBlobs) {
      return violation('blobs', `Maximum of ${AE_LIMITS.maxBlobs} blobs supported.`);
    }
    let total = 0;
    for (let i = 0; i < blobs.length; i++) {
      const blob = blobs[i];
      if (blob === undefined || blob === null) continue;
      if (!isBytes(blob)) return violation('blobs', `blobs[${i}] must be a string or an ArrayBuffer.`);
      total += byteLength(blob);
      if (total > AE_LIMITS.maxBlobBytes) {
        return violation('blobs', `Cumulative size of blobs exceeds ${AE_LIMITS.maxBlobBytes} bytes).`);
      }
    }
  }

  if (doubles !== undefined && doubles !== null) {
    if (!Array.isArray(doubles)) return violation('doubles', 'doubles must be an array.');
    if (doubles.length > AE_LIMITS.maxDoubles) {
      return violation('doubles', `Maximum of ${AE_LIMITS.maxDoubles} doubles supported.`);
    }
    for (let i = 0; i < doubles.length; i++) {
      if (typeof doubles[i] !== 'number') return violation('doubles', `doubles[${i}] must be a number.`);
    }
  }
  return null;
}
