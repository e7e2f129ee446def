import { NfeError } from '../errors';
import { isWellFormedKey } from '../validate/access-key';

/**
 * The client's ledger: what they booked, to compare with what was received. CSV with a header
 * `chave,issued_date,total` (comma-separated, decimal point) or `chave;issued_date;total`
 * (semicolon-separated, decimal comma, as Brazilian spreadsheets export it); dates as YYYY-MM-DD
 * or DD/MM/YYYY. The same as JSON: `[{ "chave", "issuedDate", "total" }]`.
 */
export interface LedgerEntry {
  readonly line: number;
  readonly chave: string;
  readonly issuedDate: string;
  readonly total: string;
}

const MAX_ENTRIES = 1_000_000;

function date(value: string): string | null {
  let m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value);
  if (m === null) {
    const br = /^([0-9]{2})\/([0-9]{2})\/([0-9]{4})$/.exec(value);
    if (br !== null) m = [value, br[3], br[2], br[1]] as unknown as RegExpExecArray;
  }
  if (m === null) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso) ? iso : null;
}

function decimal(value: string, comma: boolean): string | null {
  const v = comma ? value.replace(/\./g, '').replace(',', '.') : value;
  return /^-?[0-9]+(\.[0-9]{1,2})?$/.test(v) ? v : null;
}

function entry(
  line: number,
  chave: string,
  issued: string,
  total: string,
  comma: boolean,
  problems: string[],
): LedgerEntry | null {
  const c = chave.trim();
  const d = date(issued.trim());
  const t = decimal(total.trim(), comma);
  if (!isWellFormedKey(c))
    problems.push(`line ${line}: "${c.slice(0, 50)}" is not a chave de acesso`);
  if (d === null)
    problems.push(
      `line ${line}: "${issued.slice(0, 20)}" is not a date (YYYY-MM-DD or DD/MM/YYYY)`,
    );
  if (t === null)
    problems.push(`line ${line}: "${total.slice(0, 20)}" is not an amount with at most 2 decimals`);
  return isWellFormedKey(c) && d !== null && t !== null
    ? { line, chave: c, issuedDate: d, total: t }
    : null;
}

function finish(entries: LedgerEntry[], problems: string[]): LedgerEntry[] {
  if (problems.length > 0) {
    throw new NfeError(
      'BAD_REQUEST',
      `the ledger has ${problems.length} bad line(s): ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}`,
    );
  }
  if (entries.length > MAX_ENTRIES)
    throw new NfeError('PAYLOAD_TOO_LARGE', `the ledger has more than ${MAX_ENTRIES} entries`);
  return entries;
}

export function parseLedgerCsv(text: string): LedgerEntry[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const header = lines[0]?.trim().toLowerCase() ?? '';
  const delimiter = header.includes(';') ? ';' : ',';
  const columns = header.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
  const want = ['chave', 'issued_date', 'total'];
  const index = want.map((w) => columns.indexOf(w));
  if (index.some((k) => k < 0))
    throw new NfeError('BAD_REQUEST', `the ledger CSV needs a header with ${want.join(delimiter)}`);
  const problems: string[] = [];
  const entries: LedgerEntry[] = [];
  for (let k = 1; k < lines.length; k++) {
    if (lines[k].trim() === '') continue;
    const cells = lines[k].split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
    const e = entry(
      k + 1,
      cells[index[0]] ?? '',
      cells[index[1]] ?? '',
      cells[index[2]] ?? '',
      delimiter === ';',
      problems,
    );
    if (e !== null) entries.push(e);
  }
  return finish(entries, problems);
}

export function parseLedgerJson(value: unknown): LedgerEntry[] {
  if (!Array.isArray(value))
    throw new NfeError('BAD_REQUEST', 'ledger must be an array of { chave, issuedDate, total }');
  const problems: string[] = [];
  const entries: LedgerEntry[] = [];
  value.forEach((item: unknown, k) => {
    const o = (item ?? {}) as Record<string, unknown>;
    const e = entry(
      k + 1,
      String(o.chave ?? ''),
      String(o.issuedDate ?? ''),
      typeof o.total === 'number' ? o.total.toFixed(2) : String(o.total ?? ''),
      false,
      problems,
    );
    if (e !== null) entries.push(e);
  });
  return finish(entries, problems);
}
