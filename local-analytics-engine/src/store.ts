/**
 * The on-disk store: embedded ClickHouse (chdb) with one MergeTree table per dataset, laid out as
 * AE's table is.
 *
 * libchdb runs one embedded ClickHouse server per process, bound to one data directory, but it
 * gives every `Session` opened on that directory its own connection, and queries on different
 * connections run in parallel on libuv's thread pool. So the store opens one connection for
 * writes and a small pool for queries: a slow query occupies one reader and never the writer, so
 * writes (and other queries) go on while it runs. Work on one connection is serialised, which
 * libchdb requires.
 */
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { AE_LIMITS, AE_RETENTION_DAYS } from '@usage-lens/contract';
import { isDatasetName } from './dataset-name.ts';

export const DATABASE = 'analytics_engine';
const BLOBS = Array.from({ length: AE_LIMITS.maxBlobs }, (_, i) => `blob${i + 1}`);
const DOUBLES = Array.from({ length: AE_LIMITS.maxDoubles }, (_, i) => `double${i + 1}`);
export const COLUMNS = ['dataset', 'timestamp', '_sample_interval', 'index1', ...BLOBS, ...DOUBLES];

export { isDatasetName };

export interface Row {
  dataset: string;
  /** Unix seconds. */
  timestamp: number;
  _sample_interval: number;
  index1: string;
  blobs: string[];
  doubles: number[];
}

export interface QueryOptions {
  format: string;
  timeoutSeconds: number;
  maxResultRows: number;
  /** Further ClickHouse settings for this query (numbers only, so nothing needs quoting). */
  settings?: Record<string, number>;
  /** A name for the running query, so `cancel` can stop it (letters, digits and `-`). */
  tag?: string;
}

export interface StoreOptions {
  /**
   * Connections for queries. Each running query holds one libuv thread (4 by default, shared with
   * the writer and Node's own file and DNS work), so the default stays small.
   */
  readConnections?: number;
}

const TAG = /^[a-z0-9-]{1,64}$/;

/** One chdb connection and the queue that keeps it to one operation at a time. */
class Connection {
  readonly session: Session;
  private tail: Promise<unknown> = Promise.resolve();
  /** Operations queued or running here, to send a query to the least busy reader. */
  pending = 0;

  constructor(dataDir: string) {
    this.session = new Session(dataDir);
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task, task).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * libchdb keeps the part of an answer a query wrote before it failed (a row limit or time limit
   * hit mid-answer) and hands it out at the front of the connection's next answer. A throwaway
   * query after every failure takes it, so the next caller's answer is only its own.
   */
  async drain(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if ((await this.session.queryAsync('SELECT 1 FORMAT TSV')).text() === '1\n') return;
      } catch {
        // Retried: the connection is usable again once a drain comes back clean.
      }
    }
  }

  close(): void {
    this.session.close();
  }
}

export class Store {
  private readonly writer: Connection;
  private readonly readers: Connection[];
  private readonly known = new Set<string>();

  readonly dataDir: string;

  constructor(dataDir: string, options: StoreOptions = {}) {
    this.dataDir = dataDir;
    mkdirSync(dataDir, { recursive: true });
    this.writer = new Connection(dataDir);
    const session = this.writer.session;
    session.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    const existing = session.query(`SELECT name FROM system.tables WHERE database = '${DATABASE}' FORMAT JSONEachRow`);
    for (const line of existing.split('\n')) {
      if (line.trim()) this.known.add((JSON.parse(line) as { name: string }).name);
    }
    const readers = Math.max(1, options.readConnections ?? 2);
    this.readers = Array.from({ length: readers }, () => new Connection(dataDir));
  }

  /** Dataset names are checked with isDatasetName before a table is made, so need no quoting. */
  tableFor(dataset: string): string {
    return `${DATABASE}.${dataset}`;
  }

  datasets(): ReadonlySet<string> {
    return this.known;
  }

  /** Creates the dataset's table if it does not exist yet. */
  ensureDataset(dataset: string): Promise<void> {
    return this.writer.run(async () => this.createTable(dataset));
  }

  private createTable(dataset: string): void {
    if (this.known.has(dataset)) return;
    if (!isDatasetName(dataset)) throw new Error(`invalid dataset name ${JSON.stringify(dataset)}`);
    this.writer.session.query(`CREATE TABLE IF NOT EXISTS ${this.tableFor(dataset)} (
      dataset LowCardinality(String),
      timestamp DateTime('UTC'),
      _sample_interval UInt32,
      index1 String,
      ${BLOBS.map((b) => `${b} String`).join(', ')},
      ${DOUBLES.map((d) => `${d} Float64`).join(', ')}
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(timestamp)
    ORDER BY (index1, timestamp)
    TTL timestamp + INTERVAL ${AE_RETENTION_DAYS} DAY`);
    this.known.add(dataset);
  }

