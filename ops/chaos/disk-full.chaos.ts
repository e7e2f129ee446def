import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Db } from '../../engine/db';
import { createSigners } from '../../engine/testkit/hostile-documents';
import { tenantWithKey, waitForBatches } from '../../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb } from '../../engine/testkit/test-databases';
import { Stack, startStack } from '../testing/native-stack';
import { postZip } from '../testing/upload';
import { filesIn, zipsOf } from './load';

function mount(dir: string, size: string): void {
  const run = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `mount tmpfs (needs root): ${run.stderr}`);
}

/**
 * A full disk on the upload path: the API spools uploads to TMP_DIR, here a 4 MiB tmpfs. An upload
 * that does not fit gets 507 with a JSON error and Retry-After, nothing of it is stored, the spool
 * is cleaned, and the next upload that fits is accepted as usual.
 */
describe('chaos: a full disk under the upload spool', function () {
  this.timeout(300_000);
  const signers = createSigners();
  let stack: Stack;
  let db: Db;
  let key: string;
  let spool: string;

  before(async () => {
    spool = mkdtempSync(path.join(tmpdir(), 'nfe-chaos-spool-'));
    mount(spool, '4m');
    mkdirSync(path.join(spool, 'tmp'));
    const database = await createTestDatabase('chaos_disk');
    db = testDb(testConfig(database));
    key = (await tenantWithKey(db, 'disk')).key;
    stack = await startStack(database, { TMP_DIR: path.join(spool, 'tmp') });
  });
  after(async () => {
    await db?.close();
    if (stack !== undefined) assert.equal(await stack.stop(), 0);
    spawnSync('umount', [spool]);
    rmSync(spool, { recursive: true, force: true });
  });

  it('answers 507 when the spool fills, stores nothing, and accepts the next upload that fits', async () => {
    const [big] = await zipsOf(signers.main, 3000, 3000, 8_000_000); // about 6 MiB compressed
    const [small] = await zipsOf(signers.main, 50, 50, 8_100_000);
    assert.ok(big.length > 4 * 1024 * 1024, `the big zip (${big.length} bytes) overflows 4 MiB`);
    const upload = (zip: Buffer, idempotencyKey: string): Promise<Response> =>
      postZip(stack.url, key, zip, idempotencyKey);

    const full = await upload(big, 'big');
    assert.equal(full.status, 507);
    assert.equal(full.headers.get('retry-after'), '60');
    const body = (await full.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'INSUFFICIENT_STORAGE');
    assert.match(body.error.message, /nothing of it was stored/);
    const stored = await db.queryText<{ batches: number; documents: number }>(
      'select (select count(*)::int from batches) as batches, (select count(*)::int from documents) as documents',
    );
    assert.deepEqual(stored.rows[0], { batches: 0, documents: 0 }, 'nothing half-stored');
    assert.deepEqual(filesIn(path.join(spool, 'tmp')), [], 'the spool is cleaned');

    const ok = await upload(small, 'small');
    assert.equal(ok.status, 202, 'the disk has room again once the failed upload is gone');
    await waitForBatches(db, [((await ok.json()) as { id: string }).id]);
    const retry = await upload(big, 'big');
    assert.equal(
      retry.status,
      507,
      'the same upload retried with its key: still 507, not a replay',
    );
  });
});
