import { Job, Queue } from 'bullmq';
import IORedis, { Redis } from 'ioredis';

/**
 * The one registry of queues: names, payload types and job ids. Payloads carry references (batch
 * id and chunk number), never XML: documents hold CNPJ/CPF and live in PostgreSQL.
 */
export const QUEUES = {
  ingest: 'ingest',
  maintenance: 'maintenance',
  webhooks: 'webhooks',
  reconciliations: 'reconciliations',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** One chunk of one batch: the documents with this chunk number and no verdict yet. */
export interface IngestJob {
  readonly batchId: string;
  readonly chunk: number;
  /** The request id of the upload (Nginx's X-Request-Id), carried into the worker's logs. */
  readonly reqId?: string;
}

/** Periodic work the scheduler asks for; the scheduler only enqueues, workers run it. */
export const MAINTENANCE_TASKS = [
  'recovery-sweep',
  'webhook-sweep',
  'nightly-reconciliation',
  'retention',
] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

export interface MaintenanceJob {
  readonly task: MaintenanceTask;
}

export function isMaintenanceJob(data: unknown): data is MaintenanceJob {
  const d = data as Partial<MaintenanceJob> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    (MAINTENANCE_TASKS as readonly string[]).includes(d.task as string)
  );
}

/** One reconciliation run (its period, ledger and tenant are in PostgreSQL). */
export interface ReconciliationJob {
  readonly runId: string;
}

export function isReconciliationJob(data: unknown): data is ReconciliationJob {
  const d = data as Partial<ReconciliationJob> | null;
  return typeof d === 'object' && d !== null && typeof d.runId === 'string' && UUID.test(d.runId);
}

/** One attempt at delivering one webhook (the outbox row holds the payload). */
export interface WebhookJob {
  readonly deliveryId: string;
}

export function isWebhookJob(data: unknown): data is WebhookJob {
  const d = data as Partial<WebhookJob> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.deliveryId === 'string' &&
    UUID.test(d.deliveryId)
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isIngestJob(data: unknown): data is IngestJob {
  const d = data as Partial<IngestJob> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.batchId === 'string' &&
    UUID.test(d.batchId) &&
    Number.isInteger(d.chunk) &&
    (d.chunk as number) >= 0 &&
    (d.reqId === undefined || (typeof d.reqId === 'string' && d.reqId.length <= 128))
  );
}

/**
 * Deterministic job ids (BullMQ ignores an add whose id exists): the API, a retry and the recovery
 * sweep all name a chunk the same way. No ':' (BullMQ's key separator).
 */
export const jobIds = {
  ingest: (job: IngestJob): string => `ingest-${job.batchId}-${job.chunk}`,
  /** One id per attempt: a retry is a new (delayed) job, and the sweep names it the same way. */
  webhook: (deliveryId: string, attempts: number): string => `webhook-${deliveryId}-${attempts}`,
  reconciliation: (runId: string): string => `reconcile-${runId}`,
};

/**
 * Workers need maxRetriesPerRequest null (commands wait for a reconnect instead of failing);
 * request handlers need the opposite (`failFast`): an answer, even an error, within moments.
 */
export function createRedis(
  url: string,
  name: string,
  options: { failFast?: boolean } = {},
): Redis {
  return new IORedis(url, {
    maxRetriesPerRequest: options.failFast ? 2 : null,
    connectionName: name,
    enableReadyCheck: true,
  });
}

export interface QueueSettings {
  readonly prefix: string;
  readonly attempts: number;
  readonly backoffMs: number;
}

export function createIngestQueue(connection: Redis, settings: QueueSettings): Queue<IngestJob> {
  return new Queue<IngestJob>(QUEUES.ingest, {
    connection,
    prefix: settings.prefix,
    defaultJobOptions: {
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

/** Enqueues chunks of a batch; chunks already queued or running are left alone. */
export async function enqueueChunks(
  queue: Queue<IngestJob>,
  batchId: string,
  chunks: readonly number[],
  reqId: string | null = null,
): Promise<Job<IngestJob>[]> {
  return queue.addBulk(
    chunks.map((chunk) => {
      const data: IngestJob = reqId === null ? { batchId, chunk } : { batchId, chunk, reqId };
      return { name: QUEUES.ingest, data, opts: { jobId: jobIds.ingest(data) } };
    }),
  );
}

export function createMaintenanceQueue(connection: Redis, prefix: string): Queue<MaintenanceJob> {
  return new Queue<MaintenanceJob>(QUEUES.maintenance, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 100,
      removeOnFail: 500,
    },
  });
}

export function createWebhookQueue(connection: Redis, prefix: string): Queue<WebhookJob> {
  return new Queue<WebhookJob>(QUEUES.webhooks, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

export async function enqueueWebhook(
  queue: Queue<WebhookJob>,
  deliveryId: string,
  attempts: number,
  delayMs = 0,
): Promise<void> {
  await queue.add(
    QUEUES.webhooks,
    { deliveryId },
    { jobId: jobIds.webhook(deliveryId, attempts), delay: delayMs },
  );
}

export function createReconciliationQueue(
  connection: Redis,
  prefix: string,
): Queue<ReconciliationJob> {
  return new Queue<ReconciliationJob>(QUEUES.reconciliations, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

export async function enqueueReconciliations(
  queue: Queue<ReconciliationJob>,
  runIds: readonly string[],
): Promise<void> {
  await queue.addBulk(
    runIds.map((runId) => ({
      name: QUEUES.reconciliations,
      data: { runId },
      opts: { jobId: jobIds.reconciliation(runId) },
    })),
  );
}
