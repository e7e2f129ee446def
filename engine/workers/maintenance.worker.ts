import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Config } from '../config';
import { Db } from '../db';
import { Logger, safeError } from '../logger';
import { Metrics } from '../metrics';
import {
  IngestJob,
  MaintenanceJob,
  QUEUES,
  ReconciliationJob,
  WebhookJob,
  enqueueReconciliations,
  isMaintenanceJob,
} from '../queue/queues';
import { createScheduledRuns } from '../reconcile/run-reconciliation';
import { countFailure } from './job-failures';
import { recoverySweep } from './recovery-sweep';
import { webhookSweep } from './webhook.worker';

export interface MaintenanceWorkerDeps {
  readonly db: Db;
  readonly connection: Redis;
  readonly ingestQueue: Queue<IngestJob>;
  readonly webhookQueue: Queue<WebhookJob>;
  readonly reconciliationQueue: Queue<ReconciliationJob>;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The schedule tick of a job created by a BullMQ job scheduler (`repeat:<id>:<millis>`), else null. */
export function scheduleTick(job: Job): { scheduleId: string; tick: Date } | null {
  const m = /^repeat:(.+):([0-9]+)$/.exec(job.id ?? '');
  return m === null ? null : { scheduleId: m[1], tick: new Date(Number(m[2])) };
}

/**
 * Runs what the scheduler enqueues. A scheduled run is recorded in schedule_runs (start, end,
 * outcome) under a unique (schedule, tick): however many schedulers or duplicated jobs there are,
 * a tick runs once.
 */
export function createMaintenanceWorker(deps: MaintenanceWorkerDeps): Worker<MaintenanceJob> {
  const { db, connection, config, logger } = deps;

  const tasks: Record<MaintenanceJob['task'], (tick: Date) => Promise<unknown>> = {
    'recovery-sweep': async () => {
      const swept = await recoverySweep(db, deps.ingestQueue, config.sweepGraceMs, logger);
      deps.metrics.sweepReenqueued.inc(swept.enqueued + swept.retried);
      return swept;
    },
    'webhook-sweep': () => webhookSweep(db, deps.webhookQueue),
    'nightly-reconciliation': async (tick) => {
      const runs = await createScheduledRuns(
        db,
        tick,
        config.reconcileTimeZone,
        config.reconcileWindowDays,
      );
      await enqueueReconciliations(deps.reconciliationQueue, runs);
      return { runs: runs.length };
    },
    retention: async () => {
      const trimmed: Record<string, number> = {};
      for (const queue of [deps.ingestQueue, deps.webhookQueue, deps.reconciliationQueue]) {
        trimmed[queue.name] =
          (await queue.clean(3600_000, 10_000, 'completed')).length +
          (await queue.clean(7 * 24 * 3600_000, 10_000, 'failed')).length;
      }
      let purged = 0;
      if (config.rejectedRetentionDays > 0) {
        for (let n = -1; n !== 0; purged += n)
          n =
            (await db.query('purge-rejected-payloads', [config.rejectedRetentionDays])).rowCount ??
            0;
      }
      return { trimmedJobs: trimmed, purgedPayloads: purged };
    },
  };

  const processor = async (job: Job<MaintenanceJob>): Promise<unknown> => {
    if (!isMaintenanceJob(job.data))
      throw new UnrecoverableError(`unknown maintenance task in job ${job.id}`);
    const task = tasks[job.data.task];
    const scheduled = scheduleTick(job);
    if (scheduled === null) return task(new Date());
    const started = await db.query<{ id: string }>('start-schedule-run', [
      scheduled.scheduleId,
      scheduled.tick,
    ]);
    const runId = started.rows[0]?.id;
    if (runId === undefined) return { skipped: 'this tick already ran' };
    try {
      const details = await task(scheduled.tick);
      await db.query('finish-schedule-run', [runId, 'ok', JSON.stringify(details ?? null)]);
      return details;
    } catch (err) {
      logger.error({ schedule: scheduled.scheduleId, err: safeError(err) }, 'scheduled run failed');
      await db.query('finish-schedule-run', [
        runId,
        'failed',
        JSON.stringify({ error: safeError(err).message }),
      ]);
      return { failed: safeError(err).message };
    }
  };
  const worker = new Worker<MaintenanceJob>(QUEUES.maintenance, processor, {
    connection,
    prefix: config.queuePrefix,
    concurrency: 1,
    autorun: false,
  });
  worker.on('failed', (job, err) => countFailure(deps.metrics, QUEUES.maintenance, job, err));
  worker.on('error', (err) => logger.error({ err: err.message }, 'maintenance worker error'));
  return worker;
}
