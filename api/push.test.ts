import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { tenantWithKey, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig } from '../engine/testkit/test-databases';
import { TestApi, startTestApi } from './testing/test-api';
import { runPush } from '../engine/cli/push-command';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'nfe-ingest.js');

function push(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'push', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** A proxy that fails the first uploads (503 with Retry-After, then a reset connection) and forwards the rest. */
async function flakyProxy(
  target: string,
  failures: ('503' | 'reset')[],
): Promise<{ url: string; close(): Promise<void>; seen: number }> {
  const state = { seen: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const failure = req.method === 'POST' ? failures[state.seen++] : undefined;
      if (failure === '503')
        return void res
          .writeHead(503, { 'Retry-After': '0', 'Content-Type': 'application/json' })
          .end('{"error":{"code":"UNAVAILABLE","message":"try again"}}');
      if (failure === 'reset') return void req.socket.destroy();
      const upstream = http.request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get seen() {
      return state.seen;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('nfe-ingest push', function () {
  this.timeout(120_000);
  const signers = createSigners();
  let api: TestApi;
  let key: string;
  let dir: string;

  before(async () => {
    api = await startTestApi(testConfig(await createTestDatabase('push')));
    key = (await tenantWithKey(api.db, 'push')).key;
    dir = mkdtempSync(path.join(tmpdir(), 'nfe-push-'));
    mkdirSync(path.join(dir, 'lote', 'sub'), { recursive: true });
    for (let k = 0; k < 25; k++)
      writeFileSync(
        path.join(dir, 'lote', k % 2 ? 'sub' : '', `nfe-${k}.xml`),
        generateInvoice(signers.main, { seed: 80_000 + k }).bytes,
      );
    writeFileSync(path.join(dir, 'lote', 'danfe.pdf'), '%PDF-1.4');
    writeFileSync(path.join(dir, 'lote', 'broken.xml'), '<nfeProc>');
    writeFileSync(
      path.join(dir, 'lote', 'more.zip'),
      await zipOf(
        Array.from({ length: 10 }, (_, k): [string, Buffer] => [
          `z${k}.xml`,
          generateInvoice(signers.main, { seed: 81_000 + k }).bytes,
        ]),
      ),
    );
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api?.close();
  });

  const documents = async (): Promise<number> =>
    (await api.db.queryText<{ n: number }>('select count(*)::int as n from documents')).rows[0].n;

  it('uploads folders and zips in batches, waits for the verdicts and summarizes them', async () => {
    const r = await push(
      path.join(dir, 'lote'),
      '--url',
      api.url,
      '--key',
      key,
      '--batch-size',
      '10',
      '--wait',
    );
    assert.equal(r.code, 1, `a rejected document makes the exit status 1\n${r.out}${r.err}`);
    assert.equal((r.out.match(/^batch [0-9]+: /gm) ?? []).length, 4, r.out);
    assert.match(r.out, /sent 36 documents in 4 batches/);
    assert.match(
      r.out,
      /verdicts: 35 loaded, 0 duplicate, 0 conflict, 1 rejected \(MALFORMED_XML 1\)/,
    );
    assert.match(r.out, /lote\/broken\.xml: MALFORMED_XML/);
    assert.equal(await documents(), 36);
  });

  it('never duplicates on a re-run: the same batches come back', async () => {
    const before = await documents();
    const first = await push(
      path.join(dir, 'lote'),
      '--url',
      api.url,
      '--key',
      key,
      '--batch-size',
      '10',
    );
    assert.equal(first.code, 0, first.out + first.err);
    assert.equal(await documents(), before, 'nothing stored twice');
  });

  it('retries 503 (honouring Retry-After) and reset connections', async () => {
    const proxy = await flakyProxy(api.url, ['503', 'reset', '503']);
    try {
      const doc = path.join(dir, 'single.xml');
      writeFileSync(doc, generateInvoice(signers.main, { seed: 82_000 }).bytes);
      const r = await push(doc, '--url', proxy.url, '--key', key, '--wait');
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal((r.out.match(/retrying in/g) ?? []).length, 3, r.out);
      assert.match(r.out, /verdicts: 1 loaded/);
      assert.equal(proxy.seen, 4);
    } finally {
      await proxy.close();
    }
  });

  it('draws a progress bar (documents, bytes, rate, ETA) on a terminal', async () => {
    const drawn: string[] = [];
    const lines: string[] = [];
    const code = await runPush([path.join(dir, 'lote', 'sub')], {
      url: api.url,
      key,
      wait: false,
      batchSize: 5,
      batchBytes: 1 << 26,
      reference: null,
      callbackUrl: null,
      maxDocumentBytes: 5 << 20,
      out: (t) => lines.push(t),
      tty: true,
      progress: (t) => drawn.push(t),
    });
    assert.equal(code, 0);
    assert.ok(drawn.length >= 3);
    assert.match(
      drawn[drawn.length - 1],
      /^\r\[#{24}\] 100% +12\/12 documents +[0-9.]+ (KiB|MiB) +[0-9]+ docs\/s +ETA [0-9]+:[0-9]{2}\n$/,
    );
    assert.match(lines.join('\n'), /sent 12 documents in 3 batches/);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await push(dir)).code, 2);
    assert.equal((await push(dir, '--url', 'ftp://x', '--key', key)).code, 2);
    assert.equal((await push(path.join(dir, 'nope'), '--url', api.url, '--key', key)).code, 2);
    assert.equal((await push(dir, '--url', api.url, '--key', key, '--batch-size', '0')).code, 2);
  });
});
