/**
 * A FAKE SQL API for failures the local AE cannot produce for real: throttling (429), queueing
 * (503), AE's own timeout (504), malformed JSON, an answer that is cut off, and slowness. The path
 * picks the failure: /<kind>/client/v4/accounts/<id>/analytics_engine/sql. Real failures (403,
 * 422, unreachable) are tested against the real local AE.
 */
import { createServer, type Server } from 'node:http';

export function startFaultServer(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const kind = (req.url ?? '').split('/')[1];
    req.resume();
    switch (kind) {
      case '429':
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'text/plain' }).end('Too many requests');
        return;
      case '503':
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Query queued for too long');
        return;
      case '504':
        res.writeHead(504, { 'content-type': 'text/plain' }).end('Query timed out');
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"meta": [{"name": "user"');
        return;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"meta":[],"data":[');
        setTimeout(() => res.destroy(), 20);
        return;
      case 'slow':
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"meta":[],"data":[],"rows":0}'), 3_000);
        return;
      case 'gateway-json':
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ success: false, errors: [{ code: 7400, message: 'bad account id' }] }));
        return;
      default:
        res.writeHead(404).end('unknown fault');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
