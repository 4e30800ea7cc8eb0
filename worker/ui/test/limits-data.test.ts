import { describe, expect, it } from 'vitest';
import { LIMIT_CLASSES, LIMIT_MODES, RECOMMENDATION } from '@usage-lens/contract';
import { formatCount } from '../src/format.ts';
import {
  canGiveHigh,
  CLASS_ROWS,
  classEvents,
  HEADROOMS,
  INITIAL_LIMITS_VIEW,
  limitsPath,
  MODE_TEXT,
  overText,
  pickerHint,
  tierPath,
} from '../src/limits-data.ts';

describe('the Limits tab’s requests', () => {
  it('asks for the worker’s default period and headroom first, and says both', () => {
    const url = new URL(limitsPath(INITIAL_LIMITS_VIEW), 'http://x');
    expect(url.pathname).toBe('/api/admin/limits');
    expect(Object.fromEntries(url.searchParams)).toEqual({ period: '30d', headroom: '2' });
    expect(Object.fromEntries(new URL(limitsPath({ period: '7d', headroom: 1.25 }), 'http://x').searchParams)).toEqual({
      period: '7d',
      headroom: '1.25',
    });
  });

  it('offers only headrooms the worker takes, its default among them', () => {
    expect(HEADROOMS.length).toBeGreaterThan(2);
    for (const h of HEADROOMS) {
      expect(h).toBeGreaterThanOrEqual(RECOMMENDATION.minHeadroom);
      expect(h).toBeLessThanOrEqual(RECOMMENDATION.maxHeadroom);
      expect(Math.round(h * 1000)).toBe(h * 1000);
    }
    expect(HEADROOMS).toContain(RECOMMENDATION.defaultHeadroom);
  });

  it('puts the subject in the tier path, escaped', () => {
    expect(tierPath('user', 'usr_1')).toBe('/api/admin/limits/tiers/user/usr_1');
    expect(tierPath('org', 'a/b c')).toBe('/api/admin/limits/tiers/org/a%2Fb%20c');
  });
});

describe('the Limits tab’s words', () => {
  it('names the events each class counts, from the contract', () => {
    expect(classEvents('connect')).toBe('Sync and Chat');
    expect(classEvents('session')).toBe('Sync auth and Auth');
    expect(classEvents('ingest')).toBe('Ingest');
    for (const cls of LIMIT_CLASSES) expect(classEvents(cls)).not.toBe('');
  });

  it('counts minutes or days over, with the calls beyond the limit', () => {
    expect(overText(0, 'minute', 0, formatCount)).toBe('–');
    expect(overText(1, 'minute', 90, formatCount)).toBe('1 minute (90 calls over)');
    expect(overText(3, 'day', 1, formatCount)).toBe('3 days (1 call over)');
    expect(overText(2, 'day', 12_345, formatCount)).toBe('2 days (12,345 calls over)');
  });
});

describe('the Limits tab’s choices', () => {
  it('offers the high tier only to a named user who does not have it', () => {
    expect(canGiveHigh({ tier: 'standard', name: 'Ada' })).toBe(true);
    expect(canGiveHigh({ tier: 'high', name: 'Ada' })).toBe(false);
    // Not in the app's user table: the tiers API would refuse the id.
    expect(canGiveHigh({ tier: 'standard', name: null })).toBe(false);
  });

  it('says what the user picker found, with thousands separators', () => {
    expect(pickerHint('  ', false, undefined, formatCount)).toBe('search first');
    expect(pickerHint('ada', true, undefined, formatCount)).toBe('searching…');
    expect(pickerHint('ada', false, { total: 3, shown: 3 }, formatCount)).toBe('3 found');
    expect(pickerHint('a', false, { total: 12_345, shown: 20 }, formatCount)).toBe('12,345 found, first 20');
    expect(pickerHint('zz', false, { total: 0, shown: 0 }, formatCount)).toBe('0 found');
  });

  it('explains every mode and lists every class once', () => {
    for (const mode of LIMIT_MODES) expect(MODE_TEXT[mode]).toMatch(/\.$/);
    expect(new Set(Object.values(MODE_TEXT)).size).toBe(LIMIT_MODES.length);
    expect(CLASS_ROWS.map((r) => r.cls)).toEqual([...LIMIT_CLASSES]);
  });
});
