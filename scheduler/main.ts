import {
  effectiveSchedules,
  createLogger,
  createMaintenanceQueue,
  createMetricsRegistry,
  createRedis,
  loadConfig,
  onShutdown,
  startOpsServer,
} from '../engine/index';

/**
 * The scheduler process: upserts the schedules declared in engine/schedules.ts as BullMQ job
 * schedulers and keeps them there. It runs no work itself; workers do.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('scheduler', config.logLevel);
  const connection = createRedis(config.redisUrl, 'nfe-ingest-scheduler');
  const queue = createMaintenanceQueue(connection, config.queuePrefix);
  const registry = createMetricsRegistry('scheduler');
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
    { name: 'stop', run: async () => clearInterval(timer) },
    { name: 'close queue', run: () => queue.close() },
    { name: 'close ops server', run: async () => ops?.close() },
    { name: 'close redis', run: () => connection.quit() },
  ]);
  logger.info({ metricsPort: ops?.port ?? null }, 'scheduler started');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `scheduler failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
