/**
 * The local Analytics Engine's HTTP face: AE's SQL API at Cloudflare's path, and a batch write
 * endpoint that the Worker entrypoint and the simulator write through.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PointError, toRows } from './points.ts';
import { authorized, runSql, text, type SqlAnswer, type SqlApiConfig } from './sql-api.ts';
import { gatewayAuthError, parseRequestBody, runAnalyticsSql } from './analytics-sql-api.ts';
import { MAX_STATEMENT_BYTES } from './analytics-sql.ts';
import { isDatasetName, Store, type Row } from './store.ts';
import { scanJson } from './json-scan.ts';
import { DATASETS } from '@usage-lens/contract';

export interface LocalAeConfig extends SqlApiConfig {
  host: string;
  port: number;
  dataDir: string;
  /** The datasets that exist: created at start, the only ones that can be written. */
  datasets: string[];
  /** Bytes per write request; checked from Content-Length before reading, then while reading. */
  maxBodyBytes: number;
  /** Points per write request, counted before the batch is parsed. */
  maxBatchPoints: number;
  /** chdb connections for queries (writes have their own). */
  readConnections: number;
}

const here = import.meta.dirname;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LocalAeConfig {
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${raw}`);
    return value;
  };
  return {
    // Loopback unless told otherwise: whoever reaches the port can read all usage with the token.
    host: env.LOCAL_AE_HOST ?? '127.0.0.1',
    port: int('LOCAL_AE_PORT', 8788),
    dataDir: resolve(env.LOCAL_AE_DATA_DIR ?? resolve(here, '..', '.data')),
    accountId: env.LOCAL_AE_ACCOUNT_ID ?? 'local-account',
    token: env.LOCAL_AE_TOKEN ?? 'local-dev-token',
    datasets: (env.LOCAL_AE_DATASETS ?? Object.values(DATASETS).join(','))
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    timeoutSeconds: int('LOCAL_AE_QUERY_TIMEOUT', 60),
    maxResultRows: int('LOCAL_AE_MAX_RESULT_ROWS', 1_000_000),
    maxResultBytes: int('LOCAL_AE_MAX_RESULT_BYTES', 256 * 1024 * 1024),
    maxQueryMemoryBytes: int('LOCAL_AE_MAX_QUERY_MEMORY', 1024 * 1024 * 1024),
    maxBodyBytes: int('LOCAL_AE_MAX_BODY_BYTES', 32 * 1024 * 1024),
    maxBatchPoints: int('LOCAL_AE_MAX_BATCH_POINTS', 50_000),
    readConnections: int('LOCAL_AE_READ_CONNECTIONS', 2),
  };
}

/**
 * Coalesces concurrent writes: while one INSERT runs, arriving batches queue and go in the next
 * one. Each caller's promise settles when its rows are on disk.
 */
class GroupCommit {
  private pending = new Map<string, { rows: Row[]; waiters: { ok: () => void; fail: (e: unknown) => void }[] }>();
  private draining = false;

  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  write(dataset: string, rows: Row[]): Promise<void> {
    return new Promise((ok, fail) => {
      const entry = this.pending.get(dataset) ?? { rows: [], waiters: [] };
      for (const row of rows) entry.rows.push(row);
      entry.waiters.push({ ok, fail });
      this.pending.set(dataset, entry);
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      for (const [dataset, { rows, waiters }] of batch) {
        try {
          await this.store.insert(dataset, rows);
          for (const w of waiters) w.ok();
        } catch (error) {
          for (const w of waiters) w.fail(error);
        }
      }
    }
    this.draining = false;
  }
}

class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.error));
    this.status = status;
    this.body = body;
  }
}

const tooLarge = (limit: number) =>
  new HttpError(413, { error: `body: larger than ${limit} bytes, the cap per request (LOCAL_AE_MAX_BODY_BYTES)`, field: 'body' });

/**
 * Reads a body of at most `limit` bytes: a declared Content-Length past it is refused before a
 * byte is read, and a body that grows past it stops being read at once.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        fail(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.once('error', fail);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, 'application/json', JSON.stringify(body));

const SQL_PATH = /^\/client\/v4\/accounts\/([^/]+)\/analytics_engine\/sql\/?$/;
const ANALYTICS_SQL_PATH = /^\/client\/v4\/accounts\/([^/]+)\/analytics\/sql\/?$/;
/** A binding request is a 10 KiB statement plus its parameters; this leaves room for long lists. */
const MAX_ANALYTICS_SQL_BODY = 1024 * 1024;
const WRITE_PATH = /^\/datasets\/([^/]+)\/points\/?$/;
/** A point has at most 1 index, 20 blobs and 20 doubles, plus its keys: 64 values is generous. */
const MAX_VALUES_PER_POINT = 64;

/**
 * Answers without reading (the rest of) the body: the connection closes after the answer, so a
 * client cannot keep streaming what will never be read.
 */
function closeAfter(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  res.once('finish', () => req.socket.destroySoon());
}

export interface LocalAe {
  url: string;
  store: Store;
  server: Server;
  close(): Promise<void>;
}

export async function startLocalAe(config: LocalAeConfig): Promise<LocalAe> {
  const store = new Store(config.dataDir, { readConnections: config.readConnections });
  for (const dataset of config.datasets) await store.ensureDataset(dataset);
  const writable = new Set(config.datasets);
  const writer = new GroupCommit(store);
  // Request counters, so benches and tests can see how many SQL API calls a client made.
  const stats = { sqlQueries: 0, analyticsSqlQueries: 0, writeRequests: 0, pointsWritten: 0 };
  const answer = (res: ServerResponse, a: SqlAnswer) => send(res, a.status, a.contentType, a.body);
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const sqlPath = SQL_PATH.exec(url.pathname);
    if (sqlPath) {
      if (req.method !== 'POST' && req.method !== 'GET') {
        return send(res, 405, 'text/plain', 'Method not allowed');
      }
      if (!authorized(config, decodeURIComponent(sqlPath[1]), req.headers.authorization)) {
        return send(res, 403, 'text/plain; charset=utf-8', 'Authorization error');
      }
      stats.sqlQueries++;
      const sql = req.method === 'GET' ? (url.searchParams.get('query') ?? '') : await readBody(req, config.maxBodyBytes);
      return answer(res, await runSql(store, config, sql));
    }

    const analyticsPath = ANALYTICS_SQL_PATH.exec(url.pathname);
    if (analyticsPath) {
      if (req.method !== 'POST' && req.method !== 'GET') return send(res, 405, 'text/plain', 'Method not allowed');
      const account = decodeURIComponent(analyticsPath[1]);
      if (!authorized(config, config.accountId, req.headers.authorization)) return answer(res, gatewayAuthError());
      // A valid token for another account: "403 Authentication or authorization failed" (errors page).
      if (!authorized(config, account, req.headers.authorization)) return answer(res, text(403, 'Unable to authorize'));
      stats.analyticsSqlQueries++;
      if (req.method === 'GET') {
        // "GET accepts SQL in the query query parameter." (query-api page)
        return answer(res, await runAnalyticsSql(store, config, { query: url.searchParams.get('query') ?? '' }));
      }
      let body: string;
      try {
        body = await readBody(req, MAX_ANALYTICS_SQL_BODY);
      } catch (error) {
        if (error instanceof HttpError) {
          closeAfter(req, res);
          return answer(res, text(400, `The request body is larger than ${MAX_ANALYTICS_SQL_BODY} bytes (statements are at most ${MAX_STATEMENT_BYTES})`));
        }
        throw error;
      }
      const request = parseRequestBody(body, req.headers['content-type']);
      if ('status' in request) return answer(res, request);
      return answer(res, await runAnalyticsSql(store, config, request));
    }

    const writePath = WRITE_PATH.exec(url.pathname);
    if (writePath) {
      if (req.method !== 'POST') return json(res, 405, { error: 'use POST' });
      // Whoever can write can forge any user's usage: the same bearer token as the SQL API, checked
      // before a byte of the body is read.
      if (!authorized(config, config.accountId, req.headers.authorization)) {
        closeAfter(req, res);
        return json(res, 403, { error: 'authorization: writing needs the local AE token (Authorization: Bearer <LOCAL_AE_TOKEN>)', field: 'authorization' });
      }
      const dataset = decodeURIComponent(writePath[1]);
      if (!writable.has(dataset)) {
        closeAfter(req, res);
        const reason = isDatasetName(dataset) ? `not a configured dataset (${[...writable].join(', ')}; LOCAL_AE_DATASETS)` : 'letters, digits and _ only, at most 64';
        return json(res, 400, { error: `dataset: ${reason}`, field: 'dataset' });
      }
      let raw: string;
      try {
        raw = await readBody(req, config.maxBodyBytes);
      } catch (error) {
        if (error instanceof HttpError) closeAfter(req, res);
        throw error;
      }
      // Counted before parsing: a few megabytes of `{}` would otherwise become millions of objects.
      const size = scanJson(raw);
      if (size.elements > config.maxBatchPoints) {
        return json(res, 400, { error: `points: more than ${config.maxBatchPoints} points in one batch, the cap per request (LOCAL_AE_MAX_BATCH_POINTS)`, field: 'points' });
      }
      if (size.values > config.maxBatchPoints * MAX_VALUES_PER_POINT) {
        return json(res, 400, { error: `body: more than ${config.maxBatchPoints * MAX_VALUES_PER_POINT} JSON values, the cap for ${config.maxBatchPoints} points`, field: 'body' });
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return json(res, 400, { error: 'body: not valid JSON', field: 'body' });
      }
      const points = (body as { points?: unknown } | null)?.points;
      try {
        const rows = toRows(dataset, points);
        await writer.write(dataset, rows);
        stats.writeRequests++;
        stats.pointsWritten += rows.length;
        return json(res, 200, { written: rows.length, dataset });
      } catch (error) {
        if (error instanceof PointError) {
          return json(res, 400, { error: error.message, point: error.point, field: error.field });
        }
        throw error;
      }
    }

    if (url.pathname === '/stats') return json(res, 200, stats);
    if (url.pathname === '/health') {
      return json(res, 200, { ok: true, datasets: [...store.datasets()].sort() });
    }
    return json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return json(res, error.status, error.body);
      console.error('local-analytics-engine: request failed', error);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    store,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => {
          store.close();
          ok();
        });
        server.closeAllConnections();
      }),
  };
}
