import assert from 'node:assert/strict';
import { createDb } from './db';
import { silentLogger } from './logger';
import { migrate, migrationFiles } from './migrate';
import { createEmptyDatabase, databaseUrl } from './testkit/test-databases';

describe('migrations', () => {
  it('migrate an empty database from zero, once, even when several processes start together', async () => {
    const name = await createEmptyDatabase('migrate');
    const dbs = Array.from({ length: 5 }, (_, k) =>
      createDb({
        databaseUrl: databaseUrl(name),
        applicationName: `migrate-${k}`,
        poolSize: 1,
        logger: silentLogger,
      }),
    );
    try {
      const applied = await Promise.all(dbs.map((db) => migrate(db, silentLogger)));
      const versions = migrationFiles().map((f) => f.replace(/\.sql$/, ''));
      assert.deepEqual(
        applied.flat().sort(),
        versions,
        'each migration applied by exactly one of them',
      );
      const ledger = await dbs[0].queryText<{ version: string }>(
        'select version from schema_migrations order by version',
      );
      assert.deepEqual(
        ledger.rows.map((r) => r.version),
        versions,
      );
      const tables = await dbs[0].queryText<{ t: string }>(
        "select tablename as t from pg_tables where schemaname = 'public' order by 1",
      );
      for (const t of [
        'api_keys',
        'batches',
        'documents',
        'invoice_events',
        'invoice_items',
        'invoices',
        'tenants',
      ]) {
        assert.ok(
          tables.rows.some((r) => r.t === t),
          `table ${t}`,
        );
      }
      assert.deepEqual(await migrate(dbs[0], silentLogger), [], 'a second run applies nothing');
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('are numbered and append-only', () => {
    const files = migrationFiles();
    files.forEach((f, k) =>
      assert.match(
        f,
        new RegExp(`^${String(k + 1).padStart(4, '0')}_`),
        'numbered from 0001 without gaps',
      ),
    );
  });
});
