import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { createTenant, createApiKey } from '../engine/tenants/api-keys';
import { generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { waitFor, waitForBatches, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig } from '../engine/testkit/test-databases';
import { webhookSweep } from '../engine/workers/webhook.worker';
import { createWebhookQueue, createRedis } from '../engine/queue/queues';
import { metricBy } from '../engine/testkit/metric-values';
import { TestApi, startTestApi } from './testing/test-api';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
}

/** A real HTTP receiver: answers the first `failures` deliveries with 500, then 200. */
async function receiver(
  failures: number,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = received.length < failures ? 500 : 200;
      received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/nfe`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** How a receiver verifies a delivery (the same steps as api/README.md documents). */
function verify(
  secret: string,
  headers: http.IncomingHttpHeaders,
  body: string,
  toleranceSeconds = 300,
): boolean {
  const m = /^t=([0-9]+),v1=([0-9a-f]{64})$/.exec(String(headers['x-nfe-signature']));
  if (m === null || Math.abs(Date.now() / 1000 - Number(m[1])) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

describe('webhooks', function () {
  this.timeout(120_000);
  const signers = createSigners();
  let api: TestApi;

  before(async () => {
    const database = await createTestDatabase('webhooks');
    api = await startTestApi(
      testConfig(database, {
        WEBHOOK_RETRY_BASE_MS: '300',
        WEBHOOK_RETRY_MAX_MS: '1000',
        WEBHOOK_TIMEOUT_MS: '2000',
      }),
    );
  });
  after(async () => api?.close());

  it('POSTs a signed batch.completed summary, retries after 500 with backoff, and delivers once', async () => {
    const hook = await receiver(2);
    try {
      const tenantId = await createTenant(api.db, 'webhook tenant', hook.url);
      const key = await createApiKey(api.db, tenantId);
      const secret = (
        await api.db.queryText<{ webhook_secret: string }>(
          'select webhook_secret from tenants where id = $1',
          [tenantId],
        )
      ).rows[0].webhook_secret;
      const docs = Array.from({ length: 4 }, (_, k) =>
        generateInvoice(signers.main, { seed: 60_000 + k }),
      );
      const zip = await zipOf([
        ...docs.map((d, k): [string, Buffer] => [`${k}.xml`, d.bytes]),
        ['bad.xml', Buffer.from('<nope/>')],
      ]);
      const res = await api.request('POST', '/v1/batches?clientReference=hook-1', {
        key,
        body: zip,
        headers: { 'Content-Type': 'application/zip' },
      });
      const batchId = ((await res.json()) as Json).id as string;
      await waitForBatches(api.db, [batchId]);
      await waitFor(
        'a 2xx delivery',
        async () => hook.received.some((r) => r.answered === 200),
        30_000,
        50,
      );

      assert.deepEqual(
        hook.received.map((r) => r.answered),
        [500, 500, 200],
        'two failures, then delivered',
      );
      const outcomes = await waitFor('the delivery counted', async () => {
        const by = await metricBy(api.workerMetrics.webhookDeliveries, 'outcome');
        return by.delivered === 1 ? by : null;
      });
      assert.deepEqual(outcomes, { retry: 2, delivered: 1 });
      const ids = new Set(hook.received.map((r) => r.headers['x-nfe-event-id']));
      assert.equal(ids.size, 1, 'the same event id on every attempt (receivers deduplicate on it)');
      for (const r of hook.received) {
        assert.equal(r.headers['content-type'], 'application/json');
        assert.equal(r.headers['x-nfe-event-type'], 'batch.completed');
        assert.ok(
          verify(secret, r.headers, r.body),
          'the signature verifies with the tenant secret',
        );
        assert.ok(!verify('another secret', r.headers, r.body));
        assert.ok(
          !verify(secret, r.headers, r.body.replace('hook-1', 'hook-2')),
          'a changed body does not verify',
        );
      }
      const payload = JSON.parse(hook.received[2].body) as Json;
      assert.equal(payload.id, [...ids][0]);
      assert.equal(payload.type, 'batch.completed');
      assert.equal(payload.batch.id, batchId);
      assert.equal(payload.batch.state, 'completed');
      assert.equal(payload.batch.clientReference, 'hook-1');
      assert.deepEqual(payload.batch.counts, {
        pending: 0,
        loaded: 4,
        duplicate: 0,
        conflict: 0,
        rejected: 1,
      });
      assert.deepEqual(payload.batch.rejectedByCode, { NOT_NFE: 1 });

      const listed = (await (
        await api.request('GET', `/v1/batches/${batchId}/webhooks`, { key })
      ).json()) as Json;
      assert.equal(listed.data.length, 1);
      assert.equal(listed.data[0].state, 'delivered');
      assert.equal(listed.data[0].attempts, 3);
      assert.deepEqual(
        listed.data[0].attemptLog.map((a: Json) => a.status),
        [500, 500, 200],
      );

      // Nothing more after the 2xx: not from retries, not from the sweep (as after Redis losing jobs).
      const redis = createRedis(api.config.redisUrl, 'webhook-test');
      const queue = createWebhookQueue(redis, api.config.queuePrefix);
      try {
        assert.deepEqual(await webhookSweep(api.db, queue), { enqueued: 0 });
      } finally {
        await queue.close();
        await redis.quit();
      }
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(hook.received.length, 3);
    } finally {
      await hook.close();
    }
  });

  it('uses the batch callback URL over the tenant one, and keeps retrying an unreachable receiver', async () => {
    const tenantHook = await receiver(0);
    const batchHook = await receiver(0);
    try {
      const tenantId = await createTenant(api.db, 'two hooks', tenantHook.url);
      const key = await createApiKey(api.db, tenantId);
      const doc = generateInvoice(signers.main, { seed: 61_000 });
      const res = await api.request(
        'POST',
        `/v1/batches?callbackUrl=${encodeURIComponent(batchHook.url)}`,
        { key, body: doc.bytes, headers: { 'Content-Type': 'application/xml' } },
      );
      const batchId = ((await res.json()) as Json).id as string;
      await waitFor('the batch hook', async () => batchHook.received.length === 1, 30_000, 50);
      assert.equal(tenantHook.received.length, 0);

      const unreachable = await api.request(
        'POST',
        '/v1/batches?callbackUrl=http%3A%2F%2F127.0.0.1%3A9%2Fdown',
        {
          key,
          body: generateInvoice(signers.main, { seed: 61_001 }).bytes,
          headers: { 'Content-Type': 'application/xml' },
        },
      );
      const downId = ((await unreachable.json()) as Json).id as string;
      await waitFor(
        'two failed attempts',
        async () => {
          const d = (
            (await (
              await api.request('GET', `/v1/batches/${downId}/webhooks`, { key })
            ).json()) as Json
          ).data[0];
          return d !== undefined && d.attempts >= 2;
        },
        30_000,
        100,
      );
      const d = (
        (await (await api.request('GET', `/v1/batches/${downId}/webhooks`, { key })).json()) as Json
      ).data[0];
      assert.equal(d.state, 'pending', 'still trying (for WEBHOOK_MAX_AGE_MS, 48 h by default)');
      assert.ok(d.lastError);
      assert.ok(new Date(d.nextAttemptAt).getTime() > Date.now() - 1000);
      assert.ok(batchId);
    } finally {
      await tenantHook.close();
      await batchHook.close();
    }
  });
});
