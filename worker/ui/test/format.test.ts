import { describe, expect, it } from 'vitest';
import { formatCount, formatDateTime, formatRelative, formatShare, formatUsd, toMillis } from '../src/format.ts';

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1_000, '1,000'],
    [12_345, '12,345'],
    [1_234_567, '1,234,567'],
    [10_000_000_000, '10,000,000,000'],
    [-4_321, '-4,321'],
  ])('%d → %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });

  it('rounds to whole events (sampled counts can be fractional upstream)', () => {
    expect(formatCount(1_234.6)).toBe('1,235');
  });

  it('shows a dash, never NaN or Infinity, for a malformed number', () => {
    expect(formatCount(Number.NaN)).toBe('–');
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('formatShare', () => {
  it('gives a percentage with at most one decimal', () => {
    expect(formatShare(3, 100)).toBe('3%');
    expect(formatShare(1, 3)).toBe('33.3%');
    expect(formatShare(12_345, 12_345)).toBe('100%');
  });

  it('is 0% when there is nothing to divide by', () => {
    expect(formatShare(0, 0)).toBe('0%');
    expect(formatShare(5, Number.NaN)).toBe('0%');
  });
});

describe('times', () => {
  it('reads epoch milliseconds, digit strings and ISO strings alike', () => {
    expect(toMillis(1_795_888_183_585)).toBe(1_795_888_183_585);
    expect(toMillis('1795888183585')).toBe(1_795_888_183_585);
    expect(toMillis('2026-11-28T17:49:43.585Z')).toBe(1_795_888_183_585);
    expect(toMillis(null)).toBeNull();
    expect(toMillis('')).toBeNull();
    expect(toMillis('not a date')).toBeNull();
  });

  it('writes dates in UTC, as the usage API windows are', () => {
    expect(formatDateTime('2026-11-28T17:49:43Z')).toBe('Nov 28, 2026, 17:49 UTC');
    expect(formatDateTime(Date.UTC(2026, 0, 2, 3, 4))).toBe('Jan 2, 2026, 03:04 UTC');
    expect(formatDateTime(null)).toBe('–');
  });

  it('says how long ago, in the largest whole unit', () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    expect(formatRelative(now - 5_000, now)).toBe('5 seconds ago');
    expect(formatRelative(now - 3 * 60_000, now)).toBe('3 minutes ago');
    expect(formatRelative(now - 2 * 3_600_000, now)).toBe('2 hours ago');
    expect(formatRelative(now - 86_400_000, now)).toBe('yesterday');
    expect(formatRelative(now + 3 * 86_400_000, now)).toBe('in 3 days');
    expect(formatRelative(now - 400 * 86_400_000, now)).toBe('last year');
  });

  it('says "never" (or the given word) for a key not used yet', () => {
    expect(formatRelative(null, Date.now())).toBe('never');
    expect(formatRelative(undefined, Date.now(), 'no expiry')).toBe('no expiry');
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '$0.00'],
    [0.5, '$0.50'],
    [0.005, '$0.01'],
    [1_234.567, '$1,234.57'],
    [0.004, '< $0.01'],
    [0.000_001, '< $0.01'],
  ])('%d → %s', (n, text) => {
    expect(formatUsd(n)).toBe(text);
  });

  it('shows a dash when there is no cost (filters) or it is malformed', () => {
    expect(formatUsd(null)).toBe('—');
    expect(formatUsd(undefined)).toBe('—');
    expect(formatUsd(Number.NaN)).toBe('—');
  });
});
