import assert from 'node:assert/strict';
import { composeKey } from '../engine/validate/access-key';
import {
  GeneratedDocument,
  generateEvent,
  generateInvoice,
} from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import {
  storeZip,
  tenantWithKey,
  waitFor,
  waitForBatches,
  zipOf,
} from '../engine/testkit/pipeline-fixtures';
import { parseCsv } from '../engine/testkit/csv';
import { metricBy, metricValue } from '../engine/testkit/metric-values';
import { createTestDatabase, testConfig } from '../engine/testkit/test-databases';
import { TestApi, startTestApi } from './testing/test-api';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('reconciliation', function () {
  this.timeout(120_000);
  const signers = createSigners();
  let api: TestApi;
  let key: string;
  let tenantId: string;
  const invoices: GeneratedDocument[] = [];
  let loneCancellation = '';
  let stuckBatch = '';

  before(async () => {
    const database = await createTestDatabase('reconciliation');
    api = await startTestApi(
      testConfig(database, {
        RECONCILE_STUCK_MINUTES: '60',
        RECONCILE_CANCELLATION_GRACE_HOURS: '24',
      }),
    );
    ({ tenantId, key } = await tenantWithKey(api.db, 'reconciliation'));
    // Issuer numbering in August 2026: model 55 series 1 has 1, 2, 3, 5, 6, 10 (gaps 4 and 7–9);
    // model 65 series 1 has 1, 2, 3 (no gap); model 55 series 2 has 7 alone (no gap).
    const plan: [55 | 65, number, number][] = [
      ...[1, 2, 3, 5, 6, 10].map((n): [55, number, number] => [55, 1, n]),
      ...[1, 2, 3].map((n): [65, number, number] => [65, 1, n]),
      [55, 2, 7],
    ];
    plan.forEach(([model, series, number], k) => {
      invoices.push(
        generateInvoice(signers.main, {
          seed: 70_100 + k,
          model,
          series,
          number,
          issuedAt: `2026-08-${String(10 + k).padStart(2, '0')}T11:00:00-03:00`,
        }),
      );
    });
    const res = await api.request('POST', '/v1/batches', {
      key,
      body: await zipOf(invoices.map((d, k): [string, Buffer] => [`${k}.xml`, d.bytes])),
      headers: { 'Content-Type': 'application/zip' },
    });
    const batch = ((await res.json()) as Json).id as string;
    // A cancellation of an invoice that never arrives, loaded two days ago.
    loneCancellation = composeKey({
      cUF: '35',
      yearMonth: '2608',
      issuer: signers.main.cnpj,
      model: '55',
      series: '9',
      number: '999',
      tpEmis: '1',
      cNF: '12345678',
    });
    const cancel = await api.request('POST', '/v1/batches', {
      key,
      body: generateEvent(signers.main, {
        chave: loneCancellation,
        occurredAt: '2026-08-20T10:00:00-03:00',
      }).bytes,
      headers: { 'Content-Type': 'application/xml' },
    });
    await waitForBatches(api.db, [batch, ((await cancel.json()) as Json).id]);
    await api.db.queryText(
      "update invoice_events set loaded_at = now() - interval '2 days' where chave = $1",
      [loneCancellation],
    );
    // A document stored two hours ago whose job was lost: stuck.
    stuckBatch = (
      await storeZip(
        api.db,
        null,
        api.config,
        tenantId,
        await zipOf([['stuck.xml', generateInvoice(signers.main, { seed: 70_200 }).bytes]]),
      )
    ).id;
    await api.db.queryText(
      "update batches set received_at = now() - interval '2 hours' where id = $1",
      [stuckBatch],
    );
    await api.db.queryText(
      "update documents set received_at = now() - interval '2 hours' where batch_id = $1",
      [stuckBatch],
    );
  });
  after(async () => api?.close());

  async function run(body: string, contentType: string, query = ''): Promise<Json> {
    const res = await api.request('POST', `/v1/reconciliations${query}`, {
      key,
      body,
      headers: { 'Content-Type': contentType },
    });
    assert.equal(res.status, 202, await res.clone().text());
    const { id } = (await res.json()) as Json;
    assert.equal(res.headers.get('location'), `/v1/reconciliations/${id}`);
    return waitFor('the run', async () => {
      const r = (await (
        await api.request('GET', `/v1/reconciliations/${id}`, { key })
      ).json()) as Json;
      return r.state === 'completed' || r.state === 'failed' ? r : null;
    });
  }

  /** The ledger: every invoice but one (unexpected), one with another value, one with another date, one never received. */
  function ledger(): { chave: string; issuedDate: string; total: string }[] {
    const entries = invoices.slice(1).map((d) => ({
      chave: d.chave,
      issuedDate: d.xml.match(/<dhEmi>([0-9-]{10})/)?.[1] as string,
      total: d.vNF,
    }));
    entries[0] = { ...entries[0], total: (Number(entries[0].total) + 1).toFixed(2) };
    entries[1] = { ...entries[1], issuedDate: '2026-08-01' };
    entries.push({
      chave: composeKey({
        cUF: '35',
        yearMonth: '2608',
        issuer: signers.main.cnpj,
        model: '55',
        series: '1',
        number: '4',
        tpEmis: '1',
        cNF: '87654321',
      }),
      issuedDate: '2026-08-13',
      total: '99.90',
    });
    return entries;
  }

  it('finds exactly the gaps, the stuck document, the lone cancellation and the ledger differences — and nothing else', async () => {
    const report = await run(
      JSON.stringify({ periodStart: '2026-08-01', periodEnd: '2026-08-31', ledger: ledger() }),
      'application/json',
    );
    assert.equal(report.state, 'completed', report.error);
    const found = (report.findings as Json[])
      .map((f) => [f.kind, f.rangeStart, f.rangeEnd, f.chaves.join(',')].join(' '))
      .sort();
    const l = ledger();
    assert.deepEqual(
      found,
      [
        `numbering_gap 4 4 `,
        `numbering_gap 7 9 `,
        `stuck_work   `,
        `cancellation_without_invoice   ${loneCancellation}`,
        `ledger_missing   ${l[l.length - 1].chave}`,
        `ledger_unexpected   ${invoices[0].chave}`,
        `ledger_value_mismatch   ${l[0].chave}`,
        `ledger_date_mismatch   ${l[1].chave}`,
      ].sort(),
    );
    const gap = (report.findings as Json[]).find(
      (f) => f.kind === 'numbering_gap' && f.rangeStart === 7,
    ) as Json;
    assert.equal(gap.issuer, signers.main.cnpj);
    assert.equal(gap.model, 55);
    assert.equal(gap.series, 1);
    assert.match(gap.explanation, /3 numbers .* are missing: 7 to 9/);
    const stuck = (report.findings as Json[]).find((f) => f.kind === 'stuck_work') as Json;
    assert.equal(stuck.details.batchId, stuckBatch);
    assert.equal(stuck.details.pending, 1);

    assert.deepEqual(report.summary.findings, {
      numbering_gap: 2,
      stuck_work: 1,
      cancellation_without_invoice: 1,
      ledger_missing: 1,
      ledger_unexpected: 1,
      ledger_value_mismatch: 1,
      ledger_date_mismatch: 1,
    });
    assert.equal(report.summary.invoices.count, invoices.length);
    const total = invoices.reduce((s, d) => s + Math.round(Number(d.vNF) * 100), 0);
    assert.equal(Math.round(Number(report.summary.invoices.vNF) * 100), total);
    assert.deepEqual(Object.keys(report.summary.byCfop).sort(), ['5102', '5405']);
    assert.equal(report.summary.byState.authorized.count, invoices.length);
    assert.deepEqual(
      await metricBy(api.workerMetrics.reconciliationFindings, 'kind'),
      report.summary.findings,
      'the findings metric counts the same findings by kind',
    );
    assert.equal(
      await metricValue(api.workerMetrics.reconciliationRuns, { outcome: 'completed' }),
      1,
    );

    const csv = parseCsv(
      await (
        await api.request('GET', `/v1/reconciliations/${report.id}/findings.csv`, { key })
      ).text(),
    );
    assert.deepEqual(csv[0], [
      'kind',
      'issuer',
      'model',
      'series',
      'range_start',
      'range_end',
      'chaves',
      'explanation',
    ]);
    assert.equal(csv.length - 1, report.findings.length);
  });

  it('takes the ledger as CSV (semicolons, decimal commas, Brazilian dates) with the same result', async () => {
    const lines = ledger().map(
      (e) =>
        `${e.chave};${e.issuedDate.split('-').reverse().join('/')};${e.total.replace('.', ',')}`,
    );
    const report = await run(
      `chave;issued_date;total\r\n${lines.join('\r\n')}\r\n`,
      'text/csv',
      '?periodStart=2026-08-01&periodEnd=2026-08-31',
    );
    assert.equal(report.state, 'completed');
    assert.equal(report.summary.findings.ledger_value_mismatch, 1);
    assert.equal(report.summary.findings.ledger_date_mismatch, 1);
    assert.equal(report.summary.findings.ledger_missing, 1);
    assert.equal(report.summary.findings.ledger_unexpected, 1);
  });

  it('reports an invoice cancelled after it was exported, and one booked though cancelled', async () => {
    const target = invoices[4];
    await api
      .request('GET', `/v1/nfe/export.csv?issuedFrom=2026-08-01&issuedTo=2026-08-31`, { key })
      .then((r) => r.text());
    const cancel = await api.request('POST', '/v1/batches', {
      key,
      body: generateEvent(signers.main, {
        chave: target.chave,
        occurredAt: '2026-08-28T09:00:00-03:00',
      }).bytes,
      headers: { 'Content-Type': 'application/xml' },
    });
    await waitForBatches(api.db, [((await cancel.json()) as Json).id]);
    const report = await run(
      JSON.stringify({ periodStart: '2026-08-01', periodEnd: '2026-08-31', ledger: ledger() }),
      'application/json',
    );
    const kinds = (report.findings as Json[])
      .filter((f) => f.chaves.includes(target.chave))
      .map((f) => f.kind)
      .sort();
    assert.deepEqual(kinds, ['cancelled_after_export', 'ledger_cancelled']);
  });

  it('refuses a malformed ledger with the lines at fault', async () => {
    const res = await api.request(
      'POST',
      '/v1/reconciliations?periodStart=2026-08-01&periodEnd=2026-08-31',
      {
        key,
        body: 'chave,issued_date,total\n123,2026-08-01,1.00\n',
        headers: { 'Content-Type': 'text/csv' },
      },
    );
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as Json).error.message,
      /line 2: "123" is not a chave de acesso/,
    );
    const other = await tenantWithKey(api.db, 'other');
    const mine = ((await (await api.request('GET', '/v1/reconciliations', { key })).json()) as Json)
      .data[0].id;
    assert.equal(
      (await api.request('GET', `/v1/reconciliations/${mine}`, { key: other.key })).status,
      404,
      'tenants are isolated',
    );
  });
});
