import { Job, UnrecoverableError, Worker } from 'bullmq';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Config } from '../config';
import { Db } from '../db';
import { Logger } from '../logger';
import { IngestJob, MaintenanceJob, QUEUES, WebhookJob, isMaintenanceJob } from '../queue/queues';
import { recoverySweep } from './recovery-sweep';
import { webhookSweep } from './webhook.worker';

export interface MaintenanceWorkerDeps {
  readonly db: Db;
  readonly connection: Redis;
  readonly ingestQueue: Queue<IngestJob>;
  readonly webhookQueue: Queue<WebhookJob>;
  readonly config: Config;
  readonly logger: Logger;
}

/** Runs what the scheduler enqueues. One task at a time per worker process. */
export function createMaintenanceWorker({
  db,
  connection,
  ingestQueue,
  webhookQueue,
  config,
  logger,
}: MaintenanceWorkerDeps): Worker<MaintenanceJob> {
  const processor = async (job: Job<MaintenanceJob>): Promise<unknown> => {
    if (!isMaintenanceJob(job.data))
      throw new UnrecoverableError(`unknown maintenance task in job ${job.id}`);
    switch (job.data.task) {
      case 'recovery-sweep':
        return recoverySweep(db, ingestQueue, config.sweepGraceMs, logger);
      case 'webhook-sweep':
        return webhookSweep(db, webhookQueue);
    }
  };
  const worker = new Worker<MaintenanceJob>(QUEUES.maintenance, processor, {
    connection,
    prefix: config.queuePrefix,
    concurrency: 1,
    autorun: false,
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'maintenance worker error'));
  return worker;
}
