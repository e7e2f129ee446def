import { createHash } from 'node:crypto';
import { Db } from '../db';
import { NfeError } from '../errors';
import {
  BINARY_COPY_HEADER,
  BINARY_COPY_TRAILER,
  BinaryColumn,
  binaryCopyRow,
  copyStatement,
} from '../load/copy-format';
import { cooperative } from '../cooperate';
import { ExaminedUpload } from './spool-upload';

export interface BatchRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly idempotency_key: string | null;
  readonly fingerprint: Buffer | null;
  readonly client_reference: string | null;
  readonly callback_url: string | null;
  readonly request_id: string | null;
  readonly received_at: Date;
  readonly state: 'processing' | 'completed';
  readonly document_count: number;
  readonly skipped_count: number;
  readonly loaded_count: number;
  readonly duplicate_count: number;
  readonly conflict_count: number;
  readonly rejected_count: number;
  readonly completed_at: Date | null;
}

/** A batch as the API shows it and as webhooks carry it. */
export function batchJson(b: BatchRow): Record<string, unknown> {
  const decided = b.loaded_count + b.duplicate_count + b.conflict_count + b.rejected_count;
  return {
    id: b.id,
    state: b.state,
    clientReference: b.client_reference,
    callbackUrl: b.callback_url,
    receivedAt: b.received_at,
    completedAt: b.completed_at,
    documents: b.document_count,
    skippedEntries: b.skipped_count,
    counts: {
      pending: b.document_count - decided,
      loaded: b.loaded_count,
      duplicate: b.duplicate_count,
      conflict: b.conflict_count,
      rejected: b.rejected_count,
    },
    links: {
      self: `/v1/batches/${b.id}`,
      documents: `/v1/batches/${b.id}/documents`,
      webhooks: `/v1/batches/${b.id}/webhooks`,
    },
  };
}

export interface NewBatch {
  readonly tenantId: string;
  readonly idempotencyKey: string | null;
  readonly clientReference: string | null;
  readonly callbackUrl: string | null;
  readonly requestId: string | null;
  readonly chunkSize: number;
}

export interface StoredBatch {
  readonly batch: BatchRow;
  /** False when the Idempotency-Key named a batch stored earlier with the same documents. */
  readonly created: boolean;
  readonly chunks: readonly number[];
}

const DOCUMENT_COLUMNS = [
  'batch_id',
  'tenant_id',
  'seq',
  'chunk',
  'entry_name',
  'content',
  'sha256',
  'size',
];
const DOCUMENT_TYPES: readonly BinaryColumn[] = [
  'uuid',
  'uuid',
  'int4',
  'int4',
  'text',
  'bytea',
  'bytea',
  'int4',
];

export function chunksOf(documentCount: number, chunkSize: number): number[] {
  return Array.from({ length: Math.ceil(documentCount / chunkSize) }, (_, k) => k);
}

/**
 * Stores a batch and every document of the upload, byte for byte, in one transaction: when this
 * returns, all of it is durable (the API answers 202 only then). A reused Idempotency-Key returns
 * the earlier batch when the documents are the same, and fails with 422 when they are not.
 */
export async function storeBatch(
  db: Db,
  upload: ExaminedUpload,
  batch: NewBatch,
): Promise<StoredBatch> {
  return db.withTransaction(async (tx) => {
    const inserted = await tx.query<BatchRow>('insert-batch', [
      batch.tenantId,
      batch.idempotencyKey,
      upload.fingerprint,
      batch.clientReference,
      batch.callbackUrl,
      batch.requestId,
      upload.documentCount,
      upload.skippedCount,
    ]);
    if (inserted.rows.length === 0) {
      // The key exists (the insert waited for a concurrent request using it to commit, if any).
      const existing = (
        await tx.query<BatchRow>('select-batch-by-idempotency-key', [
          batch.tenantId,
          batch.idempotencyKey,
        ])
      ).rows[0];
      if (existing.fingerprint === null || !existing.fingerprint.equals(upload.fingerprint)) {
        throw new NfeError(
          'IDEMPOTENCY_KEY_REUSED',
          `Idempotency-Key "${batch.idempotencyKey}" was used for batch ${existing.id} with different documents`,
        );
      }
      return {
        batch: existing,
        created: false,
        chunks: chunksOf(existing.document_count, batch.chunkSize),
      };
    }
    const row = inserted.rows[0];
    let seq = 0;
    const turns = cooperative();
    async function* rows(): AsyncGenerator<Buffer> {
      yield BINARY_COPY_HEADER;
      for await (const doc of upload.documents()) {
        await turns.pause();
        const sha256 = createHash('sha256').update(doc.bytes).digest();
        yield binaryCopyRow(DOCUMENT_TYPES, [
          row.id,
          batch.tenantId,
          seq,
          Math.floor(seq / batch.chunkSize),
          doc.name,
          doc.bytes,
          sha256,
          doc.bytes.length,
        ]);
        seq++;
      }
      yield BINARY_COPY_TRAILER;
    }
    const copied = await tx.copyIn(
      `${copyStatement('documents', DOCUMENT_COLUMNS)} with (format binary)`,
      rows(),
    );
    if (copied !== upload.documentCount) {
      throw new Error(`stored ${copied} documents but the upload held ${upload.documentCount}`);
    }
    return { batch: row, created: true, chunks: chunksOf(upload.documentCount, batch.chunkSize) };
  });
}
