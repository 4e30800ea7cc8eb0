/**
 * The alert receiver: a webhook endpoint for Grafana's contact point that logs every notification
 * it receives (one line per alert, then the message the notification template rendered, as Slack,
 * PagerDuty and email get it) and keeps the last ones for GET /received.
 *
 *   node provisioning/receiver/server.ts      (RECEIVER_PORT, default 9099)
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

interface Notification {
  status?: string;
  receiver?: string;
  title?: string;
  message?: string;
  alerts?: { status?: string; labels?: Record<string, string>; annotations?: Record<string, string>; startsAt?: string }[];
}

const KEEP = 200;

export function startReceiver(port: number, host = '0.0.0.0', log: (line: string) => void = console.log): Promise<Server> {
  const received: { at: string; notification: Notification }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method === 'GET' && url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (req.method === 'GET' && url.pathname === '/received') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/alerts') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"POST /alerts, GET /received or /health"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let notification: Notification;
      try {
        notification = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"body: not JSON"}');
        return;
      }
      received.push({ at: new Date().toISOString(), notification });
      if (received.length > KEEP) received.shift();
      for (const alert of notification.alerts ?? []) {
        const labels = Object.entries(alert.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        log(`[alert] ${(alert.status ?? notification.status ?? 'unknown').toUpperCase()} ${labels} — ${alert.annotations?.summary ?? ''}`);
      }
      for (const line of (notification.message ?? '').split('\n')) if (line.trim()) log(`        ${line}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.RECEIVER_PORT ?? 9099);
  await startReceiver(port);
  console.log(`alert receiver listening on :${port} (POST /alerts)`);
}
