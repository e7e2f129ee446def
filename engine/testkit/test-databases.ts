import pg from 'pg';
import { Config, loadConfig } from '../config';
import { Db, createDb } from '../db';
import { silentLogger } from '../logger';
import { migrate } from '../migrate';

/**
 * Real PostgreSQL, isolated per test file: a template database is migrated once per test run, and
 * each caller gets its own database cloned from it (CREATE DATABASE … TEMPLATE is a file copy, far
 * faster than migrating again). Every database made here is dropped when the run ends.
 */
const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const TEMPLATE = `nfe_tpl_${RUN}`;
const created: string[] = [];
let templateReady: Promise<void> | null = null;

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createEmptyDatabase(label: string): Promise<string> {
  const name =
    `nfe_t_${RUN}_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${created.length}`.slice(
      0,
      63,
    );
  await admin((c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
  created.push(name);
  return name;
}

function ensureTemplate(): Promise<void> {
  templateReady ??= (async () => {
    await admin((c) => c.query(`create database ${pg.escapeIdentifier(TEMPLATE)}`));
    created.push(TEMPLATE);
    const db = createDb({
      databaseUrl: databaseUrl(TEMPLATE),
      applicationName: 'nfe-test-template',
      poolSize: 1,
      logger: silentLogger,
    });
    try {
      await migrate(db, silentLogger);
    } finally {
      await db.close();
    }
  })();
  return templateReady;
}

/** A migrated database of its own (name returned), cloned from the run's template. */
export async function createTestDatabase(label: string): Promise<string> {
  await ensureTemplate();
  const name =
    `nfe_t_${RUN}_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${created.length}`.slice(
      0,
      63,
    );
  await admin((c) =>
    c.query(
      `create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(TEMPLATE)}`,
    ),
  );
  created.push(name);
  return name;
}

export async function dropTestDatabases(): Promise<void> {
  const names = created.splice(0).reverse();
  await admin(async (c) => {
    for (const name of names) {
      await c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    }
  });
}

/** Environment for a test (and the processes it starts): its own database and queue prefix. */
export function testEnv(
  database: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl(database),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `nfetest_${database}`,
    LOG_LEVEL: 'silent',
    SWEEP_GRACE_MS: '0',
    JOB_BACKOFF_MS: '100',
    API_KEY_CACHE_MS: '0', // tests revoke keys in the database and expect the next request to see it
    ...overrides,
  };
}

export function testConfig(database: string, overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(database, overrides));
}

export function testDb(config: Config, name = 'nfe-test'): Db {
  return createDb({
    databaseUrl: config.databaseUrl,
    applicationName: name,
    poolSize: 5,
    logger: silentLogger,
  });
}
