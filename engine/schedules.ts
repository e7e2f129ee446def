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
  // Every night (Brazilian time), per tenant: the previous day and a rolling window of late arrivals.
  {
    id: 'nightly-reconciliation',
    cron: '0 3 * * *',
    tz: 'America/Sao_Paulo',
    queue: QUEUES.maintenance,
    payload: { task: 'nightly-reconciliation' },
  },
  // Completed and old failed jobs trimmed from Redis; rejected payloads past their retention purged.
  {
    id: 'retention',
    cron: '30 4 * * *',
    tz: 'America/Sao_Paulo',
    queue: QUEUES.maintenance,
    payload: { task: 'retention' },
  },
];

/** The schedules with any cron given in configuration (SCHEDULE_<ID>_CRON) in place of its own. */
export function effectiveSchedules(crons: Readonly<Record<string, string>>): Schedule[] {
  return SCHEDULES.map((s) => (crons[s.id] ? { ...s, cron: crons[s.id] } : s));
}
