import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { Config } from '../config';
import { cooperative } from '../cooperate';
import { NfeError } from '../errors';
import {
  TooManyEntriesError,
  ZipEntry,
  ZipFile,
  isDirectoryEntry,
  isEncryptedEntry,
  isXmlName,
  isZipName,
  listEntries,
  openZip,
  readEntry,
} from '../zip/read-zip';

/**
 * Turns an upload body into documents without holding it in memory: the body is spooled to a
 * temporary file (zips are read from there by random access), limits are enforced while reading,
 * and the documents can be iterated twice — once to validate and fingerprint before anything is
 * written, once to store them.
 */
/** The limits an upload is held to, as configured (see engine/config.ts for each). */
export type UploadLimits = Pick<
  Config,
  | 'uploadMaxBytes'
  | 'uploadMaxEntries'
  | 'documentMaxBytes'
  | 'zipMaxRatio'
  | 'zipMaxInflatedBytes'
  | 'tmpDir'
>;

export function uploadLimits(config: UploadLimits): UploadLimits {
  return {
    uploadMaxBytes: config.uploadMaxBytes,
    uploadMaxEntries: config.uploadMaxEntries,
    documentMaxBytes: config.documentMaxBytes,
    zipMaxRatio: config.zipMaxRatio,
    zipMaxInflatedBytes: config.zipMaxInflatedBytes,
    tmpDir: config.tmpDir,
  };
}

export interface UploadDocument {
  /** Entry name inside the zip (nested zips joined with "!"), the multipart filename, or null. */
  readonly name: string | null;
  readonly bytes: Buffer;
}

/**
 * What the validation pass sees of a document: its bytes, or for a zip entry only what the
 * central directory declares (size and CRC-32), so that a zip is inflated once, when stored.
 */
interface ListedDocument {
  readonly name: string | null;
  readonly bytes: Buffer | null;
  readonly size: number;
  readonly crc32: number;
}

/**
 * An upload as received: the body read and spooled (zips on disk, XML parts in memory), its size
 * limits enforced, nothing examined yet. Plain data, so that it can be handed to another thread.
 */
export interface ReceivedUpload {
  /** Bytes of the request body as received. */
  readonly bodyBytes: number;
  readonly parts: readonly Part[];
}

/** A received upload and the temporary directory that holds its spooled parts. */
export interface SpooledBody extends ReceivedUpload {
  dispose(): Promise<void>;
}

/** An upload examined: every limit checked, documents counted and fingerprinted. */
export interface ExaminedUpload {
  /** Bytes of the request body as received. */
  readonly bodyBytes: number;
  readonly documentCount: number;
  /** Entries that are neither .xml nor .zip (a DANFE PDF, a readme): not documents. */
  readonly skippedCount: number;
  /**
   * What "the same body" means for an Idempotency-Key: SHA-256 over the ordered documents, each
   * by name and SHA-256 (XML parts) or by declared size and CRC-32 (zip entries, not inflated twice).
   */
  readonly fingerprint: Buffer;
  documents(): AsyncGenerator<UploadDocument>;
}

export interface SpooledUpload extends ExaminedUpload {
  dispose(): Promise<void>;
}

export type Part =
  | { kind: 'xml'; name: string | null; bytes: Buffer }
  | { kind: 'zip'; name: string | null; file: string };

const MAX_ZIP_DEPTH = 3;
const MAX_NAME = 300;

export type UploadKind = 'zip' | 'multipart' | 'xml';

