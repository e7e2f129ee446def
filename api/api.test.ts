import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  zipOf,
  auditExactlyOnce,
  tenantWithKey,
  waitForBatches,
} from '../engine/testkit/pipeline-fixtures';
import { generateEvent, generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { createTestDatabase, databaseUrl, testConfig } from '../engine/testkit/test-databases';
import { TestApi, startTestApi } from './testing/test-api';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPO = path.resolve(__dirname, '..', '..');

describe('the API and the pipeline behind it', function () {
  this.timeout(120_000);
  const signers = createSigners();
  let api: TestApi;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let database: string;

  const invoices = Array.from({ length: 24 }, (_, k) =>
    generateInvoice(signers.main, { seed: 9000 + k, model: k % 5 === 0 ? 65 : 55 }),
  );
  const tampered = Buffer.from(invoices[3].xml.replace(/<vNF>[^<]*</, '<vNF>0.03<'));

  before(async () => {
    database = await createTestDatabase('api');
    api = await startTestApi(
      testConfig(database, {
        CHUNK_SIZE: '7',
        UPLOAD_MAX_BYTES: String(2_000_000),
        UPLOAD_MAX_ENTRIES: '300',
        DOCUMENT_MAX_BYTES: String(200_000),
        ZIP_MAX_RATIO: '50',
      }),
    );
    a = await tenantWithKey(api.db, 'Tenant A');
    b = await tenantWithKey(api.db, 'Tenant B');
  });
  after(async () => api?.close());

  async function json(res: Response): Promise<Json> {
    return (await res.json()) as Json;
  }

  async function upload(
    body: Buffer | FormData,
    contentType: string | null,
    key = a.key,
    headers: Record<string, string> = {},
    query = '',
  ): Promise<Response> {
    return api.request('POST', `/v1/batches${query}`, {
      key,
      body,
      headers: contentType === null ? headers : { 'Content-Type': contentType, ...headers },
    });
  }

  async function completed(res: Response): Promise<Json> {
    assert.equal(res.status, 202, await res.clone().text());
    const batch = await json(res);
    await waitForBatches(api.db, [batch.id]);
    return json(await api.request('GET', `/v1/batches/${batch.id}`, { key: a.key }));
  }

  async function documentCount(): Promise<number> {
    return (await api.db.queryText<{ n: number }>('select count(*)::int as n from documents'))
      .rows[0].n;
  }

  it('answers 202 with every document stored, then gives each exactly one verdict', async () => {
    const entries: [string, Buffer][] = invoices
      .slice(0, 20)
      .map((d, k) => [`lote/${k}.xml`, d.bytes]);
    entries.push(
      ['lote/dup-0.xml', invoices[0].bytes],
      ['lote/dup-1.xml', invoices[1].bytes],
      ['lote/tampered.xml', tampered],
    );
    entries.push(
      ['lote/cancel-2.xml', generateEvent(signers.main, { chave: invoices[2].chave }).bytes],
      ['lote/DANFE.pdf', Buffer.from('%PDF-1.4')],
    );
    const res = await upload(await zipOf(entries), 'application/zip');
    assert.equal(res.status, 202);
    const accepted = await json(res);
    assert.equal(res.headers.get('location'), `/v1/batches/${accepted.id}`);
    assert.equal(accepted.documents, 24);
    assert.equal(accepted.skippedEntries, 1);
    const stored = await api.db.queryText<{ n: number }>(
      'select count(*)::int as n from documents where batch_id = $1',
      [accepted.id],
    );
    assert.equal(stored.rows[0].n, 24, 'the 202 came after every document was stored');

    await waitForBatches(api.db, [accepted.id]);
    const batch = await json(
      await api.request('GET', `/v1/batches/${accepted.id}`, { key: a.key }),
    );
    assert.equal(batch.state, 'completed');
    assert.deepEqual(batch.counts, {
      pending: 0,
      loaded: 21,
      duplicate: 2,
      conflict: 0,
      rejected: 1,
    });
    const rows = (
      await api.db.queryText(
        'select count(*)::int as invoices, (select count(*)::int from invoice_items) as items from invoices',
      )
    ).rows[0];
    assert.equal(rows.invoices, 20);
    assert.equal(
      rows.items,
      invoices.slice(0, 20).reduce((s, d) => s + d.items, 0),
    );
    const cancelled = await json(
      await api.request('GET', `/v1/nfe/${invoices[2].chave}`, { key: a.key }),
    );
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.events[0].type, 'cancellation');
    await auditExactlyOnce(api.db);
  });

  it('takes multipart uploads (several files, zips among them) and single XML bodies', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(invoices[20].bytes)]), 'a.xml');
    form.append('file', new Blob([new Uint8Array(invoices[21].bytes)]), 'b.xml');
    form.append(
      'file',
      new Blob([
        new Uint8Array(
          await zipOf([
            ['c.xml', invoices[22].bytes],
            ['inner.zip', await zipOf([['d.xml', invoices[0].bytes]])],
          ]),
        ),
      ]),
      'more.zip',
    );
    const multi = await completed(await upload(form, null));
    assert.equal(multi.documents, 4);
    assert.deepEqual(multi.counts, {
      pending: 0,
      loaded: 3,
      duplicate: 1,
      conflict: 0,
      rejected: 0,
    });
    const listed = await json(
      await api.request('GET', `/v1/batches/${multi.id}/documents`, { key: a.key }),
    );
    assert.deepEqual(
      listed.data.map((d: Json) => d.name),
      ['a.xml', 'b.xml', 'more.zip!c.xml', 'more.zip!inner.zip!d.xml'],
    );

    const single = await completed(await upload(invoices[23].bytes, 'application/xml'));
    assert.deepEqual(single.counts, {
      pending: 0,
      loaded: 1,
      duplicate: 0,
      conflict: 0,
      rejected: 0,
    });
  });

  it('keeps and reports a conflict: same chave, different signed content', async () => {
    const original = invoices[6];
    const other = generateInvoice(signers.main, {
      seed: 9006,
      model: 55,
      mutate: (p) => void (p.ide.natOp = 'REMESSA PARA CONSERTO'),
    });
    assert.equal(other.chave, original.chave);
    const batch = await completed(await upload(other.bytes, 'application/xml'));
    assert.equal(batch.counts.conflict, 1);
    const doc = (
      await json(
        await api.request('GET', `/v1/batches/${batch.id}/documents?verdict=conflict`, {
          key: a.key,
        }),
      )
    ).data[0];
    assert.match(doc.message, /different signed content; both are kept/);
    const inv = await json(await api.request('GET', `/v1/nfe/${original.chave}`, { key: a.key }));
    assert.notEqual(inv.documentId, doc.id, 'the first version stays loaded');
    const kept = await api.db.queryText(
      'select 1 from documents where id = $1 and content is not null',
      [doc.id],
    );
    assert.equal(kept.rows.length, 1);
  });

  it('loads an invoice that numbers two items alike, keeping the first of each number', async () => {
    const doc = generateInvoice(signers.main, {
      seed: 9050,
      items: 3,
      mutate: (p) => {
        p.items[2] = { ...p.items[2], attrs: { ...p.items[2].attrs, nItem: '2' } };
      },
    });
    const batch = await completed(await upload(doc.bytes, 'application/xml'));
    assert.equal(batch.counts.loaded, 1);
    const items = await api.db.queryText<{ item_number: number; description: string }>(
      'select item_number, description from invoice_items where chave = $1 order by item_number',
      [doc.chave],
    );
    assert.deepEqual(
      items.rows.map((r) => r.item_number),
      [1, 2],
    );
    assert.match(
      doc.xml,
      new RegExp(`nItem="2">.{0,400}${items.rows[1].description.slice(0, 10)}`, 's'),
    );
  });

  it('applies a cancellation that arrives before its invoice, and lists correction letters', async () => {
    const late = generateInvoice(signers.main, { seed: 9100 });
    await completed(
      await upload(generateEvent(signers.main, { chave: late.chave }).bytes, 'application/xml'),
    );
    await completed(
      await upload(
        generateEvent(signers.main, { chave: late.chave, tpEvento: '110110', sequence: 1 }).bytes,
        'application/xml',
      ),
    );
    await completed(await upload(late.bytes, 'application/xml'));
    const inv = await json(await api.request('GET', `/v1/nfe/${late.chave}`, { key: a.key }));
    assert.equal(inv.state, 'cancelled');
    assert.deepEqual(inv.events.map((e: Json) => e.type).sort(), ['cancellation', 'correction']);
    assert.match(
      inv.events.find((e: Json) => e.type === 'correction').correction,
      /Rua das Flores/,
    );
  });

  it('serves the parsed invoice and the original bytes, byte for byte', async () => {
    const latin1 = generateInvoice(signers.main, { seed: 9200, encoding: 'latin1' });
    await completed(await upload(latin1.bytes, 'application/xml'));
    const inv = await json(await api.request('GET', `/v1/nfe/${latin1.chave}`, { key: a.key }));
    assert.equal(inv.items.length, latin1.items);
    assert.equal(inv.totals.vNF, latin1.vNF);
    assert.equal(inv.emitter.city, 'SÃO PAULO');
    assert.equal(inv.state, 'authorized');
    assert.equal(inv.signature.certificate.cnpj, signers.main.cnpj);
    const xml = await api.request('GET', `/v1/nfe/${latin1.chave}/xml`, { key: a.key });
    assert.equal(xml.headers.get('content-type'), 'application/xml; charset=ISO-8859-1');
    assert.ok(Buffer.from(await xml.arrayBuffer()).equals(latin1.bytes));
  });

  it('pages through documents with a cursor and filters by verdict', async () => {
    const entries: [string, Buffer][] = invoices.slice(0, 10).map((d, k) => [`p${k}.xml`, d.bytes]);
    entries.push(['bad.xml', Buffer.from('<not-an-nfe/>')]);
    const batch = await completed(await upload(await zipOf(entries), 'application/zip'));
    const seen: string[] = [];
    let next: string | null = `/v1/batches/${batch.id}/documents?limit=4`;
    while (next !== null) {
      const page: Json = await json(await api.request('GET', next, { key: a.key }));
      assert.ok(page.data.length <= 4);
      seen.push(...page.data.map((d: Json) => d.name));
      next = page.next;
    }
    assert.deepEqual(
      seen,
      entries.map(([n]) => n),
    );
    const rejected = await json(
      await api.request('GET', `/v1/batches/${batch.id}/documents?verdict=rejected`, {
        key: a.key,
      }),
    );
    assert.deepEqual(
      rejected.data.map((d: Json) => [d.name, d.code]),
      [['bad.xml', 'NOT_NFE']],
    );
  });

  it('returns the same batch for the same Idempotency-Key and body, and 422 for another body', async () => {
    const body = await zipOf([
      ['x.xml', invoices[6].bytes],
      ['y.xml', invoices[7].bytes],
    ]);
    const before = await documentCount();
    const [r1, r2] = await Promise.all([
      upload(body, 'application/zip', a.key, { 'Idempotency-Key': 'k-1' }),
      upload(body, 'application/zip', a.key, { 'Idempotency-Key': 'k-1' }),
    ]);
    const [b1, b2] = [await json(r1), await json(r2)];
    assert.equal(r1.status, 202);
    assert.equal(r2.status, 202);
    assert.equal(b1.id, b2.id);
    const r3 = await upload(body, 'application/zip', a.key, { 'Idempotency-Key': 'k-1' });
    assert.equal((await json(r3)).id, b1.id);
    assert.equal(await documentCount(), before + 2, 'a replay stores nothing');
    const other = await upload(
      await zipOf([['x.xml', invoices[8].bytes]]),
      'application/zip',
      a.key,
      { 'Idempotency-Key': 'k-1' },
    );
    assert.equal(other.status, 422);
    assert.equal((await json(other)).error.code, 'IDEMPOTENCY_KEY_REUSED');
    const otherTenant = await upload(body, 'application/zip', b.key, { 'Idempotency-Key': 'k-1' });
    assert.equal(otherTenant.status, 202, 'keys are per tenant');
    assert.notEqual((await json(otherTenant)).id, b1.id);
  });

  describe('refuses bad uploads with a JSON error and stores nothing', () => {
    const cases: [string, () => Promise<Response>, number, string][] = [
      [
        'a body over UPLOAD_MAX_BYTES',
        async () => upload(Buffer.alloc(2_100_000, 0x41), 'application/zip'),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'a document over DOCUMENT_MAX_BYTES',
        async () =>
          upload(await zipOf([['big.xml', Buffer.alloc(250_000, 0x41)]], false), 'application/zip'),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'more entries than UPLOAD_MAX_ENTRIES',
        async () =>
          upload(
            await zipOf(
              Array.from({ length: 301 }, (_, k): [string, Buffer] => [
                `${k}.xml`,
                Buffer.from('<a/>'),
              ]),
            ),
            'application/zip',
          ),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'a zip bomb (compression ratio)',
        async () =>
          upload(await zipOf([['bomb.xml', Buffer.alloc(190_000, 0x20)]]), 'application/zip'),
        422,
        'ZIP_BOMB',
      ],
      [
        'a corrupt zip',
        async () => upload(Buffer.from('PK\u0003\u0004 not a zip at all'), 'application/zip'),
        422,
        'ARCHIVE_INVALID',
      ],
      [
        'a zip without any XML',
        async () => upload(await zipOf([['danfe.pdf', Buffer.from('%PDF')]]), 'application/zip'),
        422,
        'EMPTY_UPLOAD',
      ],
      [
        'an unsupported content type',
        async () => upload(Buffer.from('hello'), 'text/plain'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a callback URL that is not http(s)',
        async () =>
          upload(invoices[0].bytes, 'application/xml', a.key, {}, '?callbackUrl=ftp%3A%2F%2Fx'),
        400,
        'BAD_REQUEST',
      ],
      [
        'a malformed Idempotency-Key',
        async () =>
          upload(invoices[0].bytes, 'application/xml', a.key, { 'Idempotency-Key': 'á'.repeat(3) }),
        400,
        'BAD_REQUEST',
      ],
    ];
    for (const [name, send, status, code] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        const before = await documentCount();
        const res = await send();
        assert.equal(res.status, status);
        assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
        const body = await json(res);
        assert.equal(body.error.code, code);
        assert.equal(typeof body.error.message, 'string');
        assert.equal(await documentCount(), before);
      });
    }
  });

  it('requires a key, and isolates tenants: another tenant gets 404 everywhere', async () => {
    const batch = await completed(await upload(invoices[9].bytes, 'application/xml'));
    const paths = [
      `/v1/batches/${batch.id}`,
      `/v1/batches/${batch.id}/documents`,
      `/v1/nfe/${invoices[9].chave}`,
      `/v1/nfe/${invoices[9].chave}/xml`,
    ];
    for (const p of paths) {
      assert.equal((await api.request('GET', p)).status, 401, p);
      assert.equal(
        (await api.request('GET', p, { key: 'nfe_wrongwrongwrongwrongwrongwrongwrongwrongwro' }))
          .status,
        401,
        p,
      );
      const other = await api.request('GET', p, { key: b.key });
      assert.equal(other.status, 404, p);
      assert.equal((await json(other)).error.code, 'NOT_FOUND');
      assert.equal((await api.request('GET', p, { key: a.key })).status, 200, p);
    }
    await api.db.queryText('update api_keys set revoked_at = now() where tenant_id = $1', [
      b.tenantId,
    ]);
    const revoked = await api.request('GET', paths[0], { key: b.key });
    assert.equal(revoked.status, 403);
    assert.equal((await json(revoked)).error.code, 'FORBIDDEN');
  });

  it('answers 400 for malformed parameters and 404 for unknown routes', async () => {
    assert.equal((await api.request('GET', '/v1/nfe/123', { key: a.key })).status, 400);
    assert.equal((await api.request('GET', '/v1/batches/not-a-uuid', { key: a.key })).status, 404);
    const batch = (
      await api.db.queryText('select id from batches where tenant_id = $1 limit 1', [a.tenantId])
    ).rows[0];
    assert.equal(
      (await api.request('GET', `/v1/batches/${batch.id}/documents?verdict=maybe`, { key: a.key }))
        .status,
      400,
    );
    assert.equal(
      (await api.request('GET', `/v1/batches/${batch.id}/documents?cursor=%%%`, { key: a.key }))
        .status,
      400,
    );
    const unknown = await api.request('GET', '/v1/nothing-here', { key: a.key });
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).error.code, 'NOT_FOUND');
  });

  it('limits requests per key with 429 and Retry-After', async () => {
    const limited = await startTestApi(
      testConfig(database, { RATE_LIMIT_PER_MINUTE: '3', QUEUE_PREFIX: `nfetest_${database}_rl` }),
      { worker: false },
    );
    try {
      const statuses = [];
      for (let k = 0; k < 4; k++)
        statuses.push(
          (await limited.request('GET', '/v1/nfe/' + invoices[0].chave, { key: a.key })).status,
        );
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
      const res = await limited.request('GET', '/v1/nfe/' + invoices[0].chave, { key: a.key });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      assert.equal((await json(res)).error.code, 'RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  it('remembers a key for API_KEY_CACHE_MS and then sees its revocation', async () => {
    const cached = await startTestApi(
      testConfig(database, { API_KEY_CACHE_MS: '1500', QUEUE_PREFIX: `nfetest_${database}_kc` }),
      { worker: false },
    );
    try {
      const c = await tenantWithKey(api.db, 'cache tenant');
      const path = '/v1/batches/00000000-0000-0000-0000-000000000000';
      assert.equal((await cached.request('GET', path, { key: c.key })).status, 404);
      await api.db.queryText('update api_keys set revoked_at = now() where tenant_id = $1', [
        c.tenantId,
      ]);
      assert.equal(
        (await cached.request('GET', path, { key: c.key })).status,
        404,
        'within the cache time the key is still trusted',
      );
      await new Promise((r) => setTimeout(r, 1600));
      assert.equal((await cached.request('GET', path, { key: c.key })).status, 403);
      assert.equal(
        (await cached.request('GET', path, { key: 'nfe_unknown_key_000000000000000000000000' }))
          .status,
        401,
      );
    } finally {
      await cached.close();
    }
  });

  it('answers 503 and turns unready when PostgreSQL cannot be reached', async () => {
    const down = await startTestApi(
      testConfig(database, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nope' }),
      { worker: false },
    );
    try {
      const res = await down.request('GET', `/v1/nfe/${invoices[0].chave}`, { key: a.key });
      assert.equal(res.status, 503);
      assert.equal((await json(res)).error.code, 'UNAVAILABLE');
      assert.equal((await down.request('GET', '/ready')).status, 503);
      assert.equal((await down.request('GET', '/health')).status, 200);
    } finally {
      await down.close();
    }
  });

  it('has an admin command that prints a tenant id and a working key alone on stdout', async () => {
    const env = { ...process.env, DATABASE_URL: databaseUrl(database) };
    const run = (...args: string[]): string => {
      const r = spawnSync('npm', ['run', '--silent', 'admin', '--', ...args], {
        cwd: REPO,
        env,
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const tenant = run('create-tenant', 'Escritório Contábil Exemplo');
    assert.match(tenant, /^[0-9a-f-]{36}\n$/);
    const key = run('create-key', tenant.trim());
    assert.match(key, /^nfe_[A-Za-z0-9_-]{43}\n$/);
    const stored = await api.db.queryText('select key_hash from api_keys where key_prefix = $1', [
      key.slice(0, 12),
    ]);
    assert.equal(stored.rows.length, 1);
    assert.ok(
      !stored.rows[0].key_hash.toString('latin1').includes(key.trim()),
      'only the hash is stored',
    );
    const res = await api.request('GET', `/v1/nfe/${invoices[0].chave}`, { key: key.trim() });
    assert.equal(
      res.status,
      404,
      'the new key authenticates (and sees only its own, empty, tenant)',
    );
  });
});
