import { XMLParser } from 'fast-xml-parser';
import { DocumentVerdict, checkDocument } from '../check-document';
import { Db, Tx } from '../db';
import { Logger, safeError } from '../logger';
import { IngestJob } from '../queue/queues';
import { recordBatchCompleted } from '../webhooks/outbox';
import { copyRow, copyStatement, CopyValue, parseBinaryCopy } from './copy-format';
import {
  EVENT_COLUMNS,
  INVOICE_COLUMNS,
  ITEM_COLUMNS,
  RowContext,
  eventRow,
  invoiceRow,
  itemRows,
} from './rows';

/**
 * The worker's unit of work: every document of one chunk that has no verdict yet is verified,
 * parsed and loaded in one transaction — COPY into staging tables, then insert … select … on
 * conflict do nothing — and gets exactly one verdict. Running it twice (a retry, a duplicated job
 * after Redis lost its state) changes nothing: locked or decided documents are skipped.
 */
export type Verdict = 'loaded' | 'duplicate' | 'conflict' | 'rejected';

/** The verdict one document got in this run (it had none before). */
export interface DocumentOutcome {
  readonly id: string;
  readonly verdict: Verdict;
  readonly code: string | null;
  readonly chave: string | null;
}

export interface ChunkOutcome {
  readonly documents: number;
  readonly counts: Readonly<Record<Verdict, number>>;
  readonly batchCompleted: boolean;
  /** Each document decided by this run, for the worker's logs and metrics. */
  readonly verdicts: readonly DocumentOutcome[];
  /** Seconds per document verifying and parsing, and the chunk's load (COPY and merge) time. */
  readonly timings: {
    readonly verify: readonly number[];
    readonly parse: readonly number[];
    readonly load: number;
  };
}

function timings(
  examined: readonly { readonly verdict: Pick<DocumentVerdict, 'timings'> }[],
  loadSeconds: number,
): ChunkOutcome['timings'] {
  return {
    // A stage that did not run for a document (rejected before it) is not a zero-second sample.
    verify: examined
      .filter((e) => e.verdict.timings.verifyMs > 0)
      .map((e) => e.verdict.timings.verifyMs / 1000),
    parse: examined
      .filter((e) => e.verdict.timings.parseMs > 0)
      .map((e) => e.verdict.timings.parseMs / 1000),
    load: loadSeconds,
  };
}

function countOf(verdicts: readonly DocumentOutcome[]): Record<Verdict, number> {
  const counts = emptyCounts();
  for (const v of verdicts) counts[v.verdict]++;
  return counts;
}

const secondsSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

export interface ProcessOptions {
  readonly loadMode: 'copy' | 'insert' | 'reference';
  readonly documentMaxBytes: number;
  readonly logger: Logger;
}

interface DocumentRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly content: Buffer;
}

/** What the pure engine concluded about one document, with the rows it would load. */
interface Examined {
  readonly id: string;
  readonly verdict: DocumentVerdict;
  readonly target: 'invoice' | 'event' | null;
  readonly invoice: CopyValue[] | null;
  readonly items: CopyValue[][];
  readonly event: CopyValue[] | null;
}

/**
 * The same, ready for COPY: the rows already as COPY text and the verdict without its parsed
 * document. A chunk holds 500 of these until its COPY; holding the parsed documents and row values
 * instead (hundreds of objects each) only made the garbage collector copy them to the old
 * generation and mark them there.
 */
interface Encoded {
  readonly id: string;
  readonly verdict: Omit<DocumentVerdict, 'document'>;
  readonly target: 'invoice' | 'event' | null;
  readonly stage: string;
  readonly invoice: string | null;
  /** Every item row of the invoice, one COPY line each ('' when none). */
  readonly items: string;
  readonly event: string | null;
}

/**
 * The benchmark's reference for the engine: what a first version would do with off-the-shelf
 * libraries — xml-crypto for the signature (forced for every document) and fast-xml-parser for the
 * document tree. The rows still come from the engine's field mapping (a small share of the cost) so
 * that both pipelines load identical rows.
 */
const referenceParser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

