import { Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Config } from '../config';
import { Db, isTransientDbError } from '../db';
import { Logger, safeError } from '../logger';
import { Metrics } from '../metrics';
import { countFailure } from './job-failures';
import { QUEUES, ReconciliationJob, isReconciliationJob } from '../queue/queues';
import { failReconciliation, runReconciliation } from '../reconcile/run-reconciliation';

/** Executes reconciliation runs (SQL does the set work; this only drives it). */
export function createReconciliationWorker(deps: {
  db: Db;
  connection: Redis;
  config: Config;
  logger: Logger;
  metrics: Metrics;
}): Worker<ReconciliationJob> {
  const { db, connection, config, logger, metrics } = deps;
  const options = {
    stuckMinutes: config.reconcileStuckMinutes,
    cancellationGraceHours: config.reconcileCancellationGraceHours,
  };
  const processor = async (job: Job<ReconciliationJob>): Promise<unknown> => {
    if (!isReconciliationJob(job.data))
      throw new UnrecoverableError(`malformed reconciliation payload in job ${job.id}`);
    const t0 = Date.now();
    try {
      const outcome = await runReconciliation(db, job.data.runId, options);
      metrics.reconciliationRuns.inc({ outcome: outcome.state });
      for (const [kind, n] of Object.entries(outcome.findings))
        metrics.reconciliationFindings.inc({ kind }, n);
      logger.info({ runId: job.data.runId, ...outcome, ms: Date.now() - t0 }, 'reconciliation run');
      return outcome;
    } catch (err) {
      if (isTransientDbError(err)) throw err;
      logger.error({ runId: job.data.runId, err: safeError(err) }, 'reconciliation failed');
      metrics.reconciliationRuns.inc({ outcome: 'failed' });
      await failReconciliation(db, job.data.runId, safeError(err).message);
      throw new UnrecoverableError(safeError(err).message);
    }
  };
  const worker = new Worker<ReconciliationJob>(QUEUES.reconciliations, processor, {
    connection,
    prefix: config.queuePrefix,
    concurrency: 1,
    autorun: false,
  });
  worker.on('failed', (job, err) => countFailure(metrics, QUEUES.reconciliations, job, err));
  worker.on('error', (err) => logger.error({ err: err.message }, 'reconciliation worker error'));
  return worker;
}
