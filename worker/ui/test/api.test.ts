import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptEarly, ApiError, apiFetch, errorMessage, fetcher, ME_PATH } from '../src/api.ts';

describe('errorMessage', () => {
  it('shows the worker’s own sentence for a 400', () => {
    expect(errorMessage(400, { error: 'q: matches more than 1,000 users; narrow the search', field: 'q' })).toBe(
      'q: matches more than 1,000 users; narrow the search',
    );
  });

  it('says a 502 is the usage store, and keeps what the worker said', () => {
    expect(errorMessage(502, { error: 'Analytics Engine rejected the query: Input was invalid: JOINs are not supported' })).toBe(
      'Usage data is unavailable (502): Analytics Engine rejected the query: Input was invalid: JOINs are not supported',
    );
  });

  it('calls a 503 without Retry-After unavailable, not busy: a missing setting does not pass by waiting', () => {
    expect(errorMessage(503, { error: 'limit recommendations read Analytics Engine’s SQL API: set CF_ANALYTICS_TOKEN' })).toBe(
      'Usage data is unavailable (503): limit recommendations read Analytics Engine’s SQL API: set CF_ANALYTICS_TOKEN',
    );
    expect(errorMessage(503, null)).toBe('Usage data is busy (503).');
  });

  it('adds when to try again for a 503 with Retry-After', () => {
    expect(errorMessage(503, { error: 'Analytics Engine is busy (429)' }, 30)).toBe(
      'Usage data is busy (503): Analytics Engine is busy (429). Try again in 30 s.',
    );
  });

  it('does not dump a proxy’s HTML page', () => {
    const message = errorMessage(502, '<html><body>Bad Gateway</body></html>');
    expect(message).toBe('Usage data is unavailable (502).');
    expect(errorMessage(504, null)).toBe('Usage data took too long (504).');
  });

  it('has words for the statuses that come without a body', () => {
    expect(errorMessage(401, null)).toBe('You are signed out.');
    expect(errorMessage(403, null)).toBe('Admins only.');
    expect(errorMessage(500, {})).toBe('The worker answered 500.');
  });
});

describe('early requests and the fetcher', () => {
  let server: Server;
  let base = '';
  const hits: Record<string, number> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits[path] = (hits[path] ?? 0) + 1;
      if (path === '/busy') {
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' })
          .end(JSON.stringify({ error: 'Analytics Engine is busy' }));
      } else if (path === '/signed-out') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'authentication required' }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path, hit: hits[path] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // The console asks by path; in Node a bare path cannot be fetched, so a fetcher that asks again
  // (instead of using the early answer) fails with status 0: that is what these tests look for.
  const early = (path: string, at = Date.now()) => adoptEarly({ path, response: fetch(`${base}${path}`), at });

  it('hands an early answer to the first caller of the same path, and only to it', async () => {
    early('/usage');
    await expect(fetcher('/usage')).resolves.toEqual({ path: '/usage', hit: 1 });
    await expect(fetcher('/usage')).rejects.toMatchObject({ status: 0 });
    expect(hits['/usage']).toBe(1);
  });

  it('asks again when the early request failed (a visitor who signs in after the page loaded)', async () => {
    early('/signed-out');
    const error = await fetcher('/signed-out').catch((e: ApiError) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(0);
  });

  it('hands the early /api/admin/me answer to the first caller of ME_PATH', async () => {
    adoptEarly({ path: '/usage-2', response: fetch(`${base}/usage-2`), me: fetch(`${base}/me-early`), at: Date.now() });
    await expect(fetcher(ME_PATH)).resolves.toEqual({ path: '/me-early', hit: 1 });
    await expect(fetcher('/usage-2')).resolves.toEqual({ path: '/usage-2', hit: 1 });
  });

  it('does not hand out an early answer older than ten seconds', async () => {
    early('/old', Date.now() - 11_000);
    await expect(fetcher('/old')).rejects.toMatchObject({ status: 0 });
  });

  it('reads a failed answer into a readable error with its status and Retry-After', async () => {
    const error = await apiFetch(`${base}/busy`).catch((e: ApiError) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 503,
      retryAfter: 30,
      message: 'Usage data is busy (503): Analytics Engine is busy. Try again in 30 s.',
    });
  });

  it('sends bodies as JSON with their content type (the worker refuses cookie-authenticated changes without it)', async () => {
    const seen: { method?: string; type?: string; body?: string } = {};
    const echo = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        Object.assign(seen, { method: req.method, type: req.headers['content-type'], body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/api/admin/users/u1`;
    await expect(apiFetch(url, { method: 'PATCH', body: { role: 'admin' } })).resolves.toBeUndefined();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
    expect(seen).toEqual({ method: 'PATCH', type: 'application/json', body: '{"role":"admin"}' });
  });
});
