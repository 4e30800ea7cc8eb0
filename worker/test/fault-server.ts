/**
 * A FAKE Analytics SQL service, for the failures the local AE cannot be made to give: Cloudflare's
 * retryable answers (429 throttled, 503 unavailable, 507 over its resource limits, 500), a service
 * slower than the worker waits, and an answer that is not the documented JSON. The local AE's real
 * `LocalAnalyticsSql` entrypoint reads from it, so the failure reaches the worker through the same
 * binding code as a real one. A test picks the next answer with `POST /__scenario/<kind>`, or names
 * the fault in the path it sends to (`/__fault/<kind>/…`, for AE's HTTP SQL API client).
 * Statuses and texts per https://developers.cloudflare.com/analytics/sql-api/errors/.
 */
import { createServer, type Server } from 'node:http';

export const FAULTS = ['429', '500', '503', '507', 'slow', 'malformed'] as const;
export type Fault = (typeof FAULTS)[number];

export function startFaultServer(port: number): Promise<Server> {
  let scenario: Fault = '503';
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    req.resume();
    const choose = /^\/__scenario\/([\w-]+)$/.exec(url);
    if (choose) {
      if (!(FAULTS as readonly string[]).includes(choose[1])) return res.writeHead(404).end('unknown fault');
      scenario = choose[1] as Fault;
      return res.writeHead(204).end();
    }
    const text = (status: number, body: string) => res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    // A fault named in the path (a base URL of `<server>/__fault/<kind>`) answers that fault whatever
    // the scenario, so tests running at once never change each other's answers.
    const named = /^\/__fault\/([\w-]+)\//.exec(url)?.[1];
    if (named !== undefined && !(FAULTS as readonly string[]).includes(named)) return res.writeHead(404).end('unknown fault');
    switch ((named as Fault | undefined) ?? scenario) {
      case '429':
        return text(429, 'Too many requests: the account exceeded its query rate');
      case '500':
        return text(500, 'Internal error');
      case '503':
        return text(503, 'Query queued for too long');
      case '507':
        return text(507, 'The data store could not complete the query within its resource limits');
      case 'slow':
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"rows":0,"statistics":{"elapsed_ms":0,"rows_read":0,"bytes_read":0}}'), 3_000);
        return;
      case 'malformed':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [{"events"');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
