import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { isDirectoryEntry, isXmlName, isZipName, listEntries, openZip } from '../zip/read-zip';
import { InputDocument, UsageError, collectInputs } from './collect-inputs';

/**
 * `nfe-ingest push`: uploads files, folders and zips in batches, each as a zip with an
 * Idempotency-Key derived from its documents (a re-run after a network error returns the same
 * batches instead of storing them twice), retrying transient failures, and optionally waiting for
 * every verdict.
 */
export const PUSH_USAGE = `Usage: nfe-ingest push PATH... --url URL --key KEY [options]

Uploads NF-e / NFC-e / event XML (files, folders searched recursively, zips) to an nfe-ingest
server in batches. Re-running the same push never duplicates a document.

  --url URL            server base URL (or NFE_INGEST_URL), e.g. https://nfe.example.com
  --key KEY            API key (or NFE_INGEST_KEY)
  --wait               follow the batches until every document has a verdict, print a summary
  --batch-size N       documents per batch (default 1000)
  --batch-bytes N      bytes per batch before compression (default 67108864)
  --reference REF      client reference stored with each batch (suffixed with the batch number)
  --callback-url URL   webhook for each batch's completion

Exit status: 0 when every document was accepted (and, with --wait, loaded or duplicate), 1 when
any was rejected, in conflict or could not be sent, 2 on usage errors.`;

export interface PushOptions {
  readonly url: string;
  readonly key: string;
  readonly wait: boolean;
  readonly batchSize: number;
  readonly batchBytes: number;
  readonly reference: string | null;
  readonly callbackUrl: string | null;
  readonly maxDocumentBytes: number;
  readonly out: (text: string) => void;
  /** Progress display: a redrawn bar on a terminal, plain lines otherwise. */
  readonly tty: boolean;
  readonly progress: (text: string) => void;
  /** Waits between retries and polls (tests make them short). */
  readonly retryBaseMs?: number;
  readonly pollMs?: number;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface SentBatch {
  readonly id: string;
  readonly documents: number;
}

class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

function retryAfter(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `attempt` until it succeeds, retrying transient failures with exponential backoff. */
async function withRetries<T>(
  what: string,
  attempt: () => Promise<T>,
  baseMs: number,
  log: (text: string) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof TransientError) || n >= 8) throw err;
      const delay = err.retryAfterMs ?? Math.min(30_000, baseMs * 2 ** (n - 1));
      log(
        `${what}: ${err.message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${n + 1} of 8)`,
      );
      await sleep(delay);
    }
  }
}

