/**
 * Property-based hostile input (fast-check, 1,000+ values per property): usage filters never cause
 * SQL injection (results equal the safe expectation) or a 500, and ids that get written never make
 * tracking throw, whatever their size or bytes.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import fc from 'fast-check';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv, Env } from '../src/env.ts';
import { trackEvent } from '../src/analytics/track.ts';
import { AE_LIMITS, byteLength } from '@usage-lens/contract';
import { call, signUpAdmin, uniqueId, writePoints, aeSql, type Caller } from './helpers.ts';
import type { UsageReport } from '../src/usage/query-usage.ts';
import { parseUsageParams } from '../src/usage/params.ts';
import { FieldError } from '../src/errors.ts';

const RUNS = 1_000;

/** Strings built to break SQL: quotes, backslashes, comments, keywords, control and wide chars. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^[\\'"`;\-\/*# ()=ORANDUNIONSELECTDROP0-9a-z\x00-\x1f]{0,40}$/),
  fc
    .tuple(fc.constantFrom("'", "\\'", '\\', "''", '\\\\', '"', '`'), fc.constantFrom(' OR 1=1 --', ') OR (1=1', "' UNION SELECT * FROM system.tables --", '; DROP TABLE usage_analytics', ''), fc.string({ maxLength: 5 }))
    .map(([a, b, c]) => `${a}${b}${c}`),
);

/** What can travel in a URL: no lone surrogates (encodeURIComponent refuses them). */
const hostileParam = hostile.filter((v) => v.isWellFormed());
/** A hostile value that is still a valid user id (AE's index takes 96 bytes). */
const hostileId = hostileParam.filter((v) => byteLength(v) <= AE_LIMITS.maxIndexBytes);

let admin: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
});

