/**
 * The write path's caps (points per batch, bytes per request): refused with a 400/413 naming the
 * cap before the batch is parsed or the rest of the body read, and nothing stored. Small caps here
 * so the limits are cheap to reach; the defaults are in the README.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { json, point, TOKEN, useLocalAe, write } from './helpers.ts';

const MAX_POINTS = 100;
const MAX_BYTES = 64 * 1024;
const { ae } = useLocalAe({ maxBatchPoints: MAX_POINTS, maxBodyBytes: MAX_BYTES });
const url = () => ae().url;
const rows = async () => Number((await json<{ n: string }>(url(), 'SELECT count() AS n FROM usage_analytics')).data[0].n);

/**
 * Sends headers and `parts` of a body, never ending the request, and resolves with the answer: an
 * answer can only come from a server that did not wait for the rest of the body.
 */
function answerWithoutEnd(headers: Record<string, string | number>, parts: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url());
    const req = request({ hostname, port, path: '/datasets/usage_analytics/points', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
    for (const part of parts) req.write(part);
  });
}

describe('points per batch', () => {
  it(`${MAX_POINTS} points are written; ${MAX_POINTS + 1} are a 400 naming the cap, and nothing is stored`, async () => {
    const before = await rows();
    expect((await write(url(), Array.from({ length: MAX_POINTS }, () => point('cap', 'e')))).status).toBe(200);
    const res = await write(url(), Array.from({ length: MAX_POINTS + 1 }, () => ({})));
    expect(res).toEqual({
      status: 400,
      body: { error: `points: more than ${MAX_POINTS} points in one batch, the cap per request (LOCAL_AE_MAX_BATCH_POINTS)`, field: 'points' },
    });
    expect(await rows()).toBe(before + MAX_POINTS);
  });

  it('counts elements, not text: strings with brackets and commas inside are one point each', async () => {
    const tricky = Array.from({ length: MAX_POINTS }, () => point('cap-text', '{[,]}", \\'));
    expect((await write(url(), tricky)).status).toBe(200);
  });

  it('a point with thousands of values is refused before it is built', async () => {
    const res = await write(url(), [{ doubles: Array(MAX_POINTS * 64).fill(1) }]);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: 'body' });
    expect(String(res.body.error)).toContain(`JSON values, the cap for ${MAX_POINTS} points`);
  });
});

describe('bytes per request', () => {
  it('a declared Content-Length past the cap is a 413 before any of the body is sent', async () => {
    const res = await answerWithoutEnd({ 'content-type': 'application/json', 'content-length': MAX_BYTES + 1 }, []);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: `body: larger than ${MAX_BYTES} bytes, the cap per request (LOCAL_AE_MAX_BODY_BYTES)`, field: 'body' });
  });

  it('a chunked body is refused as soon as it passes the cap, without reading the rest', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    const res = await answerWithoutEnd({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, Array(5).fill(chunk));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ field: 'body' });
  });

  it('the write path still answers after refusing', async () => {
    expect((await write(url(), [point('after-cap', 'e')])).status).toBe(200);
  });
});
