import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Config } from '../config';
import { Db } from '../db';
import { NfeError } from '../errors';
import { silentLogger } from '../logger';
import { generateInvoice } from '../testkit/generate-documents';
import { createSigners } from '../testkit/hostile-documents';
import { tenantWithKey, zipOf } from '../testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb } from '../testkit/test-databases';
import { ReceivedUpload, SpooledBody, receiveUpload } from './spool-upload';
import { UploadStore, threadedUploadStore, uploadStoreOptions } from './upload-store';

/** Niceness of every thread of this process, by thread id (Linux /proc). */
function threadNiceness(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, nice field 19.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

describe('upload store thread', function () {
  this.timeout(60_000);
  const signer = createSigners().main;
  let config: Config;
  let db: Db;
  let store: UploadStore;
  let tenantId: string;
  const spools: SpooledBody[] = [];

  const receive = async (zip: Buffer): Promise<SpooledBody> => {
    const received = await receiveUpload('zip', Readable.from([zip]), {}, config);
    spools.push(received);
    return received;
  };
  const batch = (): Parameters<UploadStore['store']>[1] => ({
    tenantId,
    idempotencyKey: null,
    clientReference: null,
    callbackUrl: null,
    requestId: null,
    chunkSize: config.chunkSize,
  });

  before(async () => {
    config = testConfig(await createTestDatabase('upload-store'));
    db = testDb(config);
    tenantId = (await tenantWithKey(db, 'upload-store')).tenantId;
    store = threadedUploadStore(
      { ...uploadStoreOptions(config, 'nfe-test-upload-store'), concurrency: 1, nice: 7 },
      silentLogger,
    );
  });
  after(async () => {
    await store.close();
    for (const s of spools) await s.dispose();
    await db.close();
  });

  it('stores every document in PostgreSQL from its own thread, below the event loop', async () => {
    const docs = Array.from({ length: 30 }, (_, k) => generateInvoice(signer, { seed: 900 + k }));
    const before = new Set(threadNiceness().keys());
    const stored = await store.store(
      await receive(await zipOf(docs.map((d, k) => [`d${k}.xml`, d.bytes]))),
      batch(),
    );
    assert.equal(stored.created, true);
    assert.equal(stored.documentCount, 30);
    assert.equal(stored.skippedCount, 0);
    assert.ok(stored.batch.received_at instanceof Date);
    assert.ok(Buffer.isBuffer(stored.batch.fingerprint));
    const rows = (
      await db.queryText<{ n: number; bytes: number }>(
        'select count(*)::int as n, sum(size)::int as bytes from documents where batch_id = $1',
        [stored.batch.id],
      )
    ).rows[0];
    assert.equal(rows.n, 30);
    assert.equal(
      rows.bytes,
      docs.reduce((sum, d) => sum + d.bytes.length, 0),
    );
    if (process.platform === 'linux') {
      const now = threadNiceness();
      const added = [...now].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      assert.ok(added.includes(7), `a new thread at niceness 7 (new threads: ${added.join(', ')})`);
      assert.equal(now.get(process.pid), 0, 'the event loop keeps its own priority');
    }
  });

  it('moves the memory of large XML parts to the thread instead of copying it', async () => {
    const doc = generateInvoice(signer, { seed: 995 });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(doc.bytes)]), 'one.xml');
    const request = new Request('http://upload.test/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const received = await receiveUpload(
      'multipart',
      Readable.from([body]),
      { 'content-type': request.headers.get('content-type') ?? '' },
      config,
    );
    spools.push(received);
    const part = received.parts[0];
    assert.equal(part.kind, 'xml');
    assert.equal(part.kind === 'xml' ? part.bytes.length : -1, doc.bytes.length);
    const stored = await store.store(received, batch());
    assert.equal(part.kind === 'xml' ? part.bytes.length : -1, 0, 'detached: moved, not copied');
    const row = (
      await db.queryText<{ content: Buffer }>('select content from documents where batch_id = $1', [
        stored.batch.id,
      ])
    ).rows[0];
    assert.ok(row.content.equals(doc.bytes), 'stored byte for byte');
  });

  it("returns the thread's refusals as the NfeError they were, with their status", async () => {
    const refused = await store
      .store(
        await receive(await zipOf([['readme.txt', Buffer.from('no documents here')]])),
        batch(),
      )
      .catch((err: unknown) => err);
    assert.ok(refused instanceof NfeError, String(refused));
    assert.equal(refused.code, 'EMPTY_UPLOAD');
    assert.equal(refused.status, 422);
    assert.match(refused.message, /no \.xml document among the 1 entries/);
  });

  it('fails what a dead thread held with a retryable 503, and the next upload starts a new one', async () => {
    // A request the thread cannot even read kills it (an uncaught exception in its handler).
    const broken = {
      bodyBytes: 0,
      parts: [{ kind: 'xml', name: null, bytes: null }],
    } as unknown as ReceivedUpload;
    const lost = await store.store(broken, batch()).catch((err: unknown) => err);
    assert.ok(lost instanceof NfeError, String(lost));
    assert.equal(lost.status, 503);
    assert.equal(lost.retryable, true);
    const doc = generateInvoice(signer, { seed: 990 });
    const stored = await store.store(await receive(await zipOf([['a.xml', doc.bytes]])), batch());
    assert.equal(stored.documentCount, 1);
  });

  it('refuses uploads once closed', async () => {
    const closing = threadedUploadStore(
      { ...uploadStoreOptions(config, 'nfe-test-upload-store-2'), concurrency: 1, nice: 0 },
      silentLogger,
    );
    const doc = generateInvoice(signer, { seed: 991 });
    const received = await receive(await zipOf([['a.xml', doc.bytes]]));
    assert.equal((await closing.store(received, batch())).documentCount, 1);
    await closing.close();
    const refused = await closing.store(received, batch()).catch((err: unknown) => err);
    assert.ok(refused instanceof NfeError);
    assert.equal(refused.code, 'UNAVAILABLE');
  });
});
