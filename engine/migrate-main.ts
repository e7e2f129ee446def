import { loadConfig } from './config';
import { createLogger } from './logger';
import { prepareDatabase } from './migrate';

/** `npm run migrate`: creates the database if needed and applies pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('migrate', config.logLevel);
  const applied = await prepareDatabase(config.databaseUrl, logger);
  logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
