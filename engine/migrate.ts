import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Db, REPO_ROOT, createDb } from './db';
import { Logger } from './logger';

const MIGRATIONS_DIR = path.join(REPO_ROOT, 'engine', 'migrations');
/** Any constant shared by every process that migrates: they queue on it. */
const MIGRATION_LOCK = 0x6e66_6531; // "nfe1"

export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^[0-9]{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}

/**
 * Applies the numbered migrations not applied yet, in order, in one transaction holding an
 * advisory lock: processes that start together queue on the lock and find the work done.
 * Returns the versions applied by this call.
 */
export async function migrate(db: Db, logger: Logger): Promise<string[]> {
  return db.withTransaction(async (tx) => {
    await tx.queryText('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.queryText(
      'create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set(
      (await tx.queryText<{ version: string }>('select version from schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    for (const file of migrationFiles()) {
      const version = file.replace(/\.sql$/, '');
      if (done.has(version)) continue;
      await tx.client.query(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'));
      await tx.queryText('insert into schema_migrations (version) values ($1)', [version]);
      applied.push(version);
      logger.info({ version }, 'migration applied');
    }
    return applied;
  });
}

/** Creates the database named in the URL when it does not exist (local development, first start). */
export async function ensureDatabase(databaseUrl: string, logger: Logger): Promise<void> {
  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
    logger.info({ database: name }, 'database created');
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by another process
  } finally {
    await admin.end();
  }
}

/** Creates the database if needed and applies pending migrations with a pool of its own. */
export async function prepareDatabase(
  databaseUrl: string,
  logger: Logger,
  applicationName = 'nfe-ingest-migrate',
): Promise<string[]> {
  await ensureDatabase(databaseUrl, logger);
  const db = createDb({ databaseUrl, applicationName, poolSize: 1, logger });
  try {
    return await migrate(db, logger);
  } finally {
    await db.close();
  }
}
