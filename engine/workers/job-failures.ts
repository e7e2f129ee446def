import { Job, UnrecoverableError } from 'bullmq';
import { Metrics } from '../metrics';

/**
 * A failed attempt is a retry while BullMQ has attempts left for it, a failure when it has none
 * (or the error was unrecoverable).
 */
export function countFailure(
  metrics: Metrics,
  queue: string,
  job: Job | undefined,
  err: Error,
): void {
  const final =
    job === undefined ||
    err instanceof UnrecoverableError ||
    job.attemptsMade >= (job.opts.attempts ?? 1);
  (final ? metrics.jobFailures : metrics.jobRetries).inc({ queue });
}
