import { loadConfig } from './config';
import { createDb } from './db';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { startOpsServer } from './ops-server';
import {
  createIngestQueue,
  createReconciliationQueue,
  createRedis,
  createWebhookQueue,
} from './queue/queues';
import { onShutdown } from './shutdown';
import { createIngestWorker } from './workers/ingest.worker';
import { createMaintenanceWorker } from './workers/maintenance.worker';
import { createWebhookWorker } from './workers/webhook.worker';
import { createReconciliationWorker } from './workers/reconciliation.worker';
import { recoverySweep } from './workers/recovery-sweep';

/** A worker process: `node dist/engine/main.js`. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const metrics = createMetrics('worker');
  const db = createDb({
    databaseUrl: config.databaseUrl,
    applicationName: 'nfe-ingest-worker',
    poolSize: config.dbPoolSize,
    logger,
    onCopy: (table, rows, bytes) => {
      metrics.copyRows.inc({ table }, rows);
      metrics.copyBytes.inc({ table }, bytes);
    },
  });
  const connection = createRedis(config.redisUrl, 'nfe-ingest-worker');
  const queue = createIngestQueue(connection, {
    prefix: config.queuePrefix,
    attempts: config.jobAttempts,
    backoffMs: config.jobBackoffMs,
  });
  const webhookQueue = createWebhookQueue(connection, config.queuePrefix);
  const reconciliationQueue = createReconciliationQueue(connection, config.queuePrefix);
  const reconciliations = createReconciliationWorker({ db, connection, config, logger, metrics });
  const worker = createIngestWorker({ db, connection, webhookQueue, config, logger, metrics });
  const webhooks = createWebhookWorker({
    db,
    connection,
    queue: webhookQueue,
    config,
    logger,
    metrics,
  });
  const maintenance = createMaintenanceWorker({
    db,
    connection,
    ingestQueue: queue,
    webhookQueue,
    reconciliationQueue,
    config,
    logger,
    metrics,
  });
  const ops =
    config.metricsPort > 0
      ? await startOpsServer({
          host: config.metricsHost,
          port: config.metricsPort,
          registry: metrics.registry,
          logger,
          healthy: () => worker.isRunning(),
        })
      : null;

  // Besides the scheduled sweep, each worker sweeps at start and on its own timer: the safety net
  // holds even when the scheduler is down or Redis lost the schedules.
  const sweep = async (): Promise<void> => {
    try {
      const swept = await recoverySweep(db, queue, config.sweepGraceMs, logger);
      metrics.sweepReenqueued.inc(swept.enqueued + swept.retried);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'recovery sweep failed; will try again');
    }
  };
  const timer = setInterval(() => void sweep(), config.sweepIntervalMs);
  timer.unref();

  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'stop sweeping', run: async () => clearInterval(timer) },
    {
      name: 'finish active jobs',
      run: () =>
        Promise.all([
          worker.close(),
          webhooks.close(),
          maintenance.close(),
          reconciliations.close(),
        ]),
    },
    {
      name: 'close queues',
      run: () => Promise.all([queue.close(), webhookQueue.close(), reconciliationQueue.close()]),
    },
    { name: 'close ops server', run: async () => ops?.close() },
    { name: 'close database pool', run: () => db.close() },
    { name: 'close redis', run: () => connection.quit() },
  ]);

  void worker.run();
  void maintenance.run();
  void webhooks.run();
  void reconciliations.run();
  logger.info(
    {
      concurrency: config.workerConcurrency,
      loadMode: config.loadMode,
      prefix: config.queuePrefix,
      metricsPort: ops?.port ?? null,
    },
    'worker started',
  );
  await sweep();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