function examine(doc: DocumentRow, batchId: string, options: ProcessOptions): Examined {
  const reference = options.loadMode === 'reference';
  if (reference) referenceParser.parse(doc.content);
  const verdict = checkDocument(doc.content, {
    maxBytes: options.documentMaxBytes,
    ...(reference ? { signaturePath: 'reference' as const } : {}),
  });
  const ctx: RowContext = { tenantId: doc.tenant_id, batchId, documentId: doc.id };
  const parsed = verdict.ok ? verdict.document : null;
  if (parsed?.type === 'invoice') {
    return {
      id: doc.id,
      verdict,
      target: 'invoice',
      invoice: invoiceRow(ctx, parsed, verdict),
      items: itemRows(ctx, parsed),
      event: null,
    };
  }
  if (parsed?.type === 'event') {
    return {
      id: doc.id,
      verdict,
      target: 'event',
      invoice: null,
      items: [],
      event: eventRow(ctx, parsed, verdict),
    };
  }
  return { id: doc.id, verdict, target: null, invoice: null, items: [], event: null };
}

function encode(e: Examined): Encoded {
  const { document: _parsed, ...verdict } = e.verdict;
  return {
    id: e.id,
    verdict,
    target: e.target,
    stage: copyRow(stageDocumentRow(e)),
    invoice: e.invoice === null ? null : copyRow(e.invoice),
    items: e.items.map(copyRow).join(''),
    event: e.event === null ? null : copyRow(e.event),
  };
}

/** stage_documents row: rejected documents are decided here, the others by the merge. */
function stageDocumentRow(e: Examined): CopyValue[] {
  const v = e.verdict;
  const ev = v.document?.type === 'event' ? v.document : null;
  return [
    e.id,
    e.target,
    e.target === null ? 'rejected' : null,
    v.code,
    v.message,
    v.kind,
    v.chave,
    v.signature?.digestValue ?? null,
    ev?.tpEvento ?? null,
    ev?.sequence ?? null,
  ];
}

const STAGE_DOCUMENT_COLUMNS = [
  'id',
  'target',
  'verdict',
  'code',
  'message',
  'kind',
  'chave',
  'digest',
  'tp_evento',
  'sequence',
];

function emptyCounts(): Record<Verdict, number> {
  return { loaded: 0, duplicate: 0, conflict: 0, rejected: 0 };
}

async function finishChunk(
  tx: Tx,
  batchId: string,
  counts: Record<Verdict, number>,
): Promise<boolean> {
  await tx.query('add-batch-counts', [
    batchId,
    counts.loaded,
    counts.duplicate,
    counts.conflict,
    counts.rejected,
  ]);
  const completed = (await tx.query('complete-batch', [batchId])).rows.length > 0;
  // The completion and its webhook commit together (outbox); the worker enqueues the delivery.
  if (completed) await recordBatchCompleted(tx, batchId);
  return completed;
}

async function loadWithCopy(
  tx: Tx,
  tenantId: string,
  examined: readonly Encoded[],
): Promise<DocumentOutcome[]> {
  for (const table of ['documents', 'invoices', 'events']) await tx.query(`stage-create-${table}`);
  await tx.copyIn(
    copyStatement('stage_documents', STAGE_DOCUMENT_COLUMNS),
    examined.map((e) => e.stage),
  );
  const invoices = examined.filter((e) => e.invoice !== null);
  const events = examined.filter((e) => e.event !== null);
  if (invoices.length > 0) {
    await tx.copyIn(
      copyStatement('stage_invoices', INVOICE_COLUMNS),
      invoices.map((e) => e.invoice as string),
    );
    // Only the invoices that won their chave get items: those go straight into invoice_items
    // (no staging). They cannot be there already: a winner is new, and itemRows keeps one item
    // per number.
    const won = new Set(
      (await tx.queryText<{ document_id: string }>(MERGE_INVOICES)).rows.map((r) => r.document_id),
    );
    const winners = invoices.filter((e) => won.has(e.id));
    if (winners.length > 0)
      await tx.copyIn(
        copyStatement('invoice_items', ITEM_COLUMNS),
        winners.map((e) => e.items).filter((lines) => lines !== ''),
      );
    await tx.query('decide-invoice-verdicts', [tenantId]);
    await tx.query('upgrade-protocols');
  }
  if (events.length > 0) {
    await tx.copyIn(
      copyStatement('stage_events', EVENT_COLUMNS),
      events.map((e) => e.event as string),
    );
    await tx.query('merge-events');
    await tx.query('decide-event-verdicts', [tenantId]);
  }
  const chaves = [
    ...new Set(examined.filter((e) => e.target !== null).map((e) => e.verdict.chave as string)),
  ];
  if (chaves.length > 0) await tx.query('apply-cancellations', [tenantId, chaves]);
  return (await tx.query<DocumentOutcome>('record-staged-verdicts')).rows;
}

