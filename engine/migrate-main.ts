import { loadConfig } from './config';
import { createDb } from './db';
import { createLogger } from './logger';
import { ensureDatabase, migrate } from './migrate';

/** `npm run migrate`: creates the database if needed and applies pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('migrate', config.logLevel);
  await ensureDatabase(config.databaseUrl, logger);
  const db = createDb({
    databaseUrl: config.databaseUrl,
    applicationName: 'nfe-ingest-migrate',
    poolSize: 1,
    logger,
  });
  try {
    const applied = await migrate(db, logger);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
