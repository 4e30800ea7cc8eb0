/**
 * How the console writes numbers and times. One fixed locale: the console's text is English, and a
 * page whose separators follow the reader's locale while its words do not reads as a mistake.
 */

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percents = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** 1234567 → "1,234,567". Non-finite values (a malformed answer) show as a dash, not "NaN". */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? counts.format(n) : '–';
}

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * "$1,234.56"; a cost above zero but under a cent says so rather than rounding to "$0.00"; "—" when
 * there is none (a usage answer narrowed by filters carries no cost).
 */
export function formatUsd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n > 0 && n < 0.005) return '< $0.01';
  return dollars.format(n);
}

/** Share of `part` in `whole`, "0%" when there is no whole. */
export function formatShare(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return '0%';
  return percents.format(part / whole);
}

/** Epoch milliseconds or an ISO string; null when absent or unreadable. */
export function toMillis(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const dateTimes = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** "Nov 17, 2026, 14:05 UTC" — UTC, like the usage API's windows and Grafana's AE panels. */
export function formatDateTime(value: number | string | null | undefined): string {
  const ms = toMillis(value);
  return ms === null ? '–' : dateTimes.format(ms);
}

const UNITS: [limit: number, size: number, unit: Intl.RelativeTimeFormatUnit][] = [
  [60_000, 1_000, 'second'],
  [3_600_000, 60_000, 'minute'],
  [86_400_000, 3_600_000, 'hour'],
  [30 * 86_400_000, 86_400_000, 'day'],
  [365 * 86_400_000, 30 * 86_400_000, 'month'],
  [Infinity, 365 * 86_400_000, 'year'],
];
const relative = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });

/** "3 minutes ago", "in 2 days"; `fallback` when there is no time (e.g. a key never used). */
export function formatRelative(value: number | string | null | undefined, now: number, fallback = 'never'): string {
  const ms = toMillis(value);
  if (ms === null) return fallback;
  const delta = ms - now;
  const [, size, unit] = UNITS.find(([limit]) => Math.abs(delta) < limit)!;
  return relative.format(Math.round(delta / size), unit);
}
