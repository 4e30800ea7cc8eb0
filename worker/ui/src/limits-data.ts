/**
 * The Limits tab's logic, kept free of React so it can be tested as plain functions: its requests,
 * the headroom choices, and the sentences its tables are made of.
 */
import { EVENT_LABELS, EVENT_LIMIT_CLASS, LIMIT_CLASSES, RECOMMENDATION, USAGE_EVENTS, type LimitClass, type LimitMode } from '@usage-lens/contract';
import type { RecommendPeriod, TierSubject, UserOver } from './types.ts';

export const TIERS_PATH = '/api/admin/limits/tiers';

export interface LimitsView {
  period: RecommendPeriod;
  headroom: number;
}

export const INITIAL_LIMITS_VIEW: LimitsView = { period: RECOMMENDATION.defaultPeriod, headroom: RECOMMENDATION.defaultHeadroom };

export const RECOMMEND_PERIOD_LABELS: Record<RecommendPeriod, string> = { '7d': 'Last 7 whole days', '30d': 'Last 30 whole days' };

/**
 * Headrooms offered: a list rather than a free number, because every answer costs two AE reads and
 * typing "1.5" would otherwise ask for 1 first. All within the worker's 1 to 10.
 */
export const HEADROOMS = [1, 1.25, 1.5, 2, 3, 5, 10].filter((h) => h >= RECOMMENDATION.minHeadroom && h <= RECOMMENDATION.maxHeadroom);

/** GET /api/admin/limits for a view, every parameter sent so the key says what is shown. */
export function limitsPath(view: LimitsView): string {
  return `/api/admin/limits?${new URLSearchParams({ period: view.period, headroom: String(view.headroom) })}`;
}

/** PUT / DELETE of one user's or organisation's tier. */
export function tierPath(type: TierSubject, id: string): string {
  return `${TIERS_PATH}/${type}/${encodeURIComponent(id)}`;
}

/** What each limit class counts, in the console's words: "Sync and Chat". */
export function classEvents(cls: LimitClass): string {
  const labels = USAGE_EVENTS.filter((e) => EVENT_LIMIT_CLASS[e] === cls).map((e) => EVENT_LABELS[e]);
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : (labels[0] ?? '');
}

export const CLASS_ROWS = LIMIT_CLASSES.map((cls) => ({ cls, events: classEvents(cls) }));

/** What LIMITS_MODE means for a call over its limit. */
export const MODE_TEXT: Record<LimitMode, string> = {
  off: 'Nothing is checked: every call goes through and none is counted as over its limit.',
  observe: 'Calls over their limit go through and are counted as over the limit (the over-limit column, Grafana’s alerts).',
  enforce: 'Calls over their limit are refused with 429 and counted as over the limit.',
};

/** "3 minutes (95 calls over)", or "–" for none. */
export function overText(count: number, unit: 'day' | 'minute', calls: number, format: (n: number) => string): string {
  if (!count) return '–';
  return `${format(count)} ${unit}${count === 1 ? '' : 's'} (${format(calls)} call${calls === 1 ? '' : 's'} over)`;
}

/**
 * Whether a user over a limit can be given the high tier from the list: not one who has it, and
 * not one the app's user table does not hold (no name), whom the tiers API would refuse (400 id).
 */
export function canGiveHigh(user: Pick<UserOver, 'tier' | 'name'>): boolean {
  return user.tier !== 'high' && user.name !== null;
}

/** The user picker's first line: what to do, or what the search found ("1,234 found, first 20"). */
export function pickerHint(asked: string, loading: boolean, found: { total: number; shown: number } | undefined, format: (n: number) => string): string {
  if (!asked.trim()) return 'search first';
  if (loading || !found) return 'searching…';
  return `${format(found.total)} found${found.total > found.shown ? `, first ${format(found.shown)}` : ''}`;
}