export function uploadKind(contentType: string | undefined): UploadKind {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/zip' || type === 'application/x-zip-compressed') return 'zip';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/xml' || type === 'text/xml') return 'xml';
  throw new NfeError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${type ? `"${type.slice(0, 80)}"` : 'missing'}: send application/zip, multipart/form-data or application/xml`,
  );
}

function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_NAME);
}

/**
 * Counts the whole body against the upload limit, failing the stream with 413 when passed; the
 * count is left in `received`.
 */
function byteLimit(limit: number, received: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      received.bytes += chunk.length;
      if (received.bytes > limit)
        done(new NfeError('PAYLOAD_TOO_LARGE', `the upload is larger than ${limit} bytes`));
      else done(null, chunk);
    },
  });
}

async function readBounded(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.resume();
      throw new NfeError(
        'PAYLOAD_TOO_LARGE',
        `${what} is larger than the ${limit}-byte limit for one document`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function spoolMultipart(
  body: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: UploadLimits,
  dir: string,
  received: { bytes: number },
): Promise<Part[]> {
  const parts: Part[] = [];
  const pending: Promise<void>[] = [];
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: headers as busboy.BusboyConfig['headers'],
      limits: { files: limits.uploadMaxEntries, fields: 100, parts: limits.uploadMaxEntries + 100 },
    });
  } catch (err) {
    throw new NfeError('BAD_REQUEST', `malformed multipart request: ${(err as Error).message}`);
  }
  let failure: Error | null = null;
  parser.on('file', (_field, stream, info) => {
    const name = info.filename ? cleanName(info.filename) : null;
    const isZip = (name !== null && isZipName(name)) || /zip/i.test(info.mimeType);
    const index = parts.length;
    parts.push({ kind: 'xml', name, bytes: Buffer.alloc(0) }); // keeps the order of the parts
    const work = isZip
      ? (async () => {
          const file = path.join(dir, `part-${index}.zip`);
          await pipeline(stream, createWriteStream(file));
          parts[index] = { kind: 'zip', name, file };
        })()
      : (async () => {
          parts[index] = {
            kind: 'xml',
            name,
            bytes: await readBounded(stream, limits.documentMaxBytes, `part "${name ?? index}"`),
          };
        })();
    pending.push(
      work.catch((err: Error) => {
        failure ??= err;
        stream.resume();
      }),
    );
  });
  parser.on('filesLimit', () => {
    failure ??= new NfeError(
      'PAYLOAD_TOO_LARGE',
      `more than ${limits.uploadMaxEntries} files in one upload`,
    );
  });
  try {
    await pipeline(body, byteLimit(limits.uploadMaxBytes, received), parser);
  } catch (err) {
    if (err instanceof NfeError) throw err;
    throw new NfeError('BAD_REQUEST', `malformed multipart request: ${(err as Error).message}`);
  }
  await Promise.all(pending);
  if (failure !== null) throw failure;
  return parts;
}

interface Walk {
  documents: number;
  skipped: number;
  inflated: number;
}

async function* zipDocuments(
  source: string | Buffer,
  prefix: string,
  depth: number,
  limits: UploadLimits,
  walk: Walk,
  validate: boolean,
): AsyncGenerator<ListedDocument> {
  let zip: ZipFile;
  let entries: ZipEntry[];
  try {
    zip = await openZip(source);
  } catch (err) {
    throw new NfeError(
      'ARCHIVE_INVALID',
      `${prefix || 'the upload'} is not a readable zip: ${(err as Error).message}`,
    );
  }
  try {
    try {
      entries = await listEntries(zip, limits.uploadMaxEntries);
    } catch (err) {
      if (err instanceof TooManyEntriesError)
        throw new NfeError(
          'PAYLOAD_TOO_LARGE',
          `more than ${limits.uploadMaxEntries} entries in one upload`,
        );
      throw new NfeError('ARCHIVE_INVALID', `the zip cannot be read: ${(err as Error).message}`);
    }
    for (const entry of entries) {
      if (isDirectoryEntry(entry)) continue;
      const name = cleanName(prefix ? `${prefix}!${entry.fileName}` : entry.fileName);
      const nested = isZipName(entry.fileName);
      if (!nested && !isXmlName(entry.fileName)) {
        if (validate) walk.skipped++;
        continue;
      }
      if (validate) {
        if (isEncryptedEntry(entry))
          throw new NfeError('ARCHIVE_INVALID', `"${name}" is encrypted`);
        if (nested && depth >= MAX_ZIP_DEPTH)
          throw new NfeError(
            'ARCHIVE_INVALID',
            `"${name}": zips nested more than ${MAX_ZIP_DEPTH} deep`,
          );
        if (!nested && entry.uncompressedSize > limits.documentMaxBytes) {
          throw new NfeError(
            'PAYLOAD_TOO_LARGE',
            `"${name}" has ${entry.uncompressedSize} bytes; the limit for one document is ${limits.documentMaxBytes}`,
          );
        }
        if (
          entry.uncompressedSize > 64 * 1024 &&
          entry.uncompressedSize > limits.zipMaxRatio * Math.max(1, entry.compressedSize)
        ) {
          throw new NfeError(
            'ZIP_BOMB',
            `"${name}" inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times its size (limit ${limits.zipMaxRatio})`,
          );
        }
        walk.inflated += entry.uncompressedSize;
        if (walk.inflated > limits.zipMaxInflatedBytes) {
          throw new NfeError(
            'ZIP_BOMB',
            `the zips inflate beyond ${limits.zipMaxInflatedBytes} bytes`,
          );
        }
      }
      if (validate && !nested) {
        // Declared size and CRC-32 identify the entry; the sizes are enforced when it is inflated.
        if (++walk.documents > limits.uploadMaxEntries) {
          throw new NfeError(
            'PAYLOAD_TOO_LARGE',
            `more than ${limits.uploadMaxEntries} documents in one upload`,
          );
        }
        yield { name, bytes: null, size: entry.uncompressedSize, crc32: entry.crc32 };
        continue;
      }
      const limit = nested ? limits.zipMaxInflatedBytes : limits.documentMaxBytes;
      let bytes: Buffer;
      try {
        bytes = await readEntry(zip, entry, limit);
      } catch (err) {
        throw new NfeError(
          'ARCHIVE_INVALID',
          `"${name}" cannot be inflated: ${(err as Error).message}`,
        );
      }
      if (nested) yield* zipDocuments(bytes, name, depth + 1, limits, walk, validate);
      else yield { name, bytes, size: bytes.length, crc32: entry.crc32 };
    }
  } finally {
    zip.close();
  }
}

async function* partDocuments(
  parts: readonly Part[],
  limits: UploadLimits,
  walk: Walk,
  validate: boolean,
): AsyncGenerator<ListedDocument> {
  for (const part of parts) {
    if (part.kind === 'xml') {
      if (validate && ++walk.documents > limits.uploadMaxEntries) {
        throw new NfeError(
          'PAYLOAD_TOO_LARGE',
          `more than ${limits.uploadMaxEntries} documents in one upload`,
        );
      }
      yield { name: part.name, bytes: part.bytes, size: part.bytes.length, crc32: 0 };
    } else {
      yield* zipDocuments(part.file, part.name ?? '', 1, limits, walk, validate);
    }
  }
}

/**
 * Reads the request body (already known to be within the content types we take) into a temporary
 * directory, enforcing the size limits as it arrives. Throws NfeError (413, 400) with nothing kept.
 */
export async function receiveUpload(
  kind: UploadKind,
  body: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: UploadLimits,
): Promise<SpooledBody> {
  const dir = await fs.mkdtemp(path.join(limits.tmpDir, 'nfe-upload-'));
  const dispose = (): Promise<void> => fs.rm(dir, { recursive: true, force: true });
  const received = { bytes: 0 };
  try {
    let parts: Part[];
    if (kind === 'zip') {
      const file = path.join(dir, 'upload.zip');
      await pipeline(body, byteLimit(limits.uploadMaxBytes, received), createWriteStream(file));
      parts = [{ kind: 'zip', name: null, file }];
    } else if (kind === 'xml') {
      const limit = Math.min(limits.documentMaxBytes, limits.uploadMaxBytes);
      const bytes = await readBounded(body, limit, 'the document');
      received.bytes = bytes.length;
      parts = [{ kind: 'xml', name: null, bytes }];
    } else {
      parts = await spoolMultipart(body, headers, limits, dir, received);
    }
    return { bodyBytes: received.bytes, parts, dispose };
  } catch (err) {
    await dispose();
    body.resume(); // drain whatever is left so the connection can answer
    throw err;
  }
}

/**
 * Checks every limit of a received upload (entries, nesting, sizes, zip bombs) and fingerprints
 * its documents, reading only the zips' central directories. Throws NfeError (413, 422).
 */
export async function examineUpload(
  received: ReceivedUpload,
  limits: UploadLimits,
): Promise<ExaminedUpload> {
  const { parts } = received;
  const walk: Walk = { documents: 0, skipped: 0, inflated: 0 };
  const fingerprint = createHash('sha256');
  const turns = cooperative();
  for await (const doc of partDocuments(parts, limits, walk, true)) {
    await turns.pause();
    fingerprint.update(`${doc.name ?? ''}\u0000`);
    if (doc.bytes !== null) fingerprint.update(createHash('sha256').update(doc.bytes).digest());
    else fingerprint.update(`${doc.size}:${doc.crc32}`);
    fingerprint.update('\n');
  }
  if (walk.documents === 0) {
    throw new NfeError(
      'EMPTY_UPLOAD',
      walk.skipped > 0
        ? `no .xml document among the ${walk.skipped} entries received`
        : 'the upload holds no document',
    );
  }
  return {
    bodyBytes: received.bodyBytes,
    documentCount: walk.documents,
    skippedCount: walk.skipped,
    fingerprint: fingerprint.digest(),
    documents: async function* () {
      const read = partDocuments(parts, limits, { documents: 0, skipped: 0, inflated: 0 }, false);
      for await (const doc of read) yield { name: doc.name, bytes: doc.bytes as Buffer };
    },
  };
}

/** receiveUpload then examineUpload, in this thread: the upload ready to store. */
export async function spoolUpload(
  kind: UploadKind,
  body: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: UploadLimits,
): Promise<SpooledUpload> {
  const received = await receiveUpload(kind, body, headers, limits);
  try {
    return { ...(await examineUpload(received, limits)), dispose: received.dispose };
  } catch (err) {
    await received.dispose();
    throw err;
  }
}
