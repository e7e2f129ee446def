import {
  effectiveSchedules,
  createLogger,
  createDb,
  createIngestQueue,
  createMaintenanceQueue,
  createMetricsRegistry,
  createReconciliationQueue,
  createRedis,
  createWebhookQueue,
  loadConfig,
  onShutdown,
  startFleetSampler,
  startOpsServer,
} from '../engine/index';

/**
 * The scheduler process: upserts the schedules declared in engine/schedules.ts as BullMQ job
 * schedulers and keeps them there, and samples the system-wide gauges (queues, backlog, last
 * reconciliation, dependencies) for Prometheus. It runs no work itself; workers do.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('scheduler', config.logLevel);
  const connection = createRedis(config.redisUrl, 'nfe-ingest-scheduler');
  const queue = createMaintenanceQueue(connection, config.queuePrefix);
  const registry = createMetricsRegistry('scheduler');
  const db = createDb({
    databaseUrl: config.databaseUrl,
    applicationName: 'nfe-ingest-scheduler',
    poolSize: 2,
    logger,
  });
  // Sampling fails fast when Redis is down (the gauge says so) instead of queueing commands.
  const sampling = createRedis(config.redisUrl, 'nfe-ingest-scheduler-metrics', { failFast: true });
  sampling.on('error', () => undefined);
  const watched = [
    createIngestQueue(sampling, {
      prefix: config.queuePrefix,
      attempts: config.jobAttempts,
      backoffMs: config.jobBackoffMs,
    }),
    createWebhookQueue(sampling, config.queuePrefix),
    createReconciliationQueue(sampling, config.queuePrefix),
    createMaintenanceQueue(sampling, config.queuePrefix),
  ];
  for (const q of watched) q.on('error', () => undefined);
  const sampler = startFleetSampler({
    db,
    redis: sampling,
    queues: watched,
    registry,
    logger,
    intervalMs: config.metricsSampleMs,
  });
  void sampler.sample();
  let upserted = false;
  const ops =
    config.metricsPort > 0
      ? await startOpsServer({
          host: config.metricsHost,
          port: config.metricsPort,
          registry,
          logger,
          healthy: () => upserted,
        })
      : null;

  const upsertAll = async (): Promise<void> => {
    try {
      for (const s of effectiveSchedules(config.scheduleCrons)) {
        await queue.upsertJobScheduler(
          s.id,
          { pattern: s.cron, tz: s.tz },
          { name: s.payload.task, data: s.payload },
        );
      }
      if (!upserted)
        logger.info(
          {
            schedules: effectiveSchedules(config.scheduleCrons).map(
              (s) => `${s.id} (${s.cron} ${s.tz})`,
            ),
          },
          'schedules upserted',
        );
      upserted = true;
    } catch (err) {
      logger.warn(
        { err: (err as Error).message },
        'could not upsert the schedules; will try again',
      );
    }
  };
  await upsertAll();
  // Redis may lose everything; upserting again is idempotent.
  const timer = setInterval(() => void upsertAll(), 60_000);

  onShutdown(logger, config.shutdownTimeoutMs, [
    {
      name: 'stop',
      run: async () => {
        clearInterval(timer);
        sampler.close();
      },
    },
    { name: 'close queues', run: () => Promise.all([queue, ...watched].map((q) => q.close())) },
    { name: 'close database pool', run: () => db.close() },
    { name: 'close ops server', run: async () => ops?.close() },
    { name: 'close redis', run: () => Promise.all([connection.quit(), sampling.quit()]) },
  ]);
  logger.info({ metricsPort: ops?.port ?? null }, 'scheduler started');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `scheduler failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
