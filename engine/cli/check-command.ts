import { DEFAULT_MAX_DOCUMENT_BYTES, DocumentKind, checkDocument } from '../check-document';
import { VerdictCode } from '../codes';
import { collectInputs } from './collect-inputs';

/** One line of `check --json` output: the contract integrators script against. */
export interface CheckLine {
  readonly file: string;
  readonly entry: string | null;
  readonly ok: boolean;
  readonly kind: DocumentKind;
  readonly chave: string | null;
  readonly code: VerdictCode | null;
  readonly message: string | null;
  readonly items: number;
  readonly vNF: string | null;
}

export interface CheckCommandOptions {
  readonly json: boolean;
  readonly maxDocumentBytes?: number;
  readonly out: (text: string) => void;
}

export const CHECK_USAGE = `Usage: nfe-ingest check [--json] [--max-bytes N] PATH...

Checks NF-e / NFC-e / event XML offline, exactly as the service will: signature on the exact
bytes, chave de acesso, CNPJ/CPF, totals. PATH may be a file, a folder (searched recursively for
.xml and .zip) or a .zip (zips inside are expanded).

  --json          one JSON object per document, one per line
  --max-bytes N   largest document accepted (default ${DEFAULT_MAX_DOCUMENT_BYTES})

Exit status: 0 when every document is ok, 1 when any is rejected, 2 on usage errors.`;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Runs the check over every input; returns the exit status. Throws UsageError for bad paths. */
export async function runCheck(
  paths: readonly string[],
  options: CheckCommandOptions,
): Promise<number> {
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const counts = new Map<string, number>();
  let total = 0;
  let rejected = 0;
  const header = `${pad('RESULT', 8)} ${pad('KIND', 7)} ${pad('CHAVE', 44)} ${pad('ITEMS', 5)} ${pad('vNF', 14)} DOCUMENT / REASON`;

  const inputs = collectInputs(paths, {
    maxDocumentBytes,
    maxArchiveEntries: 100_000,
    maxArchiveDepth: 3,
  });
  for await (const input of inputs) {
    let line: CheckLine;
    if (input.bytes === null) {
      const failure = input.failure ?? {
        code: 'ARCHIVE_INVALID' as const,
        message: 'unreadable input',
      };
      line = {
        file: input.file,
        entry: input.entry,
        ok: false,
        kind: 'unknown',
        chave: null,
        code: failure.code,
        message: failure.message,
        items: 0,
        vNF: null,
      };
    } else {
      const v = checkDocument(input.bytes, { maxBytes: maxDocumentBytes });
      const invoice = v.document?.type === 'invoice' ? v.document : null;
      line = {
        file: input.file,
        entry: input.entry,
        ok: v.ok,
        kind: v.kind,
        chave: v.chave,
        code: v.code,
        message: v.message,
        items: invoice?.items.length ?? 0,
        vNF: invoice?.totals.vNF ?? null,
      };
    }
    if (total === 0 && !options.json) options.out(header);
    total++;
    if (!line.ok) {
      rejected++;
      counts.set(line.code as string, (counts.get(line.code as string) ?? 0) + 1);
    }
    if (options.json) {
      options.out(JSON.stringify(line));
    } else {
      const where = line.entry === null ? line.file : `${line.file} :: ${line.entry}`;
      options.out(
        `${pad(line.ok ? 'ok' : 'REJECTED', 8)} ${pad(line.kind, 7)} ${pad(line.chave ?? '-', 44)} ${pad(String(line.items), 5)} ${pad(line.vNF ?? '-', 14)} ${where}` +
          (line.ok ? '' : `\n${' '.repeat(9)}${line.code}: ${line.message}`),
      );
    }
  }
  if (!options.json) {
    const byCode = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`);
    options.out(
      `\n${total} document${total === 1 ? '' : 's'}: ${total - rejected} ok, ${rejected} rejected${byCode.length ? ` (${byCode.join(', ')})` : ''}`,
    );
  }
  return rejected > 0 ? 1 : 0;
}
