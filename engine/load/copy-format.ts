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
