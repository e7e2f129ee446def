import http from 'node:http';
import {
  createDb,
  createIngestQueue,
  createLogger,
  createMetrics,
  createReconciliationQueue,
  createRedis,
  loadConfig,
  onShutdown,
  threadedUploadStore,
  uploadStoreOptions,
} from '../engine/index';
import { createApp } from './app';

/** An API process: `node dist/api/main.js` (port from API_PORT). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const db = createDb({
    databaseUrl: config.databaseUrl,
    applicationName: `nfe-ingest-api-${config.apiPort}`,
    poolSize: config.dbPoolSize,
    logger,
  });
  const uploads = threadedUploadStore(
    uploadStoreOptions(config, `nfe-ingest-api-${config.apiPort}-store`),
    logger,
  );
  const redis = createRedis(config.redisUrl, 'nfe-ingest-api', { failFast: true });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queue = createIngestQueue(redis, {
    prefix: config.queuePrefix,
    attempts: config.jobAttempts,
    backoffMs: config.jobBackoffMs,
  });
  queue.on('error', (err) => logger.warn({ err: err.message }, 'queue error'));
  const reconciliationQueue = createReconciliationQueue(redis, config.queuePrefix);
  reconciliationQueue.on('error', (err) => logger.warn({ err: err.message }, 'queue error'));
  const app = createApp({
    reconciliationQueue,
    db,
    uploads,
    redis,
    queue,
    config,
    logger,
    metrics: createMetrics('api'),
  });

  const server = http.createServer(app.koa.callback());
  server.requestTimeout = 30 * 60_000; // large uploads over slow links
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000; // longer than Nginx's upstream keepalive
  await new Promise<void>((resolve) => server.listen(config.apiPort, config.apiHost, resolve));
  logger.info({ host: config.apiHost, port: config.apiPort }, 'api listening');

  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'refuse new requests', run: async () => app.close() },
    {
      name: 'finish requests in flight',
      run: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections (Nginx keeps a pool) would hold close() open until they time out.
          server.closeIdleConnections();
          const timer = setInterval(() => server.closeIdleConnections(), 250);
          server.once('close', () => clearInterval(timer));
        }),
    },
    { name: 'stop the upload store', run: () => uploads.close() },
    { name: 'close queues', run: () => Promise.all([queue.close(), reconciliationQueue.close()]) },
    { name: 'close database pool', run: () => db.close() },
    { name: 'close redis', run: () => redis.quit() },
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `api failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
