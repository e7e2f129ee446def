import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { OPENAPI } from '../api/openapi';
import { Db } from '../engine/db';
import { createApiKey, createTenant } from '../engine/tenants/api-keys';
import { corpusDir } from '../engine/testkit/corpus';
import { generateEvent, generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { waitFor } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb } from '../engine/testkit/test-databases';
import { parseCsv } from '../engine/testkit/csv';
import { Stack, startStack } from './testing/native-stack';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'nfe-ingest.js');

/** What integrators touch, end to end through Nginx on the real stack. */
describe('integrators, through Nginx: push, list, export, XML, webhooks, docs page', function () {
  this.timeout(300_000);
  const signers = createSigners();
  let stack: Stack;
  let db: Db;
  let key: string;
  let secret: string;
  let folder: string;
  const hooks: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let receiver: http.Server;
  const pushed = new Map<string, Buffer>(); // relative name → bytes

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const database = await createTestDatabase('integrators');
    db = testDb(testConfig(database));
    const tenantId = await createTenant(
      db,
      'integrator',
      `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/nfe-hooks`,
    );
    key = await createApiKey(db, tenantId);
    secret = (
      await db.queryText<{ webhook_secret: string }>(
        'select webhook_secret from tenants where id = $1',
        [tenantId],
      )
    ).rows[0].webhook_secret;

    folder = mkdtempSync(path.join(tmpdir(), 'nfe-integrators-'));
    mkdirSync(path.join(folder, 'corpus'));
    mkdirSync(path.join(folder, 'gerados', 'latin1'), { recursive: true });
    for (const f of readdirSync(corpusDir()).filter((n) => n.endsWith('.xml'))) {
      copyFileSync(path.join(corpusDir(), f), path.join(folder, 'corpus', f));
      pushed.set(`corpus/${f}`, readFileSync(path.join(corpusDir(), f)));
    }
    for (let k = 0; k < 60; k++) {
      const doc = generateInvoice(k % 4 === 0 ? signers.alphanumeric : signers.main, {
        seed: 90_000 + k,
        model: k % 5 === 0 ? 65 : 55,
        encoding: k % 7 === 0 ? 'latin1' : 'utf8',
      });
      const name = `gerados/${k % 7 === 0 ? 'latin1/' : ''}nfe-${k}.xml`;
      writeFileSync(path.join(folder, name), doc.bytes);
      pushed.set(name, doc.bytes);
      if (k === 3) {
        const cancel = generateEvent(signers.main, { chave: doc.chave });
        writeFileSync(path.join(folder, 'gerados', 'cancel-3.xml'), cancel.bytes);
        pushed.set('gerados/cancel-3.xml', cancel.bytes);
      }
    }
    stack = await startStack(database);
  });

  after(async () => {
    await stack?.stop();
    await db?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
    rmSync(folder, { recursive: true, force: true });
  });

  const get = async (route: string): Promise<Response> =>
    fetch(`${stack.url}${route}`, { headers: { Authorization: `Bearer ${key}` } });

  it('pushes a folder of corpus and generated documents with push --wait, and the summary agrees with the database', async () => {
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [BIN, 'push', folder, '--url', stack.url, '--key', key, '--wait', '--batch-size', '25'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
    assert.equal(
      run.code,
      1,
      `the corpus holds documents that must be rejected, so the status is 1\n${run.out}`,
    );
    const m = /verdicts: (\d+) loaded, (\d+) duplicate, (\d+) conflict, (\d+) rejected/.exec(
      run.out,
    );
    assert.ok(m, run.out);
    const db0 = (
      await db.queryText<{ verdict: string; n: number }>(
        'select verdict, count(*)::int as n from documents group by verdict',
      )
    ).rows;
    const count = (v: string): number => db0.find((r) => r.verdict === v)?.n ?? 0;
    assert.deepEqual(
      [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])],
      [count('loaded'), count('duplicate'), count('conflict'), count('rejected')],
    );
    assert.equal(Number(m[1]) + Number(m[2]) + Number(m[3]) + Number(m[4]), pushed.size);
    assert.ok(Number(m[4]) >= 20, 'the corpus rejections are reported');
  });

  it('lists with filters and cursors through Nginx', async () => {
    const seen: Json[] = [];
    let next: string | null = '/v1/nfe?limit=10';
    while (next !== null) {
      const page = (await (await get(next)).json()) as Json;
      seen.push(...page.data);
      next = page.next;
    }
    const inDb = (
      await db.queryText<{ chave: string }>('select chave from invoices order by id')
    ).rows.map((r) => r.chave);
    assert.deepEqual(
      seen.map((r) => r.chave),
      inDb,
    );
    const nfce = (await (await get('/v1/nfe?model=65&limit=500')).json()) as Json;
    const nfceDb = (
      await db.queryText<{ n: number }>('select count(*)::int as n from invoices where model = 65')
    ).rows[0].n;
    assert.equal(nfce.data.length, nfceDb);
    assert.ok(nfce.data.every((r: Json) => r.model === 65));
    const cancelled = (await (await get('/v1/nfe?state=cancelled')).json()) as Json;
    const cancelledDb = (
      await db.queryText<{ n: number }>(
        "select count(*)::int as n from invoices where state = 'cancelled'",
      )
    ).rows[0].n;
    assert.ok(cancelledDb >= 1, 'the generated cancellation applied');
    assert.equal(cancelled.data.length, cancelledDb);
  });

  it('exports CSV through Nginx whose totals equal the database', async () => {
    const res = await get('/v1/nfe/export.csv');
    assert.equal(res.status, 200);
    const rows = parseCsv(await res.text());
    const vNF = rows[0].indexOf('v_nf');
    const sum = rows.slice(1).reduce((s, r) => s + BigInt(r[vNF].replace('.', '')), 0n);
    const dbTotals = (
      await db.queryText<{ n: number; total: string }>(
        'select count(*)::int as n, sum(v_nf)::text as total from invoices',
      )
    ).rows[0];
    assert.equal(rows.length - 1, dbTotals.n);
    assert.equal(sum, BigInt(dbTotals.total.replace('.', '')));
    const items = parseCsv(await (await get('/v1/items/export.csv')).text());
    assert.equal(
      items.length - 1,
      (await db.queryText<{ n: number }>('select count(*)::int as n from invoice_items')).rows[0].n,
    );
  });

  it('downloads every loaded document byte-identical to the file pushed', async () => {
    const loaded = (
      await db.queryText<{ entry_name: string; chave: string }>(
        "select d.entry_name, d.chave from documents d join invoices i on i.document_id = d.id where d.verdict = 'loaded'",
      )
    ).rows;
    assert.ok(loaded.length >= 60);
    for (const row of loaded) {
      const res = await get(`/v1/nfe/${row.chave}/xml`);
      assert.equal(res.status, 200);
      const original =
        pushed.get(row.entry_name.split('/').slice(-3).join('/')) ??
        pushed.get(row.entry_name.split('/').slice(-2).join('/'));
      assert.ok(original, `pushed ${row.entry_name}`);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(original), row.entry_name);
    }
  });

  it('receives a signed webhook for every batch', async () => {
    const batches = (await db.queryText<{ id: string }>('select id from batches')).rows.map(
      (r) => r.id,
    );
    await waitFor(
      'every webhook',
      async () => new Set(hooks.map((h) => JSON.parse(h.body).batch.id)).size === batches.length,
      60_000,
      200,
    );
    for (const h of hooks) {
      const [, t, v1] = /^t=([0-9]+),v1=([0-9a-f]+)$/.exec(
        String(h.headers['x-nfe-signature']),
      ) as RegExpExecArray;
      assert.equal(createHmac('sha256', secret).update(`${t}.${h.body}`).digest('hex'), v1);
      assert.equal(JSON.parse(h.body).batch.state, 'completed');
    }
    const delivered = (
      await db.queryText<{ n: number }>(
        "select count(*)::int as n from webhook_deliveries where state = 'delivered'",
      )
    ).rows[0].n;
    assert.equal(delivered, batches.length);
  });

  it('serves a docs page (static, through Nginx) that renders every endpoint in a real browser', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const res = await page.goto(`${stack.url}/docs/`);
      assert.equal(res?.status(), 200);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      const operations = await page.$$eval('.endpoint', (els) =>
        els.map((e) => e.getAttribute('data-operation')),
      );
      const described = Object.values(OPENAPI.paths).flatMap((ops) =>
        Object.values(ops).map((op) => (op as { operationId: string }).operationId),
      );
      assert.deepEqual([...operations].sort(), [...described].sort());
      assert.match((await page.textContent('#quick-start')) ?? '', /nfe-ingest push/);
      mkdirSync(path.join(ROOT, '.tmp', 'screenshots'), { recursive: true });
      await page.screenshot({
        path: path.join(ROOT, '.tmp', 'screenshots', 'docs.png'),
        fullPage: true,
      });
      assert.deepEqual(problems, [], 'no script errors and no CSP violations');
    } finally {
      await browser.close();
    }
  });
});
