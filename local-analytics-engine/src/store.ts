/**
 * The on-disk store: embedded ClickHouse (chdb) with one MergeTree table per dataset, laid out as
 * AE's table is. libchdb holds one data directory per process, so a process opens one Store.
 */
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { AE_LIMITS } from '@usage-lens/contract';
import { isDatasetName } from './dataset-name.ts';

export const DATABASE = 'analytics_engine';
const BLOBS = Array.from({ length: AE_LIMITS.maxBlobs }, (_, i) => `blob${i + 1}`);
const DOUBLES = Array.from({ length: AE_LIMITS.maxDoubles }, (_, i) => `double${i + 1}`);
export const COLUMNS = ['dataset', 'timestamp', '_sample_interval', 'index1', ...BLOBS, ...DOUBLES];

/** AE keeps three months of data. */
const RETENTION_DAYS = 92;

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
}

/** Serializes work on the one chdb connection; a failed task does not poison the queue. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class Store {
  private readonly session: Session;
  private readonly serial = new Serial();
  private readonly known = new Set<string>();

  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    mkdirSync(dataDir, { recursive: true });
    this.session = new Session(dataDir);
    this.session.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    const existing = this.session.query(
      `SELECT name FROM system.tables WHERE database = '${DATABASE}' FORMAT JSONEachRow`,
    );
    for (const line of existing.split('\n')) {
      if (line.trim()) this.known.add((JSON.parse(line) as { name: string }).name);
    }
  }

  /** Dataset names are checked with isDatasetName before a table is made, so need no quoting. */
  tableFor(dataset: string): string {
    return `${DATABASE}.${dataset}`;
  }

  datasets(): ReadonlySet<string> {
    return this.known;
  }

  /** Creates the dataset's table if it does not exist yet (AE creates one on first write). */
  ensureDataset(dataset: string): Promise<void> {
    return this.serial.run(async () => this.createTable(dataset));
  }

  private createTable(dataset: string): void {
    if (this.known.has(dataset)) return;
    if (!isDatasetName(dataset)) throw new Error(`invalid dataset name ${JSON.stringify(dataset)}`);
    this.session.query(`CREATE TABLE IF NOT EXISTS ${this.tableFor(dataset)} (
      dataset LowCardinality(String),
      timestamp DateTime('UTC'),
      _sample_interval UInt32,
      index1 String,
      ${BLOBS.map((b) => `${b} String`).join(', ')},
      ${DOUBLES.map((d) => `${d} Float64`).join(', ')}
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(timestamp)
    ORDER BY (index1, timestamp)
    TTL timestamp + INTERVAL ${RETENTION_DAYS} DAY`);
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
    return this.serial.run(async () => {
      this.createTable(dataset);
      const summary = await this.session.insert({
        table: this.tableFor(dataset),
        values: Buffer.from(payload),
        format: 'JSONEachRow',
      });
      return summary.rowsWritten;
    });
  }

  /**
   * Runs checked SQL. The settings are appended here, after the dialect check, and `readonly`
   * comes last so nothing before it can lift it.
   */
  query(sql: string, options: QueryOptions): Promise<string> {
    const merged: Record<string, number> = {
      max_execution_time: options.timeoutSeconds,
      max_result_rows: options.maxResultRows,
      output_format_json_quote_64bit_integers: 1,
      ...options.settings,
    };
    const settings = [
      ...Object.entries(merged).map(([name, value]) => {
        if (!/^[a-z_0-9]+$/.test(name) || !Number.isFinite(value)) throw new Error(`bad setting ${name}`);
        return `${name} = ${value}`;
      }),
      `session_timezone = 'UTC'`,
      `readonly = 1`,
    ].join(', ');
    const statement = `${sql}\nSETTINGS ${settings}\nFORMAT ${options.format}`;
    return this.serial.run(async () => {
      try {
        return (await this.session.queryAsync(statement)).text();
      } catch (error) {
        await this.drain();
        throw error;
      }
    });
  }

  /**
   * libchdb keeps the part of an answer a query wrote before it failed (a row limit or time limit
   * hit mid-answer) and hands it out at the front of the connection's next answer. A throwaway
   * query after every failure takes it, so the next caller's answer is only its own.
   */
  private async drain(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if ((await this.session.queryAsync('SELECT 1 FORMAT TSV')).text() === '1\n') return;
      } catch {
        // A drain that fails is retried; the connection is usable again once one comes back clean.
      }
    }
  }

  close(): void {
    this.session.close();
  }
}
