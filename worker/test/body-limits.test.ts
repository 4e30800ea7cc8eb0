/**
 * Issue 10, item 11: a request body is measured before it is read. A Content-Length over the limit
 * is refused unread; a body without one (chunked) is read only up to the limit, then refused.
 * The bodies here come from a stream that counts what the worker pulled from it.
 */
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, signUpAdmin, type Caller } from './helpers.ts';

let admin: Caller;
beforeAll(async () => {
  admin = await signUpAdmin();
});

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** A body of `total` bytes of "x" made on demand; `pulled` says how much of it was asked for. */
function countingBody(total: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode('x'.repeat(CHUNK));
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) return controller.close();
        sent += CHUNK;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => sent };
}

async function post(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', origin: ORIGIN, ...headers },
      body,
    }),
  );
}

describe('a chunked body of 40 MB', () => {
  it.each([
    ['/api/ingest', 256 * 1024],
    ['/api/admin/orgs', 16 * 1024],
    ['/api/admin/api-keys', 16 * 1024],
    ['/api/auth/sign-in/email', 64 * 1024],
  ])('%s answers 413 having read little past its limit', async (path, limit) => {
    const { body, pulled } = countingBody(40 * MB);
    const res = await post(path, body);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ field: 'body', error: expect.stringContaining(String(limit)) });
    // Some read-ahead is allowed (the runtime buffers a few chunks); the whole body is not.
    expect(pulled()).toBeLessThan(limit + 2 * MB);
  });
});

describe('a Content-Length over the limit', () => {
  it('is a 413 before any of the body is read', async () => {
    const { body, pulled } = countingBody(1 * MB);
    const res = await post('/api/ingest', body, { 'content-length': String(1 * MB) });
    expect(res.status).toBe(413);
    expect(pulled()).toBeLessThan(1 * MB);
  });
});