describe('every usage parameter under hostile values', () => {
  it.each(['period', 'from', 'to', 'interval', 'user', 'org', 'event', 'group'])(`%s: ${RUNS} values parse or fail naming a parameter`, (name) => {
    fc.assert(
      fc.property(hostile, (value) => {
        try {
          const params = parseUsageParams(new URLSearchParams([[name, value]]));
          // Whatever is accepted is what reaches SQL: enumerations stay within their sets.
          expect(params.events.every((e) => ['sync', 'sync_auth', 'auth', 'chat', 'ingest'].includes(e))).toBe(true);
          expect(params.group.every((g) => ['user', 'event', 'org', 'status'].includes(g))).toBe(true);
          expect(Number.isFinite(params.from) && Number.isFinite(params.to) && params.from < params.to).toBe(true);
          if (name === 'user') expect(params.users).toEqual([value]);
        } catch (error) {
          expect(error).toBeInstanceOf(FieldError);
          expect((error as FieldError).status).toBe(400);
          expect(['period', 'from', 'to', 'interval', 'user', 'org', 'event', 'group']).toContain((error as FieldError).field);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('usage filters under hostile values', () => {
  // Ten values a request: every value is still checked on its own (the answer must hold exactly the
  // present ones), in a tenth of the requests.
  const PER_REQUEST = 10;

  it(`user=<hostile> matches exactly the users with that id (${RUNS} values, ${PER_REQUEST} a request)`, async () => {
    // Half of the hostile ids exist as data, so an exact match must find them and nothing else.
    const present = fc.sample(hostileParam.filter((s) => byteLength(s) <= AE_LIMITS.maxIndexBytes), 200);
    const tag = uniqueId('hostile');
    await writePoints(present.map((user) => ({ user, event: 'auth', org: tag })));
    const inData = new Set(present);
    await fc.assert(
      // Ids over AE's index size are refused whole (params.test.ts); here every value is a valid id.
      fc.asyncProperty(fc.uniqueArray(fc.oneof(fc.constantFrom(...present), hostileId), { minLength: PER_REQUEST, maxLength: PER_REQUEST }), async (values) => {
        // The users read alone (one SQL read a request): it is the read the user filter shapes.
        const query = new URLSearchParams([['period', '24h'], ['org', tag], ...values.map((v) => ['user', v])]);
        const res = await call(`/api/admin/usage/users?${query}`, { token: admin.token });
        expect(res.status, await res.clone().text()).toBe(200);
        const report = (await res.json()) as Pick<UsageReport, 'users'>;
        expect(report.users.map((u) => u.id).sort()).toEqual(values.filter((v) => inData.has(v)).sort());
      }),
      { numRuns: RUNS / PER_REQUEST },
    );
  }, 120_000);

  it(`org=<hostile> and several users at once stay exact (${RUNS} values, ${PER_REQUEST} a request)`, async () => {
    const orgs = fc.sample(hostileParam, 50);
    const user = uniqueId('org-prop');
    await writePoints(orgs.map((org) => ({ user, event: 'sync', org, status: 101 })));
    const counts = new Map<string, number>();
    for (const org of orgs) counts.set(org, (counts.get(org) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.oneof(fc.constantFrom(...orgs), hostileParam), { minLength: PER_REQUEST, maxLength: PER_REQUEST }),
        fc.array(hostileId, { maxLength: 3 }),
        async (picked, others) => {
          // Hostile strings are at most 40 units: every org is within the 256 allowed.
          const query = new URLSearchParams([['user', user], ...others.map((o) => ['user', o]), ...picked.map((o) => ['org', o])]);
          const res = await call(`/api/admin/usage/totals?${query}`, { token: admin.token });
          expect(res.status, await res.clone().text()).toBe(200);
          const report = (await res.json()) as Pick<UsageReport, 'totals'>;
          expect(report.totals.events).toBe(picked.reduce((n, o) => n + (counts.get(o) ?? 0), 0));
        },
      ),
      { numRuns: RUNS / PER_REQUEST },
    );
  }, 120_000);

  it('any value of any parameter over HTTP is a 200 or a 400 naming a parameter, never a 500 (300 runs)', async () => {
    const names = ['period', 'from', 'to', 'interval', 'user', 'org', 'event', 'group', 'limit'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...names), hostileParam), { minLength: 1, maxLength: 4 }), async (pairs) => {
        const res = await call(`/api/admin/usage?${new URLSearchParams(pairs)}`, { token: admin.token });
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) {
          const body = (await res.json()) as { field: string; error: string };
          expect(body.error.startsWith(`${body.field}: `)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nothing a filter did reached the data', async () => {
    const tables = await aeSql<{ dataset: string }>('SHOW TABLES');
    expect(tables.map((t) => t.dataset)).toContain('usage_analytics');
  });
});

describe('ids that get written', () => {
  it(`hostile or oversize user and org ids never make tracking throw; valid ones land intact (${RUNS} runs)`, async () => {
    let next = { userId: '', orgId: '' };
    const tracked = new Hono<AppEnv>();
    tracked.get('/t', (c) => {
      trackEvent(c, { ...next, event: 'ingest', status: 201 });
      return c.text('ok');
    });
    const written: string[] = [];
    const id = fc.oneof(hostile, fc.string({ unit: 'grapheme', minLength: 90, maxLength: 200 }));
    await fc.assert(
      fc.asyncProperty(id, fc.oneof(hostile, fc.string({ minLength: 15_990, maxLength: 16_100 })), async (userId, orgId) => {
        next = { userId, orgId };
        const ctx = createExecutionContext();
        const res = await tracked.request('/t', {}, { ...env } as Env, ctx);
        await waitOnExecutionContext(ctx);
        expect(res.status).toBe(200);
        if (byteLength(userId) <= AE_LIMITS.maxIndexBytes && byteLength('ingest') + byteLength(orgId) <= AE_LIMITS.maxBlobBytes) {
          written.push(userId);
        }
      }),
      { numRuns: RUNS },
    );
    // Points within the limits arrived with their id (as UTF-8 stores it: lone surrogates become U+FFFD).
    const probe = [...new Set(written.filter((w) => w.length > 0))].slice(0, 40);
    expect(probe.length).toBeGreaterThan(10);
    for (const userId of probe) {
      const stored = userId.toWellFormed();
      const escaped = stored.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
      // The local AE entrypoint forwards after the request; give the last points a moment to land.
      let found = 0;
      for (let attempt = 0; attempt < 50 && found === 0; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 100));
        const rows = await aeSql<{ n: string }>(`SELECT count() AS n FROM usage_analytics WHERE index1 = '${escaped}' AND blob1 = 'ingest'`);
        found = Number(rows[0].n);
      }
      expect(found, JSON.stringify(userId)).toBeGreaterThanOrEqual(1);
    }
  });
});