  /** Writes rows of one dataset in one INSERT, so a batch lands whole or not at all. */
  insert(dataset: string, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    const payload = rows
      .map((row) => {
        const record: Record<string, unknown> = {
          dataset: row.dataset,
          timestamp: row.timestamp,
          _sample_interval: row._sample_interval,
          index1: row.index1,
        };
        row.blobs.forEach((blob, i) => (record[BLOBS[i]] = blob));
        row.doubles.forEach((value, i) => (record[DOUBLES[i]] = value));
        return JSON.stringify(record);
      })
      .join('\n');
    return this.writer.run(async () => {
      this.createTable(dataset);
      const summary = await this.writer.session.insert({
        table: this.tableFor(dataset),
        values: Buffer.from(payload),
        format: 'JSONEachRow',
      });
      return summary.rowsWritten;
    });
  }

  /**
   * Fills a dataset with synthetic rows computed inside ClickHouse (`columns` are SELECT expressions
   * over `number`, 0 to count - 1, keyed by column name): millions of rows in seconds, for measuring
   * at scale. Only the simulator's fill command calls it, with expressions of its own.
   */
  fillSynthetic(dataset: string, count: number, columns: Record<string, string>): Promise<void> {
    if (!Number.isSafeInteger(count) || count < 1) throw new Error(`invalid row count ${count}`);
    const names = Object.keys(columns);
    return this.writer.run(async () => {
      this.createTable(dataset);
      await this.writer.session.queryAsync(
        `INSERT INTO ${this.tableFor(dataset)} (${names.join(', ')}) SELECT ${names.map((n) => `${columns[n]} AS ${n}`).join(', ')} FROM numbers(${count})`,
      );
    });
  }

  /**
   * Runs checked SQL on the least busy reader. The settings are appended here, after the dialect
   * check, and `readonly` comes last so nothing before it can lift it.
   */
  query(sql: string, options: QueryOptions): Promise<string> {
    const merged: Record<string, number> = {
      max_execution_time: options.timeoutSeconds,
      max_result_rows: options.maxResultRows,
      output_format_json_quote_64bit_integers: 1,
      ...options.settings,
    };
    if (options.tag !== undefined && !TAG.test(options.tag)) throw new Error(`bad query tag ${options.tag}`);
    const settings = [
      ...Object.entries(merged).map(([name, value]) => {
        if (!/^[a-z_0-9]+$/.test(name) || !Number.isFinite(value)) throw new Error(`bad setting ${name}`);
        return `${name} = ${value}`;
      }),
      ...(options.tag ? [`log_comment = '${options.tag}'`] : []),
      `session_timezone = 'UTC'`,
      `readonly = 1`,
    ].join(', ');
    const statement = `${sql}\nSETTINGS ${settings}\nFORMAT ${options.format}`;
    const reader = this.readers.reduce((a, b) => (b.pending < a.pending ? b : a));
    return reader.run(async () => {
      try {
        return (await reader.session.queryAsync(statement)).text();
      } catch (error) {
        await reader.drain();
        throw error;
      }
    });
  }

  /**
   * Stops the query running under `tag` (ClickHouse's KILL QUERY; it ends with QUERY_WAS_CANCELLED).
   * Runs on the writer, which is never the connection the query holds.
   */
  async cancel(tag: string): Promise<void> {
    if (!TAG.test(tag)) throw new Error(`bad query tag ${tag}`);
    await this.writer.run(() => this.writer.session.queryAsync(`KILL QUERY WHERE Settings['log_comment'] = '${tag}' ASYNC FORMAT Null`));
  }

  /** Whether a query under `tag` is running now (from system.processes). */
  async running(tag: string): Promise<boolean> {
    if (!TAG.test(tag)) throw new Error(`bad query tag ${tag}`);
    const out = await this.writer.run(async () =>
      (await this.writer.session.queryAsync(`SELECT count() FROM system.processes WHERE Settings['log_comment'] = '${tag}' FORMAT TSV`)).text(),
    );
    return Number(out.trim()) > 0;
  }

  close(): void {
    for (const c of [...this.readers, this.writer]) c.close();
  }
}
