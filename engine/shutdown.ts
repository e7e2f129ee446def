import { Logger } from './logger';

export interface ShutdownStep {
  readonly name: string;
  readonly run: () => Promise<unknown>;
}

/**
 * Graceful shutdown in one place: on SIGTERM or SIGINT, run the steps in order (stop taking work,
 * let work finish, close pools, then Redis) within a deadline; a second signal, or the deadline,
 * forces the exit.
 */
export function onShutdown(
  logger: Logger,
  deadlineMs: number,
  steps: readonly ShutdownStep[],
): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    if (stopping !== null) return stopping;
    stopping = (async () => {
      const timer = setTimeout(() => {
        logger.error({ deadlineMs }, 'shutdown deadline passed; exiting now');
        process.exit(1);
      }, deadlineMs);
      timer.unref();
      for (const step of steps) {
        try {
          await step.run();
        } catch (err) {
          logger.warn({ step: step.name, err: (err as Error).message }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      logger.info('stopped');
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping !== null) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Started by the supervisor with an IPC channel: if the supervisor dies, stop instead of lingering.
  if (process.channel !== undefined) process.on('disconnect', () => onSignal('SIGTERM'));
  return stop;
}
