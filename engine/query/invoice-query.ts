import { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Db, sql } from '../db';
import { NfeError } from '../errors';

/**
 * Filters an accountant uses on invoices (issuer, recipient, model, series, issue dates, state,
 * CFOP, batch, receipt time), validated once and turned into the parameters of select-invoices.sql.
 */
export interface InvoiceFilters {
  readonly issuer: string | null;
  readonly recipient: string | null;
  readonly model: number | null;
  readonly series: number | null;
  readonly issuedFrom: string | null;
  readonly issuedTo: string | null;
  readonly state: string | null;
  readonly cfop: string | null;
  readonly batch: string | null;
  readonly receivedFrom: string | null;
  readonly receivedTo: string | null;
}

export const FILTER_NAMES = [
  'issuer',
  'recipient',
  'model',
  'series',
  'issuedFrom',
  'issuedTo',
  'state',
  'cfop',
  'batch',
  'receivedFrom',
  'receivedTo',
] as const;

const TAX_ID = /^(?:[0-9A-Z]{12}[0-9]{2}|[0-9]{11})$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const DATE_TIME =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATES = new Set(['authorized', 'cancelled', 'denied', 'unknown']);

export function parseInvoiceFilters(
  query: Readonly<Record<string, string | string[] | undefined>>,
): InvoiceFilters {
  const problems: string[] = [];
  const get = (name: string): string | null => {
    const v = query[name];
    if (Array.isArray(v)) {
      problems.push(`${name} is given more than once`);
      return null;
    }
    return v === undefined || v === '' ? null : v;
  };
  const matching = (
    name: string,
    pattern: RegExp,
    what: string,
    extra?: (v: string) => boolean,
  ): string | null => {
    const v = get(name);
    if (v !== null && (!pattern.test(v) || (extra !== undefined && !extra(v))))
      problems.push(`${name} must be ${what}`);
    return v;
  };
  const validDate = (v: string): boolean =>
    !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v));
  const f = {
    issuer: matching('issuer', TAX_ID, 'a CNPJ (14 characters) or CPF (11 digits)'),
    recipient: matching('recipient', TAX_ID, 'a CNPJ (14 characters) or CPF (11 digits)'),
    model: matching('model', /^(55|65)$/, '55 or 65'),
    series: matching('series', /^[0-9]{1,3}$/, 'a number from 0 to 999'),
    issuedFrom: matching('issuedFrom', DATE, 'a date (YYYY-MM-DD)', validDate),
    issuedTo: matching('issuedTo', DATE, 'a date (YYYY-MM-DD)', validDate),
    state: matching('state', /^[a-z]+$/, `one of ${[...STATES].join(', ')}`, (v) => STATES.has(v)),
    cfop: matching('cfop', /^[1-7][0-9]{3}$/, 'a CFOP (4 digits)'),
    batch: matching('batch', UUID, 'a batch id'),
    receivedFrom: matching('receivedFrom', DATE_TIME, 'an ISO date or date-time', validDate),
    receivedTo: matching('receivedTo', DATE_TIME, 'an ISO date or date-time', validDate),
  };
  const known = new Set<string>([...FILTER_NAMES, 'limit', 'cursor']);
  for (const name of Object.keys(query))
    if (!known.has(name)) problems.push(`unknown parameter ${name}`);
  if (problems.length > 0) throw new NfeError('BAD_REQUEST', problems.join('; '));
  return {
    ...f,
    model: f.model === null ? null : Number(f.model),
    series: f.series === null ? null : Number(f.series),
  };
}

function params(
  tenantId: string,
  f: InvoiceFilters,
  afterId: string,
  limit: number | null,
): unknown[] {
  return [
    tenantId,
    f.issuer,
    f.recipient,
    f.model,
    f.series,
    f.issuedFrom,
    f.issuedTo,
    f.state,
    f.cfop,
    f.batch,
    f.receivedFrom,
    f.receivedTo,
    afterId,
    limit,
  ];
}

export async function listInvoices(
  db: Db,
  tenantId: string,
  f: InvoiceFilters,
  afterId: string,
  limit: number,
): Promise<Record<string, unknown>[]> {
  return (await db.query('select-invoices', params(tenantId, f, afterId, limit))).rows;
}

/**
 * COPY cannot take bind parameters, so the validated values are written into the statement as
 * escaped literals (pg's escapeLiteral; every value also passed a strict pattern above).
 */
export function inline(text: string, values: readonly unknown[]): string {
  return text.replace(/\$([0-9]+)\b/g, (_m, n: string) => {
    const v = values[Number(n) - 1];
    return v === null || v === undefined ? 'null' : pg.escapeLiteral(String(v));
  });
}

export type ExportKind = 'invoices' | 'items';

/**
 * Streams `copy (<query>) to stdout` as CSV (header row, UTF-8, decimal point '.'): memory stays
 * flat whatever the number of rows. The connection goes back to the pool when the stream ends, and
 * is discarded if the reader goes away mid-way.
 */
export async function copyToCsv(db: Db, query: string): Promise<Readable> {
  const client = await db.pool.connect();
  let released = false;
  const release = (broken: boolean): void => {
    if (released) return;
    released = true;
    client.release(broken ? true : undefined);
  };
  const stream = client.query(
    copyTo(`copy (${query}) to stdout with (format csv, header true, encoding 'UTF8')`),
  );
  stream.on('end', () => release(false));
  stream.on('error', () => release(true));
  stream.on('close', () => release(!stream.readableEnded));
  return stream;
}

/** A CSV export of invoices or items with the listing's filters, streamed from PostgreSQL. */
export async function exportCsv(
  db: Db,
  kind: ExportKind,
  tenantId: string,
  f: InvoiceFilters,
): Promise<Readable> {
  const values = params(tenantId, f, '0', null);
  const invoices = sql('select-invoices').replace(/^--.*\n/gm, '');
  // What a client exported is recorded: a later cancellation of it is reported for reversal.
  await db.queryText(
    inline(
      `update invoices i set exported_at = now() from (${invoices}) f where i.tenant_id = $1::uuid and i.id = f.id and i.exported_at is null`,
      values,
    ),
  );
  return copyToCsv(
    db,
    inline(
      sql(`export-${kind}`)
        .replace(/^--.*\n/gm, '')
        .replace('{{invoices}}', invoices),
      values,
    ),
  );
}
