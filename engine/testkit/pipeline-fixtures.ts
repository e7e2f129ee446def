import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Queue } from 'bullmq';
import yazl from 'yazl';
import { Config } from '../config';
import { Db } from '../db';
import { spoolUpload } from '../ingest/spool-upload';
import { BatchRow, storeBatch } from '../ingest/store-batch';
import { IngestJob, enqueueChunks } from '../queue/queues';
import { createApiKey, createTenant } from '../tenants/api-keys';

/** Helpers shared by the pipeline tests and benchmarks: build uploads, store them, audit verdicts. */
export function zipOf(
  entries: ReadonlyArray<readonly [string, Buffer]>,
  compress = true,
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { compress });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export async function tenantWithKey(
  db: Db,
  name: string,
): Promise<{ tenantId: string; key: string }> {
  const tenantId = await createTenant(db, name);
  return { tenantId, key: await createApiKey(db, tenantId) };
}

/** Stores a zip as the API would (spool, validate, COPY) and enqueues its chunks. */
export async function storeZip(
  db: Db,
  queue: Queue<IngestJob> | null,
  config: Config,
  tenantId: string,
  zip: Buffer,
  idempotencyKey: string | null = null,
): Promise<BatchRow> {
  const upload = await spoolUpload('zip', Readable.from([zip]), {}, config);
  try {
    const stored = await storeBatch(db, upload, {
      tenantId,
      idempotencyKey,
      clientReference: null,
      callbackUrl: null,
      requestId: null,
      chunkSize: config.chunkSize,
    });
    if (queue !== null && stored.created)
      await enqueueChunks(queue, stored.batch.id, stored.chunks);
    return stored.batch;
  } finally {
    await upload.dispose();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitForBatches(
  db: Db,
  batchIds: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  await waitFor(
    `batches ${batchIds.join(', ')} to complete`,
    async () =>
      (
        await db.queryText<{ n: string }>(
          "select count(*) as n from batches where id = any($1::uuid[]) and state = 'completed'",
          [batchIds],
        )
      ).rows[0].n === String(batchIds.length),
    timeoutMs,
  );
}

export interface Audit {
  readonly documents: number;
  readonly verdicts: Readonly<Record<string, number>>;
  readonly invoices: number;
  readonly items: number;
  readonly events: number;
}

/**
 * Exactly-once audit: every document has exactly one verdict, batch counters equal the verdicts
 * recorded, every loaded document is the source of exactly one invoice or event row, and no
 * chave appears twice for a tenant.
 */
export async function auditExactlyOnce(db: Db): Promise<Audit> {
  const q = async (text: string): Promise<Record<string, unknown>[]> =>
    (await db.queryText(text)).rows;
  const [pending] = await q('select count(*)::int as n from documents where verdict is null');
  assert.equal(pending.n, 0, 'documents without a verdict');
  const counters = await q(`select b.id from batches b
    where b.loaded_count <> (select count(*) from documents d where d.batch_id = b.id and d.verdict = 'loaded')
       or b.duplicate_count <> (select count(*) from documents d where d.batch_id = b.id and d.verdict = 'duplicate')
       or b.conflict_count <> (select count(*) from documents d where d.batch_id = b.id and d.verdict = 'conflict')
       or b.rejected_count <> (select count(*) from documents d where d.batch_id = b.id and d.verdict = 'rejected')
       or b.document_count <> (select count(*) from documents d where d.batch_id = b.id)
       or b.state <> 'completed'`);
  assert.deepEqual(counters, [], 'batch counters disagree with the verdicts recorded');
  const [loadedWithoutRow] =
    await q(`select count(*)::int as n from documents d where d.verdict = 'loaded'
    and not exists (select 1 from invoices i where i.document_id = d.id)
    and not exists (select 1 from invoice_events e where e.document_id = d.id)`);
  assert.equal(loadedWithoutRow.n, 0, 'a loaded document without its row');
  const [rowsFromUnloaded] = await q(
    `select count(*)::int as n from invoices i join documents d on d.id = i.document_id where d.verdict <> 'loaded'`,
  );
  assert.equal(rowsFromUnloaded.n, 0, 'an invoice row from a document not loaded');
  const [itemsMismatch] = await q(`select count(*)::int as n from invoices i
    where (select count(*) from invoice_items t where t.tenant_id = i.tenant_id and t.chave = i.chave) = 0`);
  assert.equal(itemsMismatch.n, 0, 'an invoice without items');
  const [orphanItems] = await q(`select count(*)::int as n from invoice_items t
    where not exists (select 1 from invoices i where i.tenant_id = t.tenant_id and i.chave = t.chave and i.document_id = t.document_id)`);
  assert.equal(orphanItems.n, 0, 'an item without its invoice (or from another version of it)');
  const verdicts = Object.fromEntries(
    (await q('select verdict, count(*)::int as n from documents group by verdict')).map((r) => [
      r.verdict as string,
      r.n as number,
    ]),
  );
  const [totals] = await q(
    'select (select count(*)::int from documents) as documents, (select count(*)::int from invoices) as invoices, (select count(*)::int from invoice_items) as items, (select count(*)::int from invoice_events) as events',
  );
  return {
    documents: totals.documents as number,
    verdicts,
    invoices: totals.invoices as number,
    items: totals.items as number,
    events: totals.events as number,
  };
}
