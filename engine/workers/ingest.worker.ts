import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Config } from '../config';
import { Db, isTransientDbError } from '../db';
import { ChunkOutcome, Verdict, processChunk, processChunkIsolated } from '../load/process-chunk';
import { Logger, maskChave, safeError } from '../logger';
import { Metrics, recordChunk } from '../metrics';
import { countFailure } from './job-failures';
import { IngestJob, QUEUES, WebhookJob, enqueueWebhook, isIngestJob } from '../queue/queues';

export interface IngestWorkerDeps {
  readonly db: Db;
  readonly connection: Redis;
  /** Where a completed batch's webhook is enqueued (null: left to the webhook sweep). */
  readonly webhookQueue: Queue<WebhookJob> | null;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** What a chunk job leaves in Redis as its return value: counts, never per-document data. */
export interface ChunkSummary {
  readonly documents: number;
  readonly counts: Readonly<Record<Verdict, number>>;
  readonly batchCompleted: boolean;
}

/**
 * Queue → processor → concurrency, in one place. Transient failures (PostgreSQL restarting, a lost
 * connection, a deadlock) are rethrown for BullMQ's backoff; anything else is unrecoverable for the
 * chunk, whose documents are then tried one by one so that each still gets its verdict.
 */
export function createIngestWorker({
  db,
  connection,
  webhookQueue,
  config,
  logger,
  metrics,
}: IngestWorkerDeps): Worker<IngestJob, ChunkSummary> {
  const options = { loadMode: config.loadMode, documentMaxBytes: config.documentMaxBytes, logger };
  const processor = async (job: Job<IngestJob>): Promise<ChunkSummary> => {
    if (!isIngestJob(job.data))
      throw new UnrecoverableError(`malformed ingest payload in job ${job.id}`);
    const log = logger.child({
      ...(job.data.reqId === undefined ? {} : { reqId: job.data.reqId }),
      jobId: job.id,
      batchId: job.data.batchId,
      chunk: job.data.chunk,
      attempt: job.attemptsMade + 1,
    });
    const t0 = Date.now();
    let outcome: ChunkOutcome;
    try {
      outcome = await processChunk(db, job.data, options);
    } catch (err) {
      if (isTransientDbError(err)) {
        log.warn(
          { err: (err as Error).message },
          'chunk failed transiently; will retry with backoff',
        );
        throw err;
      }
      log.error({ err: safeError(err) }, 'chunk failed; retrying its documents one by one');
      try {
        outcome = await processChunkIsolated(db, job.data, options, isTransientDbError);
      } catch (inner) {
        if (isTransientDbError(inner)) throw inner;
        throw new UnrecoverableError(
          `chunk ${job.data.chunk} of batch ${job.data.batchId}: ${(inner as Error).message}`,
        );
      }
    }
    if (outcome.batchCompleted && webhookQueue !== null) {
      try {
        const pending = await db.query<{ id: string; attempts: number }>(
          'select-pending-batch-webhooks',
          [job.data.batchId],
        );
        for (const d of pending.rows) await enqueueWebhook(webhookQueue, d.id, d.attempts);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'webhook not enqueued; the webhook sweep will');
      }
    }
    recordChunk(metrics, outcome);
    // One line per document: info for what an operator acts on, debug for the rest.
    const debug = log.isLevelEnabled('debug');
    for (const d of outcome.verdicts) {
      const notable = d.verdict === 'rejected' || d.verdict === 'conflict';
      if (!notable && !debug) continue;
      const fields = {
        documentId: d.id,
        chave: maskChave(d.chave),
        verdict: d.verdict,
        code: d.code,
      };
      if (notable) log.info(fields, 'document verdict');
      else log.debug(fields, 'document verdict');
    }
    log.info(
      {
        documents: outcome.documents,
        ...outcome.counts,
        batchCompleted: outcome.batchCompleted,
        ms: Date.now() - t0,
      },
      'chunk processed',
    );
    return {
      documents: outcome.documents,
      counts: outcome.counts,
      batchCompleted: outcome.batchCompleted,
    };
  };
  const worker = new Worker<IngestJob, ChunkSummary>(QUEUES.ingest, processor, {
    connection,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    lockDuration: config.jobLockMs,
    stalledInterval: Math.max(1000, Math.floor(config.jobLockMs / 2)),
    maxStalledCount: 1000,
    autorun: false,
  });
  worker.on('failed', (job, err) => {
    countFailure(metrics, QUEUES.ingest, job, err);
    logger.warn(
      { reqId: job?.data.reqId, jobId: job?.id, attempts: job?.attemptsMade, err: err.message },
      'job failed',
    );
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  return worker;
}