async function request(
  options: PushOptions,
  method: string,
  route: string,
  init: { body?: Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {},
): Promise<Json> {
  let res: Response;
  try {
    res = await fetch(new URL(route, options.url), {
      method,
      headers: { Authorization: `Bearer ${options.key}`, ...(init.headers ?? {}) },
      body: init.body,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TransientError(`${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) {
    throw new TransientError(`HTTP ${res.status}`, retryAfter(res.headers.get('retry-after')));
  }
  const body = ((): Json => {
    try {
      return text === '' ? {} : (JSON.parse(text) as Json);
    } catch {
      return { error: { code: 'UNEXPECTED', message: text.slice(0, 200) } };
    }
  })();
  if (!res.ok)
    throw new Error(
      `HTTP ${res.status} ${body.error?.code ?? ''}: ${body.error?.message ?? text.slice(0, 200)}`,
    );
  return body;
}

async function zipOf(docs: readonly { name: string; bytes: Buffer }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const d of docs) zip.addBuffer(d.bytes, d.name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Documents in the inputs, counted from file names and zip directories (for the progress ETA). */
async function countDocuments(paths: readonly string[]): Promise<number> {
  let total = 0;
  const visit = async (p: string, explicit: boolean): Promise<void> => {
    const stat = await fs.stat(p);
    if (stat.isDirectory()) {
      for (const e of await fs.readdir(p)) await visit(path.join(p, e), false);
    } else if (isZipName(p)) {
      try {
        const zip = await openZip(p);
        try {
          total += (await listEntries(zip, 1_000_000)).filter(
            (e) => !isDirectoryEntry(e) && (isXmlName(e.fileName) || isZipName(e.fileName)),
          ).length;
        } finally {
          zip.close();
        }
      } catch {
        total += 1;
      }
    } else if (explicit || isXmlName(p)) {
      total += 1;
    }
  };
  for (const p of paths) {
    if ((await fs.stat(p).catch(() => null)) === null)
      throw new UsageError(`no such file or folder: ${p}`);
    await visit(p, true);
  }
  return total;
}

function human(bytes: number): string {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(0)} KiB`;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export async function runPush(paths: readonly string[], options: PushOptions): Promise<number> {
  const retryBaseMs = options.retryBaseMs ?? 500;
  const t0 = Date.now();
  const expected = await countDocuments(paths);
  const sent: SentBatch[] = [];
  const notSent: { where: string; reason: string }[] = [];
  let docsSent = 0;
  let bytesSent = 0;
  const progress = (final = false): void => {
    const seconds = (Date.now() - t0) / 1000;
    const rate = docsSent / Math.max(seconds, 0.001);
    const total = Math.max(expected, docsSent);
    const fraction = total === 0 ? 1 : docsSent / total;
    const eta = rate > 0 ? (total - docsSent) / rate : Number.POSITIVE_INFINITY;
    if (options.tty) {
      const width = 24;
      const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '-');
      options.progress(
        `\r[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${docsSent}/${total} documents  ${human(bytesSent)}  ${rate.toFixed(0)} docs/s  ETA ${clock(eta)}${final ? '\n' : ''}`,
      );
    }
  };

  let pending: { name: string; bytes: Buffer }[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const docs = pending;
    pending = [];
    pendingBytes = 0;
    const number = sent.length + 1;
    const fingerprint = createHash('sha256');
    for (const d of docs)
      fingerprint.update(`${d.name}\u0000`).update(createHash('sha256').update(d.bytes).digest());
    const idempotencyKey = `push-${fingerprint.digest('hex').slice(0, 40)}`;
    const body = await zipOf(docs);
    const query = new URLSearchParams();
    if (options.reference !== null) query.set('clientReference', `${options.reference}-${number}`);
    if (options.callbackUrl !== null) query.set('callbackUrl', options.callbackUrl);
    const route = `/v1/batches${query.size > 0 ? `?${query.toString()}` : ''}`;
    const log = (text: string): void =>
      options.tty ? options.progress(`\r${text}\n`) : options.out(text);
    const batch = await withRetries(
      `batch ${number}`,
      () =>
        request(options, 'POST', route, {
          body: new Uint8Array(body),
          headers: { 'Content-Type': 'application/zip', 'Idempotency-Key': idempotencyKey },
        }),
      retryBaseMs,
      log,
    );
    sent.push({ id: batch.id as string, documents: batch.documents as number });
    docsSent += docs.length;
    bytesSent += body.length;
    if (options.tty) progress();
    else
      options.out(
        `batch ${number}: ${docs.length} documents (${human(body.length)}) accepted as ${batch.id as string}`,
      );
  };

  const cwd = process.cwd();
  const inputs = collectInputs(paths, {
    maxDocumentBytes: options.maxDocumentBytes,
    maxArchiveEntries: 1_000_000,
    maxArchiveDepth: 3,
  });
  for await (const input of inputs as AsyncIterable<InputDocument>) {
    const where = `${path.relative(cwd, input.file) || input.file}${input.entry !== null ? `!${input.entry}` : ''}`;
    if (input.bytes === null) {
      notSent.push({ where, reason: input.failure?.message ?? 'unreadable' });
      continue;
    }
    if (
      pending.length >= options.batchSize ||
      (pending.length > 0 && pendingBytes + input.bytes.length > options.batchBytes)
    )
      await flush();
    // Zip entry names are relative paths: no '..', no leading '/'.
    const name = where
      .split(/[\\/]/)
      .filter((seg) => seg !== '..' && seg !== '.' && seg !== '')
      .join('/');
    pending.push({ name, bytes: input.bytes });
    pendingBytes += input.bytes.length;
  }
  await flush();
  progress(true);
  const seconds = (Date.now() - t0) / 1000;
  options.out(
    `sent ${docsSent} documents in ${sent.length} batch${sent.length === 1 ? '' : 'es'} (${human(bytesSent)}) in ${seconds.toFixed(1)} s`,
  );
  for (const n of notSent) options.out(`not sent ${n.where}: ${n.reason}`);
  if (!options.wait) return notSent.length > 0 ? 1 : 0;

  const totals = { loaded: 0, duplicate: 0, conflict: 0, rejected: 0 };
  const byCode = new Map<string, number>();
  const examples: string[] = [];
  for (const b of sent) {
    let state: Json;
    for (;;) {
      state = await withRetries(
        `batch ${b.id}`,
        () => request(options, 'GET', `/v1/batches/${b.id}`),
        retryBaseMs,
        options.out,
      );
      if (state.state === 'completed') break;
      await sleep(options.pollMs ?? 1000);
    }
    for (const k of Object.keys(totals) as (keyof typeof totals)[])
      totals[k] += state.counts[k] as number;
    let next: string | null = `/v1/batches/${b.id}/documents?verdict=rejected&limit=1000`;
    while (next !== null) {
      const page: Json = await withRetries(
        `batch ${b.id}`,
        () => request(options, 'GET', next as string),
        retryBaseMs,
        options.out,
      );
      for (const d of page.data as Json[]) {
        byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
        if (examples.length < 20)
          examples.push(`  ${d.name}: ${d.code} — ${String(d.message).slice(0, 120)}`);
      }
      next = page.next;
    }
  }
  const codes = [...byCode.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  options.out(
    `verdicts: ${totals.loaded} loaded, ${totals.duplicate} duplicate, ${totals.conflict} conflict, ${totals.rejected} rejected${codes ? ` (${codes})` : ''}`,
  );
  for (const e of examples) options.out(e);
  return totals.rejected + totals.conflict + notSent.length > 0 ? 1 : 0;
}

export function parsePushArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): {
  paths: string[];
  options: Omit<PushOptions, 'out' | 'tty' | 'progress' | 'maxDocumentBytes'>;
} {
  const paths: string[] = [];
  let url = env.NFE_INGEST_URL ?? '';
  let key = env.NFE_INGEST_KEY ?? '';
  let wait = false;
  let batchSize = 1000;
  let batchBytes = 64 * 1024 * 1024;
  let reference: string | null = null;
  let callbackUrl: string | null = null;
  const value = (k: number, name: string): string => {
    const v = args[k + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const positive = (v: string, name: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} takes a positive integer`);
    return n;
  };
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a === '--url') url = value(k++, a);
    else if (a === '--key') key = value(k++, a);
    else if (a === '--wait') wait = true;
    else if (a === '--batch-size') batchSize = positive(value(k++, a), a);
    else if (a === '--batch-bytes') batchBytes = positive(value(k++, a), a);
    else if (a === '--reference') reference = value(k++, a);
    else if (a === '--callback-url') callbackUrl = value(k++, a);
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) throw new UsageError('push needs at least one PATH');
  if (url === '') throw new UsageError('push needs --url (or NFE_INGEST_URL)');
  if (key === '') throw new UsageError('push needs --key (or NFE_INGEST_KEY)');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`--url ${url} is not an http(s) URL`);
  }
  return { paths, options: { url, key, wait, batchSize, batchBytes, reference, callbackUrl } };
}
