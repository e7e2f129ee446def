import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Config } from '../config';
import { Db } from '../db';
import { Logger } from '../logger';
import { Metrics } from '../metrics';
import { countFailure } from './job-failures';
import { QUEUES, WebhookJob, enqueueWebhook, isWebhookJob } from '../queue/queues';
import { DeliveryOptions, DeliveryOutcome, deliverWebhook } from '../webhooks/deliver-webhook';

export function deliveryOptions(config: Config): DeliveryOptions {
  return {
    timeoutMs: config.webhookTimeoutMs,
    retryBaseMs: config.webhookRetryBaseMs,
    retryMaxMs: config.webhookRetryMaxMs,
    maxAgeMs: config.webhookMaxAgeMs,
  };
}

/**
 * Delivers webhooks: one attempt per job; a failed attempt schedules the next as a delayed job
 * (exponential backoff up to WEBHOOK_RETRY_MAX_MS, for WEBHOOK_MAX_AGE_MS). The outbox row is the
 * source of truth; the scheduled webhook sweep re-enqueues due deliveries that lost their job.
 */
export function createWebhookWorker(deps: {
  db: Db;
  connection: Redis;
  queue: Queue<WebhookJob>;
  config: Config;
  logger: Logger;
  metrics: Metrics;
}): Worker<WebhookJob, DeliveryOutcome> {
  const { db, connection, queue, config, logger, metrics } = deps;
  const options = deliveryOptions(config);
  const processor = async (job: Job<WebhookJob>): Promise<DeliveryOutcome> => {
    if (!isWebhookJob(job.data))
      throw new UnrecoverableError(`malformed webhook payload in job ${job.id}`);
    const outcome = await deliverWebhook(db, job.data.deliveryId, options);
    if (outcome.state !== 'skipped')
      metrics.webhookDeliveries.inc({
        outcome: outcome.state === 'pending' ? 'retry' : outcome.state,
      });
    const log = logger.child({ deliveryId: job.data.deliveryId });
    if (outcome.state === 'pending') {
      log.warn(
        { attempts: outcome.attempts, retryInMs: outcome.retryInMs },
        'webhook not accepted; will retry',
      );
      await enqueueWebhook(queue, job.data.deliveryId, outcome.attempts, outcome.retryInMs);
    } else if (outcome.state === 'delivered') {
      log.info({ attempts: outcome.attempts }, 'webhook delivered');
    } else if (outcome.state === 'failed') {
      log.error({ attempts: outcome.attempts }, 'webhook given up after the retry period');
    }
    return outcome;
  };
  const worker = new Worker<WebhookJob, DeliveryOutcome>(QUEUES.webhooks, processor, {
    connection,
    prefix: config.queuePrefix,
    concurrency: 4,
    autorun: false,
  });
  worker.on('failed', (job, err) => countFailure(metrics, QUEUES.webhooks, job, err));
  worker.on('error', (err) => logger.error({ err: err.message }, 'webhook worker error'));
  return worker;
}

/** Due deliveries without a live job get one (same job id as the delivery's next attempt). */
export async function webhookSweep(
  db: Db,
  queue: Queue<WebhookJob>,
): Promise<{ enqueued: number }> {
  const due = (await db.query<{ id: string; attempts: number }>('select-due-webhooks')).rows;
  for (const d of due) await enqueueWebhook(queue, d.id, d.attempts);
  return { enqueued: due.length };
}
