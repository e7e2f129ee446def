import { randomUUID } from 'node:crypto';
import { Tx } from '../db';
import { BatchRow, batchJson } from '../ingest/store-batch';

export const BATCH_COMPLETED = 'batch.completed';

/**
 * Records the `batch.completed` webhook in the same transaction that completes the batch (an
 * outbox): it cannot be lost, and it exists only if the completion committed. Returns the event id
 * (the delivery's id) or null when the batch has no callback URL.
 */
export async function recordBatchCompleted(tx: Tx, batchId: string): Promise<string | null> {
  const batch = (
    await tx.query<BatchRow & { target_url: string | null }>('select-batch-for-webhook', [batchId])
  ).rows[0];
  if (batch === undefined || batch.target_url === null) return null;
  const rejected = (
    await tx.query<{ code: string; n: number }>('select-rejected-by-code', [batchId])
  ).rows;
  const id = randomUUID();
  const payload = {
    id,
    type: BATCH_COMPLETED,
    createdAt: new Date().toISOString(),
    batch: {
      ...batchJson(batch),
      rejectedByCode: Object.fromEntries(rejected.map((r) => [r.code, r.n])),
    },
  };
  const inserted = await tx.query<{ id: string }>('insert-webhook-delivery', [
    id,
    batch.tenant_id,
    batchId,
    BATCH_COMPLETED,
    batch.target_url,
    JSON.stringify(payload),
  ]);
  return inserted.rows[0]?.id ?? null;
}
