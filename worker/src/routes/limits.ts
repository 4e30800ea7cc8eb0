/**
 * /api/admin/limits: limits recommended from history (usage/recommend.ts), and the tiers admins give
 * users and organisations. Mounted inside the admin routes, so requireAdmin and the cookie-write rule
 * (trusted origin, JSON) apply to every route here.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { LIMIT_TIERS, RATE_LIMITS } from '@usage-lens/contract';
import type { AppEnv } from '../env.ts';
import { readJsonBody, requireObject } from '../body.ts';
import { FieldError } from '../errors.ts';
import { waitUntil } from '../context.ts';
import { limitMode } from '../limits/mode.ts';
import { parseLimitsParams } from '../usage/params.ts';
import { recommendLimits } from '../usage/recommend.ts';
import { clearTier, DEFAULT_TIER, isSubjectType, isTier, listTiers, setTier, subjectExists, SUBJECT_TYPES, TIER_CACHE_SECONDS, type SubjectType } from '../limits/tiers.ts';

const MAX_BODY = 16 * 1024;

export const limits = new Hono<AppEnv>();

limits.get('/', async (c) => {
  const params = parseLimitsParams(new URL(c.req.url).searchParams);
  return c.json(await recommendLimits(c.env, params, (p) => waitUntil(c, p)));
});

limits.get('/tiers', async (c) =>
  c.json({
    mode: limitMode(c.env),
    defaultTier: DEFAULT_TIER,
    perMinute: RATE_LIMITS,
    appliesWithinSeconds: TIER_CACHE_SECONDS,
    assignments: await listTiers(c.env.DB),
  }),
);

function subjectOf(type: string): SubjectType {
  if (!isSubjectType(type)) throw new FieldError('type', `must be one of ${SUBJECT_TYPES.join(', ')}`);
  return type;
}

limits.put('/tiers/:type/:id', async (c) => {
  const type = subjectOf(c.req.param('type'));
  const id = c.req.param('id');
  const body = requireObject(await readJsonBody(c.req.raw, MAX_BODY));
  if (!isTier(body.tier)) throw new FieldError('tier', `must be one of ${LIMIT_TIERS.join(', ')}`);
  if (!(await subjectExists(c.env.DB, type, id))) throw new FieldError('id', `no such ${type === 'user' ? 'user' : 'organisation'}`);
  return c.json(await setTier(c.env.DB, type, id, body.tier, c.get('principal')!.userId));
});

limits.delete('/tiers/:type/:id', async (c) => {
  const type = subjectOf(c.req.param('type'));
  if (!(await clearTier(c.env.DB, type, c.req.param('id')))) throw new HTTPException(404, { message: `no tier was given to this ${type}` });
  return c.body(null, 204);
});
