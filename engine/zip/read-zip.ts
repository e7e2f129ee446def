import fs from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import yauzl from 'yauzl';

/**
 * Zip reading shared by the CLI and the upload path. A zip on disk is read by random access
 * (never loaded whole) and its central directory is known before anything is inflated, so limits
 * apply before work is done; yauzl also checks that each entry inflates to its declared size.
 */
export type ZipFile = yauzl.ZipFile;
export type ZipEntry = yauzl.Entry;

const BLOCK = 1024 * 1024;
const CACHED_BLOCKS = 4;

/**
 * Random access to a zip on disk through a few cached 1 MiB blocks. yauzl's own file reader makes
 * one system call per central-directory record and per local header: on an upload of 20,000
 * entries those calls cost the API more CPU than inflating the documents.
 */
class BlockFileReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    super();
  }

  private block(index: number): Promise<Buffer> {
    let block = this.blocks.get(index);
    if (block === undefined) {
      const length = Math.min(BLOCK, this.size - index * BLOCK);
      block = new Promise<Buffer>((resolve, reject) => {
        const buffer = Buffer.allocUnsafe(length);
        fs.read(this.fd, buffer, 0, length, index * BLOCK, (err, read) =>
          err
            ? reject(err)
            : read !== length
              ? reject(new Error('unexpected end of zip'))
              : resolve(buffer),
        );
      });
      this.blocks.set(index, block);
      if (this.blocks.size > CACHED_BLOCKS)
        this.blocks.delete(this.blocks.keys().next().value as number);
    }
    return block;
  }

  async readAt(target: Buffer, offset: number, length: number, position: number): Promise<void> {
    if (position + length > this.size) throw new Error('read past the end of the zip');
    let done = 0;
    while (done < length) {
      const at = position + done;
      const block = await this.block(Math.floor(at / BLOCK));
      const from = at % BLOCK;
      done += block.copy(target, offset + done, from, Math.min(block.length, from + length - done));
    }
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null) => void,
  ): void {
    this.readAt(buffer, offset, length, position).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }

  private async *range(start: number, end: number): AsyncGenerator<Buffer> {
    for (let at = start; at < end;) {
      const chunk = Buffer.allocUnsafe(Math.min(BLOCK, end - at));
      await this.readAt(chunk, 0, chunk.length, at);
      at += chunk.length;
      yield chunk;
    }
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(this.range(start, end));
  }

  override close(callback: (err: Error | null) => void): void {
    this.blocks.clear();
    fs.close(this.fd, callback);
  }
}

/** The same interface over a zip held in memory (a zip inside a zip). */
class BufferReader extends yauzl.RandomAccessReader {
  constructor(private readonly buffer: Buffer) {
    super();
  }

  override read(
    target: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null) => void,
  ): void {
    const copied = this.buffer.copy(target, offset, position, position + length);
    queueMicrotask(() =>
      callback(copied === length ? null : new Error('read past the end of the zip')),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([this.buffer.subarray(start, end)]);
  }
}

const OPTIONS = {
  lazyEntries: true,
  validateEntrySizes: true,
  strictFileNames: false,
  autoClose: false,
};

export async function openZip(source: string | Buffer): Promise<ZipFile> {
  let reader: yauzl.RandomAccessReader;
  let size: number;
  if (typeof source === 'string') {
    const fd = await promisify(fs.open)(source, 'r');
    try {
      size = (await promisify(fs.fstat)(fd)).size;
    } catch (err) {
      fs.close(fd, () => undefined);
      throw err;
    }
    reader = new BlockFileReader(fd, size);
  } else {
    reader = new BufferReader(source);
    size = source.length;
  }
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(reader, size, OPTIONS, (err, zip) => {
      if (err) {
        reader.close(() => undefined);
        reject(err);
      } else resolve(zip);
    });
  });
}

export class TooManyEntriesError extends Error {
  override readonly name = 'TooManyEntriesError';
}

/** Reads the central directory; stops (and throws TooManyEntriesError) past `maxEntries`. */
export function listEntries(zip: ZipFile, maxEntries: number): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: ZipEntry) => {
      entries.push(entry);
      if (entries.length > maxEntries) {
        reject(new TooManyEntriesError(`the zip has more than ${maxEntries} entries`));
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

const LOCAL_HEADER = 0x04034b50;
const SYNC_INFLATE_LIMIT = 16 * 1024 * 1024;
const inflateRaw = promisify(zlib.inflateRaw);

function readerOf(zip: ZipFile): yauzl.RandomAccessReader {
  return (zip as unknown as { reader: yauzl.RandomAccessReader }).reader;
}

function readFrom(zip: ZipFile, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) =>
    readerOf(zip).read(buffer, 0, length, position, (err) => (err ? reject(err) : resolve(buffer))),
  );
}

/**
 * Inflates one entry into memory in one call (no stream per entry), failing past `limit` bytes
 * or when it does not inflate to the size the central directory declares.
 */
export async function readEntry(zip: ZipFile, entry: ZipEntry, limit: number): Promise<Buffer> {
  const header = await readFrom(zip, entry.relativeOffsetOfLocalHeader, 30);
  if (header.readUInt32LE(0) !== LOCAL_HEADER) throw new Error('invalid local file header');
  const start =
    entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = await readFrom(zip, start, entry.compressedSize);
  let bytes: Buffer;
  if (entry.compressionMethod === 0) bytes = raw;
  else if (entry.compressionMethod === 8) {
    try {
      // A document (a few MiB at most) inflates synchronously in microseconds, far cheaper than a
      // trip through the thread pool; a nested zip, possibly large, inflates off the main thread.
      const options = { maxOutputLength: Math.max(1, limit) };
      bytes =
        limit <= SYNC_INFLATE_LIMIT
          ? zlib.inflateRawSync(raw, options)
          : await inflateRaw(raw, options);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(`entry inflates beyond ${limit} bytes`, { cause: err });
      throw err;
    }
  } else throw new Error(`compression method ${entry.compressionMethod} is not supported`);
  if (bytes.length > limit) throw new Error(`entry inflates beyond ${limit} bytes`);
  if (bytes.length !== entry.uncompressedSize)
    throw new Error(
      `entry inflates to ${bytes.length} bytes; the zip declares ${entry.uncompressedSize}`,
    );
  return bytes;
}

export const isZipName = (name: string): boolean => /\.zip$/i.test(name);
export const isXmlName = (name: string): boolean => /\.xml$/i.test(name);
export const isDirectoryEntry = (entry: ZipEntry): boolean => entry.fileName.endsWith('/');
export const isEncryptedEntry = (entry: ZipEntry): boolean =>
  (entry.generalPurposeBitFlag & 0x1) !== 0;
