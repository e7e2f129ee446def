/**
 * PostgreSQL COPY text format: one row per line, columns separated by tabs, \N for NULL, and
 * backslash, tab, newline and carriage return escaped.
 */
export type CopyValue =
  string | number | bigint | boolean | Buffer | Date | null | undefined | object;

const SPECIAL = /[\\\t\n\r]/;

function escapeText(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`; // bytea hex input, backslash escaped
  if (value instanceof Date) return value.toISOString();
  return escapeText(JSON.stringify(value)); // jsonb
}

export function copyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let k = 0; k < values.length; k++) {
    if (k > 0) line += '\t';
    line += copyField(values[k]);
  }
  return `${line}\n`;
}

/** `copy <table> (<columns>) from stdin` for a column list kept in code next to its row builder. */
export function copyStatement(table: string, columns: readonly string[]): string {
  return `copy ${table} (${columns.join(', ')}) from stdin`;
}

/**
 * PostgreSQL COPY binary format, for the one load where it pays: storing documents, whose bytes
 * would otherwise travel as hex text (twice their size) to be decoded again by the server.
 */
export type BinaryColumn = 'uuid' | 'int4' | 'text' | 'bytea';

const PGCOPY = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
export const BINARY_COPY_HEADER = Buffer.concat([PGCOPY, Buffer.alloc(8)]); // flags, extension
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

function fieldBytes(type: BinaryColumn, value: string | number | Buffer | null): Buffer | null {
  if (value === null) return null;
  switch (type) {
    case 'uuid': {
      const hex = String(value).replace(/-/g, '');
      if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${String(value)}`);
      return Buffer.from(hex, 'hex');
    }
    case 'int4': {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(value as number);
      return b;
    }
    case 'text':
      return Buffer.from(String(value), 'utf8');
    case 'bytea':
      return value as Buffer;
  }
}

/** One tuple: field count, then each field as its length (-1: NULL) and its bytes. */
export function binaryCopyRow(
  columns: readonly BinaryColumn[],
  values: readonly (string | number | Buffer | null)[],
): Buffer {
  const fields = columns.map((type, k) => fieldBytes(type, values[k]));
  const size = fields.reduce((n, f) => n + 4 + (f?.length ?? 0), 2);
  const row = Buffer.allocUnsafe(size);
  let at = row.writeInt16BE(fields.length, 0);
  for (const f of fields) {
    at = row.writeInt32BE(f === null ? -1 : f.length, at);
    if (f !== null) at += f.copy(row, at);
  }
  return row;
}

/**
 * The tuples of a COPY … TO STDOUT (format binary) output, each field as a view of `data` (null
 * for NULL). How the worker reads documents' bytes: as they are, where a query result would bring
 * them as hex text to decode.
 */
export function parseBinaryCopy(data: Buffer): (Buffer | null)[][] {
  if (data.length < BINARY_COPY_HEADER.length || !data.subarray(0, PGCOPY.length).equals(PGCOPY))
    throw new Error('not a binary COPY stream');
  let at = PGCOPY.length + 4;
  at += 4 + data.readInt32BE(at); // header extension
  const rows: (Buffer | null)[][] = [];
  for (;;) {
    const count = data.readInt16BE(at);
    at += 2;
    if (count === -1) return rows;
    const row: (Buffer | null)[] = [];
    for (let k = 0; k < count; k++) {
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) row.push(null);
      else {
        row.push(data.subarray(at, at + length));
        at += length;
      }
    }
    rows.push(row);
  }
}
