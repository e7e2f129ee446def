import { Db } from '../engine/db';

/**
 * A batch with one placeholder document, for benchmarks that insert invoices with SQL by the
 * hundred thousand: every invoice row needs a document and a batch to point at.
 */
export async function placeholderDocument(
  db: Db,
  tenantId: string,
): Promise<{ batch: string; doc: string }> {
  const batch = (
    await db.queryText<{ id: string }>(
      'insert into batches (tenant_id, document_count) values ($1, 1) returning id',
      [tenantId],
    )
  ).rows[0].id;
  const doc = (
    await db.queryText<{ id: string }>(
      "insert into documents (batch_id, tenant_id, seq, chunk, content, sha256, size, verdict) values ($1, $2, 0, 0, 'x', 'x', 1, 'loaded') returning id",
      [batch, tenantId],
    )
  ).rows[0].id;
  return { batch, doc };
}
