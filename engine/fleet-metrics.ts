import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import { Db } from './db';
import { Logger } from './logger';
import { within } from './within';

/** BullMQ's job states, as its getJobCounts names them. */
const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const;

export interface FleetSampler {
  /** Reads queues and tables once and sets the gauges; never throws. */
  sample(): Promise<void>;
  close(): void;
}

/**
 * The system-wide gauges — queue depth and age, jobs by state, documents waiting, webhook backlog,
 * last successful reconciliation, PostgreSQL and Redis reachability — sampled by one process (the
 * scheduler) so that they exist once, not once per replica. Sampled on a timer rather than on
 * scrape: a scrape stays cheap, and a dependency that hangs shows as down, not as a slow scrape.
 */
export function startFleetSampler(options: {
  db: Db;
  redis: Redis;
  queues: readonly Queue[];
  registry: Registry;
  logger: Logger;
  intervalMs: number;
}): FleetSampler {
  const { db, redis, queues, logger } = options;
  const registers = [options.registry];
  const up = new Gauge({
    name: 'nfe_dependency_up',
    help: '1 when the dependency answered this process at the last probe, else 0',
    labelNames: ['dependency'],
    registers,
  });
  const jobs = new Gauge({
    name: 'nfe_queue_jobs',
    help: 'Jobs per queue and state (BullMQ counts)',
    labelNames: ['queue', 'state'],
    registers,
  });
  const oldest = new Gauge({
    name: 'nfe_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting per queue (0 when none waits)',
    labelNames: ['queue'],
    registers,
  });
  const pending = new Gauge({
    name: 'nfe_documents_pending',
    help: 'Stored documents still without a verdict',
    registers,
  });
  const webhooks = new Gauge({
    name: 'nfe_webhook_backlog',
    help: 'Webhook deliveries not yet delivered nor given up',
    registers,
  });
  const webhookAge = new Gauge({
    name: 'nfe_webhook_oldest_due_seconds',
    help: 'How long the oldest due webhook delivery has been waiting (0 when none is due)',
    registers,
  });
  // Labelled so that it is absent until there is a value: an unlabelled gauge would read 0 (1970),
  // and "never" must not look like "long ago".
  const lastReconciliation = new Gauge({
    name: 'nfe_reconciliation_last_success_timestamp_seconds',
    help: 'When the last nightly reconciliation completed for every tenant (absent: never)',
    labelNames: ['schedule'],
    registers,
  });

  const sampleQueues = async (): Promise<void> => {
    for (const queue of queues) {
      const counts = await queue.getJobCounts(...JOB_STATES);
      for (const state of JOB_STATES) jobs.set({ queue: queue.name, state }, counts[state] ?? 0);
      const [first] = await queue.getJobs(['waiting'], 0, 0, true);
      oldest.set(
        { queue: queue.name },
        first === undefined ? 0 : Math.max(0, (Date.now() - first.timestamp) / 1000),
      );
    }
  };
  const sampleTables = async (): Promise<void> => {
    const row = (
      await db.query<{
        documents_pending: string;
        webhooks_pending: string;
        webhook_oldest_due_seconds: string | null;
        reconciliation_last_success: string | null;
      }>('select-fleet-gauges')
    ).rows[0];
    pending.set(Number(row.documents_pending));
    webhooks.set(Number(row.webhooks_pending));
    webhookAge.set(Number(row.webhook_oldest_due_seconds ?? 0));
    if (row.reconciliation_last_success !== null)
      lastReconciliation.set(
        { schedule: 'nightly-reconciliation' },
        Number(row.reconciliation_last_success),
      );
  };
  const probe = async (dependency: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await within(2000, run());
      up.set({ dependency }, 1);
    } catch (err) {
      up.set({ dependency }, 0);
      logger.debug({ dependency, err: (err as Error).message }, 'metrics sample failed');
    }
  };

  let running: Promise<void> | null = null;
  const sample = (): Promise<void> =>
    (running ??= Promise.all([
      probe('postgres', sampleTables),
      probe('redis', async () => {
        await redis.ping();
        await sampleQueues();
      }),
    ]).then(
      () => {
        running = null;
      },
      () => {
        running = null;
      },
    ));
  const timer = setInterval(() => void sample(), options.intervalMs);
  timer.unref();
  return { sample, close: () => clearInterval(timer) };
}
