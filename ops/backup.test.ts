import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Db } from '../engine/db';
import { silentLogger } from '../engine/logger';
import { processChunk } from '../engine/load/process-chunk';
import { generateEvent, generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { storeZip, tenantWithKey, zipOf } from '../engine/testkit/pipeline-fixtures';
import {
  createTestDatabase,
  databaseUrl,
  testConfig,
  testDb,
} from '../engine/testkit/test-databases';

const ROOT = path.resolve(__dirname, '..', '..');

async function fingerprint(db: Db): Promise<Record<string, unknown>> {
  const q = async (text: string): Promise<unknown> => (await db.queryText(text)).rows[0];
  return {
    documents: await q(
      "select count(*)::int as n, md5(string_agg(encode(sha256(content), 'hex'), ',' order by id)) as content from documents",
    ),
    invoices: await q(
      "select count(*)::int as n, md5(string_agg(i::text, ',' order by chave)) as rows from invoices i",
    ),
    items: await q(
      "select count(*)::int as n, md5(string_agg(t::text, ',' order by chave, item_number)) as rows from invoice_items t",
    ),
    events: await q(
      "select count(*)::int as n, md5(string_agg(e::text, ',' order by chave)) as rows from invoice_events e",
    ),
    batches: await q(
      "select count(*)::int as n, md5(string_agg(b::text, ',' order by id)) as rows from batches b",
    ),
    keys: await q(
      "select count(*)::int as n, md5(string_agg(k::text, ',' order by id)) as rows from api_keys k",
    ),
    migrations: await q(
      "select string_agg(version, ',' order by version) as v from schema_migrations",
    ),
  };
}

describe('ops/backup and ops/restore', function () {
  this.timeout(120_000);

  it('round trip: ingest, back up, drop the database, restore — the same rows and XML bytes come back', async () => {
    const signers = createSigners();
    const name = await createTestDatabase('backup');
    const config = testConfig(name, { CHUNK_SIZE: '20' });
    let db = testDb(config);
    const { tenantId } = await tenantWithKey(db, 'backup');
    const docs = Array.from({ length: 50 }, (_, k) =>
      generateInvoice(signers.main, {
        seed: 70_000 + k,
        encoding: k % 7 === 0 ? 'latin1' : 'utf8',
      }),
    );
    const entries: [string, Buffer][] = docs.map((d, k) => [`${k}.xml`, d.bytes]);
    entries.push(['cancel.xml', generateEvent(signers.main, { chave: docs[0].chave }).bytes]);
    const batch = await storeZip(db, null, config, tenantId, await zipOf(entries));
    for (let chunk = 0; chunk * 20 < entries.length; chunk++) {
      await processChunk(
        db,
        { batchId: batch.id, chunk },
        { loadMode: 'copy', documentMaxBytes: config.documentMaxBytes, logger: silentLogger },
      );
    }
    const before = await fingerprint(db);
    assert.equal((before.invoices as { n: number }).n, 50);
    await db.close();

    const dir = mkdtempSync(path.join(tmpdir(), 'nfe-backup-'));
    try {
      const env = { ...process.env, DATABASE_URL: databaseUrl(name) };
      const backup = spawnSync(path.join(ROOT, 'ops', 'backup'), [path.join(dir, 'nfe.dump')], {
        env,
        encoding: 'utf8',
      });
      assert.equal(backup.status, 0, backup.stderr);
      assert.equal(backup.stdout.trim(), path.join(dir, 'nfe.dump'));

      const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
      await admin.connect();
      await admin.query(`drop database ${pg.escapeIdentifier(name)} with (force)`);
      await admin.end();

      const restore = spawnSync(path.join(ROOT, 'ops', 'restore'), [path.join(dir, 'nfe.dump')], {
        env,
        encoding: 'utf8',
      });
      assert.equal(restore.status, 0, restore.stderr);
      db = testDb(config);
      assert.deepEqual(await fingerprint(db), before);
      const xml = await db.queryText<{ content: Buffer }>(
        'select d.content from invoices i join documents d on d.id = i.document_id where i.chave = $1',
        [docs[7].chave],
      );
      assert.ok(xml.rows[0].content.equals(docs[7].bytes), 'the original bytes, byte for byte');
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