/**
 * Loads staged invoices; a chave already loaded for the tenant (or twice in the chunk) keeps its
 * first version. Columns are listed (not `select *`) so the invoices' own load-order id is assigned.
 * Returns the documents whose invoice was inserted.
 */
const MERGE_INVOICES = `insert into invoices (${INVOICE_COLUMNS.join(', ')}) select ${INVOICE_COLUMNS.join(', ')} from stage_invoices order by document_id on conflict do nothing returning document_id`;

const insertSql = (table: string, columns: readonly string[], suffix: string): string =>
  `insert into ${table} (${columns.join(', ')}) values (${columns.map((_, k) => `$${k + 1}`).join(', ')}) ${suffix}`;
const INSERT_INVOICE = insertSql(
  'invoices',
  INVOICE_COLUMNS,
  'on conflict do nothing returning document_id',
);
const INSERT_ITEM = insertSql('invoice_items', ITEM_COLUMNS, 'on conflict do nothing');
const INSERT_EVENT = insertSql(
  'invoice_events',
  EVENT_COLUMNS,
  'on conflict do nothing returning document_id',
);

/** Parameters for an INSERT: objects (JSON columns) serialized, like COPY does. */
function params(row: readonly CopyValue[]): unknown[] {
  return row.map((v) =>
    v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof Date)
      ? JSON.stringify(v)
      : v,
  );
}

/**
 * The benchmark's reference: the straightforward loader a first version would have — each
 * document in its own transaction, one INSERT per row. Same rows, same verdicts as loadWithCopy.
 */
async function loadRowByRow(
  db: Db,
  batchId: string,
  tenantId: string,
  examined: readonly Examined[],
): Promise<{ verdicts: DocumentOutcome[]; completed: boolean }> {
  const verdicts: DocumentOutcome[] = [];
  let completed = false;
  for (const e of examined) {
    await db.withTransaction(async (tx) => {
      const v = e.verdict;
      let verdict: Verdict = 'rejected';
      let message = v.message;
      if (e.invoice !== null) {
        const won = await tx.queryText(INSERT_INVOICE, params(e.invoice));
        if (won.rows.length > 0) {
          for (const item of e.items) await tx.queryText(INSERT_ITEM, params(item));
          verdict = 'loaded';
        } else {
          const winner = (
            await tx.queryText<{ document_id: string; digest_value: string }>(
              'select document_id, digest_value from invoices where tenant_id = $1 and chave = $2',
              [tenantId, v.chave],
            )
          ).rows[0];
          verdict = winner.digest_value === v.signature?.digestValue ? 'duplicate' : 'conflict';
          message =
            verdict === 'duplicate'
              ? `already loaded from document ${winner.document_id}`
              : `chave already loaded from document ${winner.document_id} with different signed content; both are kept`;
        }
      } else if (e.event !== null) {
        const ev = v.document?.type === 'event' ? v.document : null;
        const won = await tx.queryText(INSERT_EVENT, params(e.event));
        if (won.rows.length > 0) verdict = 'loaded';
        else {
          const winner = (
            await tx.queryText<{ document_id: string; digest_value: string }>(
              'select document_id, digest_value from invoice_events where tenant_id = $1 and chave = $2 and tp_evento = $3 and sequence = $4',
              [tenantId, v.chave, ev?.tpEvento, ev?.sequence],
            )
          ).rows[0];
          verdict = winner.digest_value === v.signature?.digestValue ? 'duplicate' : 'conflict';
          message = `already loaded from document ${winner.document_id}`;
        }
      }
      if (e.target !== null) await tx.query('apply-cancellations', [tenantId, [v.chave]]);
      const recorded = await tx.query<DocumentOutcome>('record-verdict', [
        e.id,
        verdict,
        e.target === null ? v.code : null,
        e.target === null ? message : verdict === 'loaded' ? null : message,
        v.kind,
        v.chave,
      ]);
      verdicts.push(...recorded.rows);
      completed = (await finishChunk(tx, batchId, countOf(recorded.rows))) || completed;
    });
  }
  return { verdicts, completed };
}

/**
 * Locks the chunk's undecided documents, then reads their bytes with COPY in binary format: as a
 * query result they would arrive as hex text, twice their size, to be decoded again.
 */
