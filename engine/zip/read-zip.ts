import yauzl from 'yauzl';

/**
 * Zip reading shared by the CLI and the upload path. A zip on disk is read by random access
 * (never loaded whole) and its central directory is known before anything is inflated, so limits
 * apply before work is done; yauzl also checks that each entry inflates to its declared size.
 */
export type ZipFile = yauzl.ZipFile;
export type ZipEntry = yauzl.Entry;

export function openZip(source: string | Buffer): Promise<ZipFile> {
  const options = {
    lazyEntries: true,
    validateEntrySizes: true,
    strictFileNames: false,
    autoClose: false,
  };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip: ZipFile): void => (err ? reject(err) : resolve(zip));
    if (typeof source === 'string') yauzl.open(source, options, done);
    else yauzl.fromBuffer(source, options, done);
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

/** Inflates one entry into memory, failing as soon as it passes `limit` bytes. */
export function readEntry(zip: ZipFile, entry: ZipEntry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          stream.destroy(new Error(`entry inflates beyond ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

export const isZipName = (name: string): boolean => /\.zip$/i.test(name);
export const isXmlName = (name: string): boolean => /\.xml$/i.test(name);
export const isDirectoryEntry = (entry: ZipEntry): boolean => entry.fileName.endsWith('/');
export const isEncryptedEntry = (entry: ZipEntry): boolean =>
  (entry.generalPurposeBitFlag & 0x1) !== 0;
