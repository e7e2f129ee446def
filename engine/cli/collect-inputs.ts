import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  ZipEntry,
  ZipFile,
  isDirectoryEntry,
  isXmlName,
  isZipName,
  listEntries,
  openZip,
  readEntry,
} from '../zip/read-zip';

/** One document to check: a file on disk, or an entry inside a zip (possibly nested). */
export interface InputDocument {
  readonly file: string;
  /** Name inside the zip ("outer.zip!inner.zip!a.xml" nesting is joined with "!"), or null. */
  readonly entry: string | null;
  readonly bytes: Buffer | null;
  /** Set when the input could not be read as a document (too large, unreadable archive). */
  readonly failure?: {
    readonly code: 'DOCUMENT_TOO_LARGE' | 'ARCHIVE_INVALID';
    readonly message: string;
  };
}

export interface CollectOptions {
  readonly maxDocumentBytes: number;
  /** Most entries read from one archive (zip bombs made of many tiny entries). */
  readonly maxArchiveEntries: number;
  /** Zips inside zips are expanded down to this depth. */
  readonly maxArchiveDepth: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Lists every entry of a zip held in memory, reading the documents it contains. */
async function* zipDocuments(
  file: string,
  prefix: string,
  source: string | Buffer,
  depth: number,
  options: CollectOptions,
): AsyncGenerator<InputDocument> {
  let zip: ZipFile;
  try {
    zip = await openZip(source);
  } catch (err) {
    yield {
      file,
      entry: prefix || null,
      bytes: null,
      failure: {
        code: 'ARCHIVE_INVALID',
        message: `not a readable zip: ${(err as Error).message}`,
      },
    };
    return;
  }
  let entries: ZipEntry[];
  try {
    entries = await listEntries(zip, options.maxArchiveEntries);
  } catch (err) {
    zip.close();
    yield {
      file,
      entry: prefix || null,
      bytes: null,
      failure: { code: 'ARCHIVE_INVALID', message: `zip rejected: ${(err as Error).message}` },
    };
    return;
  }
  try {
    yield* entryDocuments(file, prefix, zip, entries, depth, options);
  } finally {
    zip.close();
  }
}

async function* entryDocuments(
  file: string,
  prefix: string,
  zip: ZipFile,
  entries: ZipEntry[],
  depth: number,
  options: CollectOptions,
): AsyncGenerator<InputDocument> {
  for (const entry of entries) {
    const name = prefix ? `${prefix}!${entry.fileName}` : entry.fileName;
    if (isDirectoryEntry(entry)) continue;
    const nested = isZipName(entry.fileName);
    if (!nested && !isXmlName(entry.fileName)) continue;
    if (nested && depth >= options.maxArchiveDepth) {
      yield {
        file,
        entry: name,
        bytes: null,
        failure: {
          code: 'ARCHIVE_INVALID',
          message: `zips nested deeper than ${options.maxArchiveDepth} levels are not expanded`,
        },
      };
      continue;
    }
    const limit = nested ? options.maxDocumentBytes * 64 : options.maxDocumentBytes;
    if (entry.uncompressedSize > limit) {
      yield {
        file,
        entry: name,
        bytes: null,
        failure: nested
          ? {
              code: 'ARCHIVE_INVALID',
              message: `nested zip of ${entry.uncompressedSize} bytes exceeds ${limit}`,
            }
          : {
              code: 'DOCUMENT_TOO_LARGE',
              message: `the entry has ${entry.uncompressedSize} bytes; the limit is ${limit}`,
            },
      };
      continue;
    }
    let content: Buffer;
    try {
      content = await readEntry(zip, entry, limit);
    } catch (err) {
      yield {
        file,
        entry: name,
        bytes: null,
        failure: {
          code: 'ARCHIVE_INVALID',
          message: `entry cannot be read: ${(err as Error).message}`,
        },
      };
      continue;
    }
    if (nested) yield* zipDocuments(file, name, content, depth + 1, options);
    else yield { file, entry: name, bytes: content };
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile() && (isXmlName(e.name) || isZipName(e.name))) yield full;
  }
}

async function* fileDocuments(
  file: string,
  options: CollectOptions,
): AsyncGenerator<InputDocument> {
  if (isZipName(file)) {
    yield* zipDocuments(file, '', file, 1, options);
    return;
  }
  const stat = await fs.stat(file);
  if (stat.size > options.maxDocumentBytes) {
    const message = `the file has ${stat.size} bytes; the limit is ${options.maxDocumentBytes}`;
    yield { file, entry: null, bytes: null, failure: { code: 'DOCUMENT_TOO_LARGE', message } };
    return;
  }
  yield { file, entry: null, bytes: await fs.readFile(file) };
}

/**
 * Expands the command-line paths: files as given, folders recursively (their .xml and .zip files),
 * zips entry by entry. Missing paths are a usage error, detected before anything is checked.
 */
export async function* collectInputs(
  paths: readonly string[],
  options: CollectOptions,
): AsyncGenerator<InputDocument> {
  const kinds: ('dir' | 'file')[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p).catch(() => null);
    if (stat === null) throw new UsageError(`no such file or folder: ${p}`);
    kinds.push(stat.isDirectory() ? 'dir' : 'file');
  }
  for (let k = 0; k < paths.length; k++) {
    if (kinds[k] === 'file') yield* fileDocuments(paths[k], options);
    else for await (const f of walk(paths[k])) yield* fileDocuments(f, options);
  }
}
