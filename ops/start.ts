import { createLogger } from '../engine/index';
import { StartError, startSystem, systemOptions } from './system';

/**
 * `npm start`: the whole system on this machine, in the foreground. Ctrl-C or SIGTERM stops
 * everything cleanly.
 */
async function main(): Promise<void> {
  process.stdout.on('error', () => undefined); // a reader that went away is not a reason to stop
  const logger = createLogger('supervisor', process.env.LOG_LEVEL ?? 'info');
  const options = systemOptions();
  const system = await startSystem(options, logger);
  logger.info(
    { url: system.url, apis: system.apiUrls, metrics: system.metricsUrls },
    `nfe-ingest is up at ${system.url} (Ctrl-C stops it)`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping every process');
    void system.stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `nfe-ingest: ${err instanceof StartError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
