import { Queue } from 'bullmq';
import { Db } from '../db';
import { Logger } from '../logger';
import { IngestJob, enqueueChunks, jobIds } from '../queue/queues';

export interface SweepResult {
  readonly pendingChunks: number;
  readonly enqueued: number;
  readonly retried: number;
}

/**
 * The safety net for Redis losing its state: chunks with documents stored but still without a
 * verdict, older than the grace period, and with no live job get a job again (same deterministic
 * id, so a chunk whose job is alive is left alone; a failed one is retried). PostgreSQL is the
 * source of truth; the queue only says what to do next.
 */
export async function recoverySweep(
  db: Db,
  queue: Queue<IngestJob>,
  graceMs: number,
  logger: Logger,
): Promise<SweepResult> {
  const pending = (
    await db.query<{ batch_id: string; chunk: number; request_id: string | null }>(
      'select-pending-chunks',
      [graceMs],
    )
  ).rows;
  let enqueued = 0;
  let retried = 0;
  for (const { batch_id: batchId, chunk, request_id: reqId } of pending) {
    const job = await queue.getJob(jobIds.ingest({ batchId, chunk }));
    if (job === undefined || job === null) {
      await enqueueChunks(queue, batchId, [chunk], reqId);
      enqueued++;
    } else if (await job.isFailed()) {
      await job.retry('failed');
      retried++;
    } else if (await job.isCompleted()) {
      await job.remove();
      await enqueueChunks(queue, batchId, [chunk], reqId);
      enqueued++;
    }
  }
  if (enqueued + retried > 0)
    logger.warn(
      { pendingChunks: pending.length, enqueued, retried },
      'recovery sweep re-enqueued stored work',
    );
  return { pendingChunks: pending.length, enqueued, retried };
}