async function lockChunkDocuments(tx: Tx, job: IngestJob): Promise<DocumentRow[]> {
  const locked = (
    await tx.query<{ id: string; tenant_id: string }>('lock-chunk-documents', [
      job.batchId,
      job.chunk,
    ])
  ).rows;
  if (locked.length === 0) return [];
  // COPY takes no parameters; the ids are PostgreSQL's own bigints, checked before they are inlined.
  const ids = locked.map((r) => r.id);
  if (!ids.every((id) => /^[0-9]{1,19}$/.test(id))) throw new Error('unexpected document id');
  const content = new Map(
    parseBinaryCopy(
      await tx.copyOut(
        `copy (select id::text, content from documents where id = any('{${ids.join(',')}}'::bigint[])) to stdout (format binary)`,
      ),
    ).map(([id, bytes]) => [(id as Buffer).toString('latin1'), bytes as Buffer]),
  );
  return locked.map((r) => {
    const bytes = content.get(r.id);
    if (bytes === undefined) throw new Error(`document ${r.id} vanished while locked`);
    return { id: r.id, tenant_id: r.tenant_id, content: bytes };
  });
}

export async function processChunk(
  db: Db,
  job: IngestJob,
  options: ProcessOptions,
): Promise<ChunkOutcome> {
  if (options.loadMode !== 'copy') {
    const docs = (
      await db.query<DocumentRow>('select-chunk-documents-unlocked', [job.batchId, job.chunk])
    ).rows;
    const examined = docs.map((d) => examine(d, job.batchId, options));
    const tenantId = docs[0]?.tenant_id;
    if (tenantId === undefined) return outcomeOf(0, [], false, timings([], 0));
    const t0 = process.hrtime.bigint();
    const { verdicts, completed } = await loadRowByRow(db, job.batchId, tenantId, examined);
    return outcomeOf(docs.length, verdicts, completed, timings(examined, secondsSince(t0)));
  }
  return db.withTransaction(async (tx) => {
    const docs = await lockChunkDocuments(tx, job);
    if (docs.length === 0) {
      const completed = await finishChunk(tx, job.batchId, emptyCounts());
      return outcomeOf(0, [], completed, timings([], 0));
    }
    const examined = docs.map((d) => encode(examine(d, job.batchId, options)));
    const t0 = process.hrtime.bigint();
    const verdicts = await loadWithCopy(tx, docs[0].tenant_id, examined);
    const completed = await finishChunk(tx, job.batchId, countOf(verdicts));
    return outcomeOf(docs.length, verdicts, completed, timings(examined, secondsSince(t0)));
  });
}

function outcomeOf(
  documents: number,
  verdicts: readonly DocumentOutcome[],
  batchCompleted: boolean,
  times: ChunkOutcome['timings'],
): ChunkOutcome {
  return { documents, counts: countOf(verdicts), batchCompleted, verdicts, timings: times };
}

/**
 * After a chunk failed with an error that retrying will not cure, each of its documents is tried
 * alone, so that one document the engine cannot load never holds back the others. A document that
 * still fails gets PROCESSING_FAILED (its bytes stay stored for a replay).
 */
export async function processChunkIsolated(
  db: Db,
  job: IngestJob,
  options: ProcessOptions,
  isTransient: (err: unknown) => boolean,
): Promise<ChunkOutcome> {
  const ids = (
    await db.query<{ id: string }>('select-pending-ids', [job.batchId, job.chunk])
  ).rows.map((r) => r.id);
  const verdicts: DocumentOutcome[] = [];
  let batchCompleted = false;
  for (const id of ids) {
    try {
      await db.withTransaction(async (tx) => {
        const docs = (await tx.query<DocumentRow>('select-pending-document', [job.batchId, id]))
          .rows;
        if (docs.length === 0) return;
        const one = await loadWithCopy(tx, docs[0].tenant_id, [
          encode(examine(docs[0], job.batchId, options)),
        ]);
        verdicts.push(...one);
        batchCompleted = (await finishChunk(tx, job.batchId, countOf(one))) || batchCompleted;
      });
    } catch (err) {
      if (isTransient(err)) throw err;
      options.logger.error(
        { err: safeError(err), batchId: job.batchId, documentId: id },
        'document failed alone: marked PROCESSING_FAILED',
      );
      await db.withTransaction(async (tx) => {
        const recorded = await tx.query<DocumentOutcome>('record-verdict', [
          id,
          'rejected',
          'PROCESSING_FAILED',
          `internal error while loading: ${(err as Error).message.slice(0, 200)}`,
          null,
          null,
        ]);
        verdicts.push(...recorded.rows);
        batchCompleted =
          (await finishChunk(tx, job.batchId, countOf(recorded.rows))) || batchCompleted;
      });
    }
  }
  return outcomeOf(ids.length, verdicts, batchCompleted, timings([], 0));
}
