import assert from 'node:assert/strict';
import { QUEUES } from '../engine/queue/queues';
import { generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners, hostileCases } from '../engine/testkit/hostile-documents';
import { metricBy, metricValue } from '../engine/testkit/metric-values';
import { tenantWithKey, waitFor, waitForBatches, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig } from '../engine/testkit/test-databases';
import { TestApi, startTestApi } from './testing/test-api';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('metrics recorded by the API and the workers', function () {
  this.timeout(120_000);
  const signers = createSigners();
  let api: TestApi;
  let key: string;

  before(async () => {
    const database = await createTestDatabase('metrics');
    api = await startTestApi(testConfig(database, { CHUNK_SIZE: '4' }));
    ({ key } = await tenantWithKey(api.db, 'metrics tenant'));
  });
  after(async () => api?.close());

  it('count requests by route template, uploads, documents by verdict and code, stages and chunks', async () => {
    const valid = Array.from({ length: 5 }, (_, k) =>
      generateInvoice(signers.main, { seed: 91_000 + k }),
    );
    const hostile = hostileCases(signers).filter(
      (c) => c.expected !== 'ok' && c.maxBytes === undefined && c.bytes.length < 100_000,
    );
    const entries: [string, Buffer][] = [
      ...valid.map((d, k): [string, Buffer] => [`v${k}.xml`, d.bytes]),
      ['again.xml', valid[0].bytes],
      ...hostile.map((c, k): [string, Buffer] => [`h${k}.xml`, c.bytes]),
    ];
    const zip = await zipOf(entries);
    const res = await api.request('POST', '/v1/batches', {
      key,
      body: zip,
      headers: { 'Content-Type': 'application/zip' },
    });
    assert.equal(res.status, 202);
    const batchId = ((await res.json()) as Json).id as string;
    await waitForBatches(api.db, [batchId]);
    const missing = await api.request('GET', `/v1/nfe/${valid[0].chave.replace(/^35/, '41')}`, {
      key,
    });
    assert.equal(missing.status, 404);

    const { metrics, workerMetrics } = api;
    const post = { method: 'POST', route: '/v1/batches', status: '202' };
    assert.equal(await metricValue(metrics.httpRequests, post), 1);
    assert.equal(await metricValue(metrics.httpDuration, post), 1, 'one duration sample');
    assert.equal(
      await metricValue(metrics.httpRequests, { route: '/v1/nfe/:chave', status: '404' }),
      1,
    );
    assert.equal(await metricValue(metrics.httpInFlight), 0);
    assert.equal(await metricValue(metrics.uploadDocuments), entries.length);
    assert.equal(await metricValue(metrics.uploadBytes), zip.length);

    const expectedCodes: Record<string, number> = {};
    for (const c of hostile) expectedCodes[c.expected] = (expectedCodes[c.expected] ?? 0) + 1;
    const rows = (
      await api.db.queryText<{ code: string; n: number }>(
        "select code, count(*)::int as n from documents where batch_id = $1 and verdict = 'rejected' group by code",
        [batchId],
      )
    ).rows;
    assert.deepEqual(
      await metricBy(workerMetrics.documents, 'code'),
      {
        none: valid.length + 1,
        ...Object.fromEntries(rows.map((r) => [r.code, r.n])),
      },
      'rejections counted by the code recorded in PostgreSQL',
    );
    assert.deepEqual(
      Object.fromEntries(rows.map((r) => [r.code, r.n])),
      expectedCodes,
      'and those are the codes the hostile cases expect',
    );
    assert.deepEqual(await metricBy(workerMetrics.documents, 'verdict'), {
      loaded: valid.length,
      duplicate: 1,
      rejected: hostile.length,
    });
    const chunks = Math.ceil(entries.length / 4);
    assert.equal(await metricValue(workerMetrics.chunkSize), chunks, 'one sample per chunk');
    assert.equal(await metricValue(workerMetrics.stageDuration, { stage: 'load' }), chunks);
    const verified = await metricValue(workerMetrics.stageDuration, { stage: 'verify' });
    assert.ok(
      verified >= valid.length + 1 && verified <= entries.length,
      `every document that reached the signature check is a verify sample (${verified})`,
    );

    const text = await metrics.registry.metrics();
    const workerText = await workerMetrics.registry.metrics();
    for (const chave of valid.map((d) => d.chave)) {
      assert.ok(!text.includes(chave) && !workerText.includes(chave), 'no chave in a label');
    }
    assert.ok(!workerText.includes(signers.main.cnpj), 'no CNPJ in a label');
    assert.ok(!text.includes('metrics tenant'), 'no tenant name in a label');
  });

  it('count a job that fails for good by its queue', async () => {
    await api.queue.add(QUEUES.ingest, { batchId: 'not-a-uuid', chunk: -1 });
    await waitFor(
      'the failure counted',
      async () =>
        (await metricValue(api.workerMetrics.jobFailures, { queue: QUEUES.ingest })) === 1,
      20_000,
    );
    assert.equal(await metricValue(api.workerMetrics.jobRetries), 0, 'unrecoverable: no retry');
  });
});
