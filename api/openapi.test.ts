import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import { generateEvent, generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { tenantWithKey, waitFor, waitForBatches, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig } from '../engine/testkit/test-databases';
import { OPENAPI } from './openapi';
import { TestApi, startTestApi } from './testing/test-api';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DOC = OPENAPI as unknown as Json;
const BASE = 'https://nfe-ingest.invalid/openapi.json';

/** Rewrites local $refs so that response schemas compiled alone resolve into the whole document. */
function absolute(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${BASE}${v}` : absolute(v),
    ]),
  );
}

describe('the OpenAPI document', function () {
  this.timeout(120_000);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: BASE, components: absolute(DOC.components) } as Json);
  const signers = createSigners();
  let api: TestApi;
  let a: { tenantId: string; key: string };
  const exercised = new Set<string>();

  before(async () => {
    const database = await createTestDatabase('openapi');
    api = await startTestApi(
      testConfig(database, { UPLOAD_MAX_BYTES: '3000000', WEBHOOK_RETRY_BASE_MS: '60000' }),
    );
    a = await tenantWithKey(api.db, 'openapi');
  });
  after(async () => api?.close());

  /** Sends a request and validates the response against the operation's description. */
  async function call(
    method: string,
    template: string,
    path: string,
    options: { key?: string | null; body?: Buffer | string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: Json | string | null; res: Response }> {
    const res = await api.request(method.toUpperCase(), path, {
      key: options.key === null ? undefined : (options.key ?? a.key),
      body: options.body,
      headers: options.headers,
    });
    const operation = DOC.paths[template]?.[method];
    assert.ok(operation, `${method} ${template} is not described`);
    const response = operation.responses[String(res.status)];
    assert.ok(response, `${method} ${template} answered ${res.status}, which is not described`);
    exercised.add(`${method} ${template} ${res.status}`);
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
    if (res.status === 304) return { status: 304, body: null, res };
    assert.ok(
      response.content?.[contentType],
      `${method} ${template} ${res.status}: content type ${contentType} is not described`,
    );
    if (contentType !== 'application/json')
      return { status: res.status, body: await res.text(), res };
    const body = (await res.json()) as Json;
    const validate = ajv.compile(absolute(response.content[contentType].schema) as Json);
    assert.ok(
      validate(body),
      `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
    );
    return { status: res.status, body, res };
  }

  it('describes real responses: every success and error the test can provoke validates', async () => {
    const docs = Array.from({ length: 6 }, (_, k) =>
      generateInvoice(signers.main, {
        seed: 5000 + k,
        model: k === 5 ? 65 : 55,
        reformGroups: k === 2,
      }),
    );
    const cancel = generateEvent(signers.main, { chave: docs[0].chave });
    const zip = await zipOf([
      ...docs.map((d, k): [string, Buffer] => [`${k}.xml`, d.bytes]),
      ['cancel.xml', cancel.bytes],
      ['bad.xml', Buffer.from('<x/>')],
    ]);
    const zipHeaders = { 'Content-Type': 'application/zip', 'Idempotency-Key': 'openapi-1' };
    const created = await call(
      'post',
      '/v1/batches',
      '/v1/batches?callbackUrl=http%3A%2F%2F127.0.0.1%3A9%2Fhook',
      { body: zip, headers: zipHeaders },
    );
    assert.equal(created.status, 202);
    const batchId = (created.body as Json).id as string;
    await waitForBatches(api.db, [batchId]);
    assert.equal(
      (
        await call('post', '/v1/batches', '/v1/batches', {
          body: Buffer.from('<a/>'),
          headers: { 'Content-Type': 'application/xml', 'Idempotency-Key': 'openapi-1' },
        })
      ).status,
      422,
    );
    assert.equal(
      (
        await call('post', '/v1/batches', '/v1/batches', {
          body: 'x',
          headers: { 'Content-Type': 'text/plain' },
        })
      ).status,
      415,
    );
    assert.equal(
      (
        await call('post', '/v1/batches', '/v1/batches', {
          body: Buffer.alloc(3_100_000),
          headers: { 'Content-Type': 'application/zip' },
        })
      ).status,
      413,
    );
    assert.equal(
      (
        await call('post', '/v1/batches', '/v1/batches?callbackUrl=ftp%3A%2F%2Fx', {
          body: docs[0].bytes,
          headers: { 'Content-Type': 'application/xml' },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await call('post', '/v1/batches', '/v1/batches', {
          key: null,
          body: docs[0].bytes,
          headers: { 'Content-Type': 'application/xml' },
        })
      ).status,
      401,
    );

    assert.equal((await call('get', '/v1/batches/{id}', `/v1/batches/${batchId}`)).status, 200);
    assert.equal(
      (await call('get', '/v1/batches/{id}', '/v1/batches/00000000-0000-4000-8000-000000000000'))
        .status,
      404,
    );
    assert.equal(
      (await call('get', '/v1/batches/{id}/documents', `/v1/batches/${batchId}/documents?limit=3`))
        .status,
      200,
    );
    assert.equal(
      (
        await call(
          'get',
          '/v1/batches/{id}/documents',
          `/v1/batches/${batchId}/documents?verdict=maybe`,
        )
      ).status,
      400,
    );
    assert.equal(
      (await call('get', '/v1/batches/{id}/webhooks', `/v1/batches/${batchId}/webhooks`)).status,
      200,
    );

    assert.equal((await call('get', '/v1/nfe', '/v1/nfe?model=55&limit=2')).status, 200);
    assert.equal((await call('get', '/v1/nfe', '/v1/nfe?state=lost')).status, 400);
    assert.equal(
      (await call('get', '/v1/nfe/export.csv', '/v1/nfe/export.csv?state=authorized')).status,
      200,
    );
    assert.equal((await call('get', '/v1/items/export.csv', '/v1/items/export.csv')).status, 200);
    assert.equal(
      (await call('get', '/v1/nfe/export.csv', '/v1/nfe/export.csv?issuedFrom=2026-13-40')).status,
      400,
    );

    const invoice = await call('get', '/v1/nfe/{chave}', `/v1/nfe/${docs[0].chave}`);
    assert.equal(invoice.status, 200);
    assert.equal(
      (
        await call('get', '/v1/nfe/{chave}', `/v1/nfe/${docs[0].chave}`, {
          headers: { 'If-None-Match': invoice.res.headers.get('etag') as string },
        })
      ).status,
      304,
    );
    assert.equal((await call('get', '/v1/nfe/{chave}', `/v1/nfe/${docs[2].chave}`)).status, 200);
    assert.equal((await call('get', '/v1/nfe/{chave}', `/v1/nfe/${docs[5].chave}`)).status, 200);
    assert.equal((await call('get', '/v1/nfe/{chave}', '/v1/nfe/123')).status, 400);
    assert.equal(
      (await call('get', '/v1/nfe/{chave}', `/v1/nfe/${docs[0].chave.slice(0, 43)}9`)).status,
      404,
    );
    assert.equal(
      (await call('get', '/v1/nfe/{chave}/events', `/v1/nfe/${docs[0].chave}/events`)).status,
      200,
    );
    assert.equal(
      (await call('get', '/v1/nfe/{chave}/events', `/v1/nfe/${docs[0].chave.slice(0, 43)}9/events`))
        .status,
      404,
    );
    const xml = await call('get', '/v1/nfe/{chave}/xml', `/v1/nfe/${docs[1].chave}/xml`);
    assert.equal(xml.status, 200);
    assert.equal(
      (
        await call('get', '/v1/nfe/{chave}/xml', `/v1/nfe/${docs[1].chave}/xml`, {
          headers: { 'If-None-Match': xml.res.headers.get('etag') as string },
        })
      ).status,
      304,
    );

    assert.equal((await call('get', '/health', '/health', { key: null })).status, 200);
    assert.equal((await call('get', '/ready', '/ready', { key: null })).status, 200);
    const openapi = await call('get', '/openapi.json', '/openapi.json', { key: null });
    assert.deepEqual(openapi.body, JSON.parse(JSON.stringify(OPENAPI)));

    const rec = await call('post', '/v1/reconciliations', '/v1/reconciliations', {
      body: JSON.stringify({
        periodStart: '2026-08-01',
        periodEnd: '2026-08-31',
        ledger: [{ chave: docs[0].chave, issuedDate: '2026-08-14', total: docs[0].vNF }],
      }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(rec.status, 202);
    const runId = (rec.body as Json).id as string;
    await waitFor(
      'the reconciliation',
      async () =>
        (
          await api.db.queryText(
            "select 1 from reconciliation_runs where id = $1 and state = 'completed'",
            [runId],
          )
        ).rows.length > 0,
    );
    assert.equal(
      (
        await call(
          'post',
          '/v1/reconciliations',
          '/v1/reconciliations?periodStart=2026-08-01&periodEnd=2026-08-31',
          { body: 'chave,issued_date,total\n', headers: { 'Content-Type': 'text/csv' } },
        )
      ).status,
      202,
    );
    assert.equal(
      (
        await call('post', '/v1/reconciliations', '/v1/reconciliations', {
          body: '{}',
          headers: { 'Content-Type': 'application/json' },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await call('post', '/v1/reconciliations', '/v1/reconciliations', {
          body: 'x',
          headers: { 'Content-Type': 'text/plain' },
        })
      ).status,
      415,
    );
    assert.equal((await call('get', '/v1/reconciliations', '/v1/reconciliations')).status, 200);
    assert.equal(
      (await call('get', '/v1/reconciliations/{id}', `/v1/reconciliations/${runId}`)).status,
      200,
    );
    assert.equal(
      (
        await call(
          'get',
          '/v1/reconciliations/{id}',
          '/v1/reconciliations/00000000-0000-4000-8000-000000000000',
        )
      ).status,
      404,
    );
    assert.equal(
      (
        await call(
          'get',
          '/v1/reconciliations/{id}/findings.csv',
          `/v1/reconciliations/${runId}/findings.csv`,
        )
      ).status,
      200,
    );
    assert.equal((await call('get', '/v1/schedules', '/v1/schedules')).status, 200);

    await api.db.queryText('update api_keys set revoked_at = now() where tenant_id = $1', [
      a.tenantId,
    ]);
    assert.equal((await call('get', '/v1/nfe', '/v1/nfe')).status, 403);
  });

  it('describes every route of the API, and every described operation was exercised', () => {
    const described = Object.entries(DOC.paths as Json)
      .flatMap(([path, ops]) => Object.keys(ops as Json).map((m) => `${m} ${path}`))
      .sort();
    const routes = api.routes
      .filter((r) => r.path !== '/metrics')
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    assert.deepEqual([...new Set(routes)], described);
    for (const op of described) {
      const [method, path] = op.split(' ');
      const success = Object.keys(DOC.paths[path][method].responses).find((s) =>
        s.startsWith('2'),
      ) as string;
      assert.ok(exercised.has(`${op} ${success}`), `${op} ${success} was not exercised`);
    }
  });

  it('is well formed: unique operation ids, resolvable references, a description for every response', () => {
    const ids = new Set<string>();
    for (const ops of Object.values(DOC.paths as Json)) {
      for (const op of Object.values(ops as Json) as Json[]) {
        assert.ok(!ids.has(op.operationId), op.operationId);
        for (const tag of op.tags)
          assert.ok(
            DOC.tags.some((t: Json) => t.name === tag),
            `${op.operationId}: tag ${tag} is not declared`,
          );
        ids.add(op.operationId);
        for (const r of Object.values(op.responses) as Json[]) assert.ok(r.description);
      }
    }
    const refs = JSON.stringify(DOC).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const r of refs) assert.ok(DOC.components.schemas[r.split('/').pop() as string], r);
  });
});
