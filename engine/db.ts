import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg, { PoolClient, QueryResultRow } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Logger } from './logger';
import { CopyValue, copyRow } from './load/copy-format';

/**
 * All database access goes through here: a pool per process (named, so pg_stat_activity tells who
 * is who), statements kept in engine/sql/*.sql and called by name, transactions, and COPY on the
 * transaction's own client. Query names and durations are logged, parameters never.
 */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SQL_DIR = path.join(REPO_ROOT, 'engine', 'sql');

// numeric and bigint come back as strings (exact), dates as 'YYYY-MM-DD' (no time zone games);
// timestamps as Date.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

const statements = new Map<string, string>();

/** The text of engine/sql/<name>.sql (read once). */
export function sql(name: string): string {
  let text = statements.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(SQL_DIR, `${name}.sql`), 'utf8');
    statements.set(name, text);
  }
  return text;
}

export interface Queryable {
  /** Runs the named statement of engine/sql. */
  query<R extends QueryResultRow = QueryResultRow>(
    name: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Runs literal SQL (migrations, DDL in tests). */
  queryText<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface Tx extends Queryable {
  readonly client: PoolClient;
  /** COPY … FROM STDIN on this transaction, fed from strings or buffers (already encoded rows). */
  copyIn(
    copySql: string,
    rows: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  ): Promise<number>;
  /** COPY … TO STDOUT on this transaction: everything it sends, in one buffer. */
  copyOut(copySql: string): Promise<Buffer>;
}

export interface Db extends Queryable {
  readonly pool: pg.Pool;
  withTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DbOptions {
  readonly databaseUrl: string;
  readonly applicationName: string;
  readonly poolSize: number;
  readonly logger: Logger;
  /** Told about every COPY (table, rows, bytes): the metrics hook. */
  readonly onCopy?: (table: string, rows: number, bytes: number) => void;
}

async function timed<R extends QueryResultRow>(
  logger: Logger,
  name: string,
  run: () => Promise<pg.QueryResult<R>>,
): Promise<pg.QueryResult<R>> {
  const t0 = process.hrtime.bigint();
  try {
    return await run();
  } finally {
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ query: name, ms: Number(process.hrtime.bigint() - t0) / 1e6 }, 'query');
    }
  }
}

function queryable(logger: Logger, target: pg.Pool | PoolClient): Queryable {
  return {
    query: <R extends QueryResultRow>(name: string, params: readonly unknown[] = []) =>
      timed<R>(logger, name, () =>
        target.query<R>({ text: sql(name), values: params as unknown[] }),
      ),
    queryText: <R extends QueryResultRow>(text: string, params: readonly unknown[] = []) =>
      timed<R>(logger, 'literal', () => target.query<R>({ text, values: params as unknown[] })),
  };
}

const COPY_WRITE_BYTES = 256 * 1024;

/** Rows of values as COPY text lines (see load/copy-format.ts for the encoding). */
export function copyRows(rows: readonly (readonly CopyValue[])[]): string[] {
  return rows.map(copyRow);
}

/**
 * Joins small COPY rows into writes of a few hundred KiB: one socket write per row would make
 * the system calls, not PostgreSQL, the cost of a load.
 */
async function* coalesce(
  rows: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  sent: { bytes: number },
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const row of rows) {
    const b = typeof row === 'string' ? Buffer.from(row, 'utf8') : row;
    parts.push(b);
    size += b.length;
    sent.bytes += b.length;
    if (size >= COPY_WRITE_BYTES) {
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}

export function createDb(options: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    application_name: options.applicationName,
    max: options.poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (PostgreSQL restarted) must not crash the process.
  pool.on('error', (err) => options.logger.warn({ err: err.message }, 'idle database client lost'));
  const logger = options.logger;

  return {
    pool,
    ...queryable(logger, pool),
    async withTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      // A checked-out client whose connection dies (PostgreSQL restarting) emits 'error'; the
      // pending query rejects as well, so here it is only noted, never allowed to crash the process.
      const onError = (err: Error): void => {
        broken = true;
        logger.warn({ err: err.message }, 'database connection lost during a transaction');
      };
      client.on('error', onError);
      try {
        await client.query('begin');
        const tx: Tx = {
          client,
          ...queryable(logger, client),
          async copyIn(copySql, rows) {
            const stream = client.query(copyFrom(copySql));
            const sent = { bytes: 0 };
            await pipeline(Readable.from(coalesce(rows, sent), { objectMode: false }), stream);
            options.onCopy?.(
              /^copy\s+(\w+)/i.exec(copySql)?.[1] ?? 'unknown',
              stream.rowCount,
              sent.bytes,
            );
            return stream.rowCount;
          },
          async copyOut(copySql) {
            const chunks: Buffer[] = [];
            for await (const chunk of client.query(copyTo(copySql))) chunks.push(chunk as Buffer);
            return Buffer.concat(chunks);
          },
        };
        const result = await fn(tx);
        await client.query('commit');
        return result;
      } catch (err) {
        try {
          await client.query('rollback');
        } catch {
          broken = true; // the connection itself failed: do not return it to the pool
        }
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken ? true : undefined);
      }
    },
    close: () => pool.end(),
  };
}

const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const TRANSIENT_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True for failures worth retrying: the database restarting, a lost connection, a deadlock. */
export function isTransientDbError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: string; message?: string };
  if (e.code !== undefined && (TRANSIENT_SQLSTATES.has(e.code) || TRANSIENT_ERRNOS.has(e.code)))
    return true;
  const message = e.message ?? '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}
