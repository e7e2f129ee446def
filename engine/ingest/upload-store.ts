import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Config } from '../config';
import { Db } from '../db';
import { ERROR_CODES, ErrorCode, NfeError } from '../errors';
import { Logger } from '../logger';
import { asBuffer } from '../xml/scan-xml';
import { ReceivedUpload, UploadLimits, examineUpload, uploadLimits } from './spool-upload';
import { BatchRow, NewBatch, StoredBatch, storeBatch } from './store-batch';

/** A batch stored, with what its upload held. */
export interface StoredUpload extends StoredBatch {
  readonly documentCount: number;
  readonly skippedCount: number;
}

/**
 * Where received uploads are examined (limits, fingerprint) and stored (inflated, hashed, COPY'd
 * into PostgreSQL): the CPU-heavy half of an upload.
 */
export interface UploadStore {
  store(received: ReceivedUpload, batch: NewBatch): Promise<StoredUpload>;
  close(): Promise<void>;
}

export async function examineAndStore(
  db: Db,
  limits: UploadLimits,
  received: ReceivedUpload,
  batch: NewBatch,
): Promise<StoredUpload> {
  const upload = await examineUpload(received, limits);
  const stored = await storeBatch(db, upload, batch);
  return { ...stored, documentCount: upload.documentCount, skippedCount: upload.skippedCount };
}

export interface UploadStoreThreadOptions {
  readonly databaseUrl: string;
  readonly applicationName: string;
  /** Uploads stored at once (the thread's pool has one connection more, for the batch lookups). */
  readonly concurrency: number;
  readonly limits: UploadLimits;
  /** Niceness of the thread (Linux: per thread), as batch work below the API's event loop. */
  readonly nice: number;
  readonly logLevel: string;
}

/** The store thread of a process configured by `config`, its connections named `applicationName`. */
export function uploadStoreOptions(
  config: Config,
  applicationName: string,
): UploadStoreThreadOptions {
  return {
    databaseUrl: config.databaseUrl,
    applicationName,
    concurrency: config.uploadStoreConcurrency,
    limits: uploadLimits(config),
    nice: config.uploadStoreNice,
    logLevel: config.logLevel,
  };
}

/** What crosses the thread boundary: plain data only. */
export type StoreRequest =
  | { readonly id: number; readonly received: ReceivedUpload; readonly batch: NewBatch }
  | { readonly id: number; readonly close: true };

export interface SentError {
  readonly name: string;
  readonly message: string;
  /** errno or SQLSTATE: what tells a full disk or a database that went away. */
  readonly code?: string;
  readonly nfe?: { readonly retryable: boolean; readonly headers: Record<string, string> };
}

export type StoreReply =
  | { readonly id: number; readonly ok: true; readonly stored: StoredUpload }
  | { readonly id: number; readonly ok: false; readonly error: SentError };

export function sendableError(err: unknown): SentError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err instanceof NfeError
      ? { nfe: { retryable: err.retryable, headers: { ...err.headers } } }
      : {}),
  };
}

function revivedError(sent: SentError): Error {
  if (sent.nfe !== undefined && sent.code !== undefined && sent.code in ERROR_CODES)
    return new NfeError(sent.code as ErrorCode, sent.message, sent.nfe.retryable, sent.nfe.headers);
  const err = new Error(sent.message) as Error & { code?: string };
  err.name = sent.name;
  if (sent.code !== undefined) err.code = sent.code;
  return err;
}

/**
 * The memory of XML parts that own it whole is moved to the thread, not copied: a multipart upload
 * can hold hundreds of MiB of them. (Small parts share Node's buffer pool and are copied.)
 */
function transferable(received: ReceivedUpload): ArrayBuffer[] {
  const moved = new Set<ArrayBuffer>();
  for (const p of received.parts) {
    const bytes = p.kind === 'xml' ? p.bytes : null;
    if (
      bytes !== null &&
      bytes.buffer instanceof ArrayBuffer &&
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.byteLength > 0
    )
      moved.add(bytes.buffer);
  }
  return [...moved];
}

/** Structured cloning hands Buffers back as plain Uint8Arrays: asBuffer views them as Buffers. */
function revivedStored(stored: StoredUpload): StoredUpload {
  const batch: BatchRow = {
    ...stored.batch,
    fingerprint: stored.batch.fingerprint === null ? null : asBuffer(stored.batch.fingerprint),
  };
  return { ...stored, batch };
}

/**
 * Examines and stores uploads on a thread of their own, so that the API's event loop only
 * receives bytes and answers requests: a status read never waits behind the inflating, hashing
 * and COPY encoding of someone's 1,000-document zip. The thread keeps its own database pool. If
 * it dies, the uploads it held fail with 503 (retryable; nothing of them was committed) and the
 * next upload starts a new one.
 */
export function threadedUploadStore(
  options: UploadStoreThreadOptions,
  logger: Logger,
): UploadStore {
  const file = path.join(__dirname, 'upload-store.thread.js');
  const pending = new Map<number, { resolve(s: StoredUpload): void; reject(e: Error): void }>();
  let nextId = 0;
  let thread: Worker | null = null;
  let closing: Promise<void> | null = null;

  const failPending = (why: string): void => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(
        new NfeError('UNAVAILABLE', `the upload was not stored (${why}); retry`, true, {
          'Retry-After': '1',
        }),
      );
    }
  };
  const start = (): Worker => {
    const w = new Worker(file, { workerData: options });
    w.on('message', (reply: StoreReply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(revivedStored(reply.stored));
      else p.reject(revivedError(reply.error));
    });
    w.on('error', (err) =>
      logger.error(
        { err: err.message },
        'the upload store thread failed; the next upload starts another',
      ),
    );
    w.on('exit', (code) => {
      if (thread === w) thread = null;
      failPending(`the upload store thread exited with code ${code}`);
    });
    // An idle store thread must not keep a finished process alive.
    w.unref();
    return w;
  };

  return {
    store(received, batch) {
      if (closing !== null)
        return Promise.reject(
          new NfeError('UNAVAILABLE', 'this API process is shutting down; retry', true, {
            'Retry-After': '1',
          }),
        );
      thread ??= start();
      const id = nextId++;
      const w = thread;
      return new Promise<StoredUpload>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const request: StoreRequest = {
          id,
          // Only the data: the spool's dispose() stays with the caller.
          received: { bodyBytes: received.bodyBytes, parts: received.parts },
          batch,
        };
        w.ref();
        w.postMessage(request, transferable(received));
      }).finally(() => {
        if (pending.size === 0) w.unref();
      });
    },
    close() {
      closing ??= (async () => {
        const w = thread;
        if (w === null) return;
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.ref();
        w.postMessage({ id: nextId++, close: true } satisfies StoreRequest);
        const timer = setTimeout(() => void w.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
