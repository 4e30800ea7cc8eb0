/**
 * LIMITS_MODE: off, observe (the default) or enforce. A value that is none of these is read as
 * observe, with one warning per isolate and value, so a typo neither switches limits off nor starts
 * refusing calls.
 */
import { DEFAULT_LIMIT_MODE, LIMIT_MODES, type LimitMode } from '@usage-lens/contract';
import type { Env } from '../env.ts';

const warned = new Set<string>();

export function limitMode(env: Pick<Env, 'LIMITS_MODE'>): LimitMode {
  const raw = env.LIMITS_MODE;
  if (raw === undefined || raw === '') return DEFAULT_LIMIT_MODE;
  const mode = raw.trim();
  if ((LIMIT_MODES as readonly string[]).includes(mode)) return mode as LimitMode;
  if (!warned.has(raw)) {
    warned.add(raw);
    console.warn(`LIMITS_MODE ${JSON.stringify(raw)} is not one of ${LIMIT_MODES.join(', ')}: limits are observed (${DEFAULT_LIMIT_MODE})`);
  }
  return DEFAULT_LIMIT_MODE;
}
