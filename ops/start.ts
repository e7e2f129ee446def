import { createLogger } from '../engine/index';
import { StartError, startSystemInForeground, systemOptions } from './system';

/**
 * `npm start`: the whole system on this machine, in the foreground. Ctrl-C or SIGTERM stops
 * everything cleanly, also while it is still starting.
 */
async function main(): Promise<void> {
  process.stdout.on('error', () => undefined); // a reader that went away is not a reason to stop
  const logger = createLogger('supervisor', process.env.LOG_LEVEL ?? 'info');
  const system = await startSystemInForeground(systemOptions(), logger);
  logger.info(
    { url: system.url, apis: system.apiUrls, metrics: system.metricsUrls },
    `nfe-ingest is up at ${system.url} (Ctrl-C stops it)`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `nfe-ingest: ${err instanceof StartError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
