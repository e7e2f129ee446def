import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  Config,
  Db,
  IngestJob,
  Metrics,
  createIngestQueue,
  createMetrics,
  createRedis,
  silentLogger,
  threadedUploadStore,
  uploadStoreOptions,
} from '../../engine/index';
import { testDb } from '../../engine/testkit/test-databases';
import { createIngestWorker } from '../../engine/workers/ingest.worker';
import { createWebhookWorker } from '../../engine/workers/webhook.worker';
import {
  WebhookJob,
  createReconciliationQueue,
  createWebhookQueue,
} from '../../engine/queue/queues';
import { createReconciliationWorker } from '../../engine/workers/reconciliation.worker';
import { createApp } from '../app';

/**
 * A real API on a real port and a real worker, in the test process, against the test's own
 * PostgreSQL database and Redis queue prefix.
 */
export interface TestApi {
  readonly url: string;
  readonly db: Db;
  readonly queue: Queue<IngestJob>;
  readonly config: Config;
  readonly worker: Worker | null;
  readonly routes: readonly { readonly method: string; readonly path: string }[];
  /** What the API and the in-process workers recorded (no process defaults). */
  readonly metrics: Metrics;
  readonly workerMetrics: Metrics;
  request(
    method: string,
    path: string,
    options?: { key?: string; body?: Buffer | string | FormData; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestApi(
  config: Config,
  options: { worker?: boolean } = {},
): Promise<TestApi> {
  const db = testDb(config, 'nfe-test-api');
  const redis: Redis = createRedis(config.redisUrl, 'nfe-test-api', { failFast: true });
  const queue = createIngestQueue(redis, {
    prefix: config.queuePrefix,
    attempts: config.jobAttempts,
    backoffMs: config.jobBackoffMs,
  });
  const reconciliationQueue = createReconciliationQueue(redis, config.queuePrefix);
  const metrics = createMetrics('test-api', { defaults: false });
  const workerMetrics = createMetrics('test-worker', { defaults: false });
  // The upload store thread, as an API process runs it.
  const uploads = threadedUploadStore(
    { ...uploadStoreOptions(config, 'nfe-test-api-store'), nice: 0 },
    silentLogger,
  );
  const app = createApp({
    db,
    uploads,
    redis,
    queue,
    reconciliationQueue,
    config,
    logger: silentLogger,
    metrics,
  });
  const server = http.createServer(app.koa.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let worker: Worker | null = null;
  let webhookWorker: Worker | null = null;
  let reconciliationWorker: Worker | null = null;
  let webhookQueue: Queue<WebhookJob> | null = null;
  let workerRedis: Redis | null = null;
  let workerDb: Db | null = null;
  if (options.worker !== false) {
    workerRedis = createRedis(config.redisUrl, 'nfe-test-worker');
    workerDb = testDb(config, 'nfe-test-worker');
    webhookQueue = createWebhookQueue(workerRedis, config.queuePrefix);
    webhookWorker = createWebhookWorker({
      db: workerDb,
      connection: workerRedis,
      queue: webhookQueue,
      config,
      logger: silentLogger,
      metrics: workerMetrics,
    });
    void webhookWorker.run();
    reconciliationWorker = createReconciliationWorker({
      db: workerDb,
      connection: workerRedis,
      config,
      logger: silentLogger,
      metrics: workerMetrics,
    });
    void reconciliationWorker.run();
    worker = createIngestWorker({
      db: workerDb,
      connection: workerRedis,
      webhookQueue,
      config,
      logger: silentLogger,
      metrics: workerMetrics,
    });
    void worker.run();
  }

  return {
    url,
    db,
    queue,
    config,
    worker,
    routes: app.routes,
    metrics,
    workerMetrics,
    request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.key !== undefined) headers.Authorization = `Bearer ${opts.key}`;
      return fetch(`${url}${path}`, { method, headers, body: opts.body as BodyInit | undefined });
    },
    async close() {
      await worker?.close();
      await webhookWorker?.close();
      await reconciliationWorker?.close();
      await webhookQueue?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await uploads.close();
      await queue.close();
      await reconciliationQueue.close();
      await redis.quit();
      await workerRedis?.quit();
      await workerDb?.close();
      await db.close();
    },
  };
}
