import { MaintenanceJob, QUEUES } from './queue/queues';

/**
 * Schedules as data. The scheduler upserts each as a BullMQ job scheduler at start (and again
 * periodically, in case Redis lost them): upserting the same id is idempotent, so redeploys and
 * several scheduler replicas never duplicate a run.
 */
export interface Schedule {
  readonly id: string;
  readonly cron: string;
  readonly tz: string;
  readonly queue: typeof QUEUES.maintenance;
  readonly payload: MaintenanceJob;
}

export const SCHEDULES: readonly Schedule[] = [
  // The Redis-loss safety net: stored documents without a live job get one again.
  {
    id: 'recovery-sweep',
    cron: '* * * * *',
    tz: 'UTC',
    queue: QUEUES.maintenance,
    payload: { task: 'recovery-sweep' },
  },
  // Webhook deliveries that are due but have no job (Redis lost it, or enqueueing failed).
  {
    id: 'webhook-sweep',
    cron: '* * * * *',
    tz: 'UTC',
    queue: QUEUES.maintenance,
    payload: { task: 'webhook-sweep' },
  },
];
