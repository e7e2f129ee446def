import assert from 'node:assert/strict';
import {
  GeneratedDocument,
  cpfFrom,
  generateEvent,
  generateInvoice,
} from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { tenantWithKey, waitForBatches, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig } from '../engine/testkit/test-databases';
import { TestApi, startTestApi } from './testing/test-api';
import { parseCsv } from '../engine/testkit/csv';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('listing, filters, cursors, CSV exports and caching', function () {
  this.timeout(120_000);
  const signers = createSigners();
  let api: TestApi;
  let key: string;
  const months = [
    '2026-07-10T09:00:00-03:00',
    '2026-08-14T10:21:00-03:00',
    '2026-09-02T16:45:00-03:00',
  ];
  const docs: GeneratedDocument[] = [];
  const facts: {
    chave: string;
    issuer: string;
    model: number;
    series: number;
    date: string;
    recipient: string | null;
    batch: number;
  }[] = [];
  let batchIds: string[] = [];

  before(async () => {
    const database = await createTestDatabase('query');
    api = await startTestApi(testConfig(database, { CHUNK_SIZE: '10' }));
    key = (await tenantWithKey(api.db, 'query')).key;
    for (let k = 0; k < 30; k++) {
      const signer = k % 3 === 0 ? signers.alphanumeric : signers.main;
      const model = k % 5 === 0 ? 65 : 55;
      const series = 1 + (k % 2);
      const issuedAt = months[k % 3];
      const recipient =
        model === 65
          ? null
          : k % 4 === 0
            ? { cpf: cpfFrom(String(100000000 + k)) }
            : { cnpj: signers.other.cnpj };
      const doc = generateInvoice(signer, {
        seed: 40_000 + k,
        model,
        series,
        issuedAt,
        recipient,
        number: 1000 + k,
      });
      docs.push(doc);
      facts.push({
        chave: doc.chave,
        issuer: signer.cnpj,
        model,
        series,
        date: issuedAt.slice(0, 10),
        recipient: recipient?.cpf ?? recipient?.cnpj ?? null,
        batch: k < 20 ? 0 : 1,
      });
    }
    for (const part of [docs.slice(0, 20), docs.slice(20)]) {
      const res = await api.request('POST', '/v1/batches', {
        key,
        body: await zipOf(part.map((d, k): [string, Buffer] => [`${k}.xml`, d.bytes])),
        headers: { 'Content-Type': 'application/zip' },
      });
      batchIds.push(((await res.json()) as Json).id);
    }
    await waitForBatches(api.db, batchIds);
  });
  after(async () => api?.close());

  async function all(query: string): Promise<Json[]> {
    const out: Json[] = [];
    let next: string | null = `/v1/nfe?${query}${query ? '&' : ''}limit=7`;
    while (next !== null) {
      const res = await api.request('GET', next, { key });
      assert.equal(res.status, 200, await res.clone().text());
      const page = (await res.json()) as Json;
      assert.ok(page.data.length <= 7);
      out.push(...page.data);
      next = page.next;
    }
    return out;
  }
  const chaves = (rows: Json[]): string[] => rows.map((r) => r.chave).sort();
  const expected = (pick: (f: (typeof facts)[number]) => boolean): string[] =>
    facts
      .filter(pick)
      .map((f) => f.chave)
      .sort();

  it('filters by issuer, recipient, model, series, issue dates, CFOP and batch', async () => {
    assert.deepEqual(
      chaves(await all('')),
      expected(() => true),
    );
    assert.deepEqual(
      chaves(await all(`issuer=${signers.alphanumeric.cnpj}`)),
      expected((f) => f.issuer === signers.alphanumeric.cnpj),
    );
    const someCpf = facts.find((f) => f.recipient !== null && f.recipient.length === 11)
      ?.recipient as string;
    assert.deepEqual(
      chaves(await all(`recipient=${someCpf}`)),
      expected((f) => f.recipient === someCpf),
    );
    assert.deepEqual(
      chaves(await all('model=65')),
      expected((f) => f.model === 65),
    );
    assert.deepEqual(
      chaves(await all('model=55&series=2')),
      expected((f) => f.model === 55 && f.series === 2),
    );
    assert.deepEqual(
      chaves(await all('issuedFrom=2026-08-01&issuedTo=2026-08-31')),
      expected((f) => f.date.startsWith('2026-08')),
    );
    assert.deepEqual(
      chaves(await all('cfop=5405')),
      expected((f) => f.model === 65),
      'NFC-e items carry CFOP 5405 here',
    );
    assert.deepEqual(
      chaves(await all(`batch=${batchIds[1]}`)),
      expected((f) => f.batch === 1),
    );
    assert.deepEqual(chaves(await all('receivedFrom=2099-01-01')), []);
  });

  it('pages with a cursor that stays stable while new invoices arrive', async () => {
    const first = (await (await api.request('GET', '/v1/nfe?limit=10', { key })).json()) as Json;
    const late = Array.from({ length: 5 }, (_, k) =>
      generateInvoice(signers.main, { seed: 41_000 + k }),
    );
    const res = await api.request('POST', '/v1/batches', {
      key,
      body: await zipOf(late.map((d, k): [string, Buffer] => [`late-${k}.xml`, d.bytes])),
      headers: { 'Content-Type': 'application/zip' },
    });
    const lateBatch = ((await res.json()) as Json).id as string;
    batchIds = [...batchIds, lateBatch];
    await waitForBatches(api.db, [lateBatch]);
    const rest: Json[] = [];
    let next: string | null = first.next;
    while (next !== null) {
      const page = (await (await api.request('GET', next, { key })).json()) as Json;
      rest.push(...page.data);
      next = page.next;
    }
    const seen = [...first.data, ...rest].map((r) => r.chave);
    assert.equal(new Set(seen).size, seen.length, 'no invoice twice');
    assert.deepEqual(
      seen.slice(0, 30).sort(),
      expected(() => true),
      'none skipped',
    );
    assert.deepEqual(
      seen.slice(30),
      late.map((d) => d.chave),
      'new invoices come at the end, in load order',
    );
  });

  it('exports invoices and items as CSV that agrees with the database', async () => {
    const res = await api.request('GET', '/v1/nfe/export.csv?model=55', { key });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    const rows = parseCsv(await res.text());
    const header = rows[0];
    assert.deepEqual(header.slice(0, 4), ['chave', 'model', 'series', 'number']);
    const body = rows.slice(1);
    const db = await api.db.queryText<{ n: number; total: string }>(
      'select count(*)::int as n, sum(v_nf)::text as total from invoices where model = 55',
    );
    assert.equal(body.length, db.rows[0].n);
    const vNF = header.indexOf('v_nf');
    const totalCents = body.reduce((s, r) => s + BigInt(r[vNF].replace('.', '')), 0n);
    assert.equal(totalCents, BigInt(db.rows[0].total.replace('.', '')));
    for (const r of body) assert.match(r[vNF], /^[0-9]+\.[0-9]{2}$/, 'decimal point');

    const items = parseCsv(
      await (await api.request('GET', '/v1/items/export.csv', { key })).text(),
    );
    const itemCount = (
      await api.db.queryText<{ n: number }>('select count(*)::int as n from invoice_items')
    ).rows[0].n;
    assert.equal(items.length - 1, itemCount);
    const description = items[0].indexOf('description');
    assert.ok(
      items.some((r) => r[description].includes('"')),
      'a description with a double quote survives RFC 4180 quoting',
    );
    assert.ok(
      items.some((r) => r[description].includes(',')),
      'and one with a comma',
    );
    assert.ok(items.every((r) => r.length === items[0].length));
  });

  it('lists events (also before the invoice), and revalidates invoices with ETags', async () => {
    const target = docs[1];
    const first = await api.request('GET', `/v1/nfe/${target.chave}`, { key });
    const etag = first.headers.get('etag') as string;
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(first.headers.get('cache-control'), 'private, no-cache');
    assert.equal(
      (
        await api.request('GET', `/v1/nfe/${target.chave}`, {
          key,
          headers: { 'If-None-Match': etag },
        })
      ).status,
      304,
    );

    const cancel = await api.request('POST', '/v1/batches', {
      key,
      body: generateEvent(signers.main, { chave: target.chave }).bytes,
      headers: { 'Content-Type': 'application/xml' },
    });
    await waitForBatches(api.db, [((await cancel.json()) as Json).id]);
    const changed = await api.request('GET', `/v1/nfe/${target.chave}`, {
      key,
      headers: { 'If-None-Match': etag },
    });
    assert.equal(changed.status, 200, 'the cancellation changed the representation');
    assert.equal(((await changed.json()) as Json).state, 'cancelled');
    const events = (await (
      await api.request('GET', `/v1/nfe/${target.chave}/events`, { key })
    ).json()) as Json;
    assert.deepEqual(
      events.data.map((e: Json) => e.type),
      ['cancellation'],
    );

    const orphan = generateInvoice(signers.main, { seed: 42_000 });
    const lone = await api.request('POST', '/v1/batches', {
      key,
      body: generateEvent(signers.main, { chave: orphan.chave, tpEvento: '110110' }).bytes,
      headers: { 'Content-Type': 'application/xml' },
    });
    await waitForBatches(api.db, [((await lone.json()) as Json).id]);
    assert.equal((await api.request('GET', `/v1/nfe/${orphan.chave}`, { key })).status, 404);
    const loneEvents = (await (
      await api.request('GET', `/v1/nfe/${orphan.chave}/events`, { key })
    ).json()) as Json;
    assert.equal(loneEvents.data[0].type, 'correction');

    const xml = await api.request('GET', `/v1/nfe/${docs[2].chave}/xml`, { key });
    assert.equal(xml.headers.get('cache-control'), 'private, max-age=86400, immutable');
    assert.equal(
      (
        await api.request('GET', `/v1/nfe/${docs[2].chave}/xml`, {
          key,
          headers: { 'If-None-Match': xml.headers.get('etag') as string },
        })
      ).status,
      304,
    );
  });

  it('refuses unknown or malformed filters with 400', async () => {
    for (const q of [
      'issuer=123',
      'model=57',
      'issuedFrom=2026-02-31x',
      'state=lost',
      'cfop=12',
      'batch=nope',
      'limit=0',
      'limit=501',
      'cursor=@@',
      'color=blue',
    ]) {
      const res = await api.request('GET', `/v1/nfe?${q}`, { key });
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as Json).error.code, 'BAD_REQUEST');
    }
  });
});
