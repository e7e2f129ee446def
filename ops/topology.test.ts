import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Db } from '../engine/db';
import { generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import {
  auditExactlyOnce,
  tenantWithKey,
  waitFor,
  zipOf,
} from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testDb, testConfig } from '../engine/testkit/test-databases';
import { Stack, alive, postgres, startStack } from './testing/native-stack';
import { rawRequest } from './testing/raw-http';
import { uploadAll } from './testing/upload';

describe('the native topology, through Nginx (npm start)', function () {
  this.timeout(600_000);
  const signers = createSigners();
  let stack: Stack;
  let db: Db;
  let key: string;

  before(async () => {
    const database = await createTestDatabase('topology');
    db = testDb(testConfig(database));
    key = (await tenantWithKey(db, 'topology')).key;
    stack = await startStack(database);
  });
  after(async () => {
    try {
      postgres('start');
    } finally {
      await db?.close();
    }
    if (stack !== undefined) {
      const pids = stack.processes().map((p) => p.pid);
      const code = await stack.stop();
      assert.equal(code, 0, 'npm start stops cleanly on SIGTERM');
      for (const pid of pids) assert.ok(!alive(pid), `process ${pid} left running`);
    }
  });

  it('puts the security headers on every response, hides /metrics, answers /health/ itself and logs the request id on both sides', async () => {
    const doc = generateInvoice(signers.main, { seed: 1 });
    const responses = {
      health: await fetch(`${stack.url}/health/`),
      ready: await fetch(`${stack.url}/ready`),
      metrics: await fetch(`${stack.url}/metrics`),
      unauthorized: await fetch(`${stack.url}/v1/batches/00000000-0000-0000-0000-000000000000`),
      upload: await fetch(`${stack.url}/v1/batches`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/xml' },
        body: new Uint8Array(doc.bytes),
      }),
      docs: await fetch(`${stack.url}/docs/`),
      missing: await fetch(`${stack.url}/v1/nothing`, {
        headers: { Authorization: `Bearer ${key}` },
      }),
    };
    assert.equal(responses.health.status, 200);
    assert.deepEqual(await responses.health.json(), { status: 'ok' });
    assert.equal(responses.ready.status, 200);
    assert.equal(responses.metrics.status, 404);
    assert.equal(responses.unauthorized.status, 401);
    assert.equal(responses.upload.status, 202);
    assert.equal(responses.docs.status, 200);
    assert.equal(responses.missing.status, 404);
    for (const [name, res] of Object.entries(responses)) {
      assert.equal(res.headers.get('x-frame-options'), 'DENY', name);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', name);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', name);
      assert.ok(res.headers.get('content-security-policy'), name);
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/, name);
      assert.ok(!/[0-9]/.test(res.headers.get('server') ?? ''), `${name}: no version in Server`);
    }
    assert.match(responses.docs.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    // Errors Nginx answers itself come in the API's JSON shape.
    const port = Number(new URL(stack.url).port);
    const tooLarge = await rawRequest(
      port,
      `GET /v1/nfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Padding: ${'a'.repeat(65_536)}\r\n\r\n`,
    );
    assert.equal(tooLarge.status, 431);
    assert.equal(JSON.parse(tooLarge.body).error.code, 'HEADERS_TOO_LARGE');
    const garbage = await rawRequest(port, 'GARBAGE\r\n\r\n');
    assert.equal(garbage.status, 400);
    assert.equal(JSON.parse(garbage.body).error.code, 'BAD_REQUEST');
    const reqId = responses.upload.headers.get('x-request-id') as string;
    await waitFor(
      'the request id in both logs',
      async () =>
        readFileSync(path.join(stack.runtimeDir, 'nginx', 'access.log'), 'utf8').includes(reqId) &&
        stack.output.join('').includes(`"reqId":"${reqId}"`),
      10_000,
    );
  });

  it('loses nothing while 20,000 documents flow through Nginx and an API replica and a worker are killed with SIGKILL', async () => {
    const docs = Array.from(
      { length: 20_000 },
      (_, k) => generateInvoice(signers.main, { seed: 300_000 + k, items: 1 + (k % 8) }).bytes,
    );
    const zips: Buffer[] = [];
    for (let k = 0; k < docs.length; k += 500)
      zips.push(
        await zipOf(docs.slice(k, k + 500).map((b, j): [string, Buffer] => [`${k + j}.xml`, b])),
      );
    const before = stack.processes();
    const kills: string[] = [];
    const killOnce = (name: string): void => {
      if (kills.includes(name)) return;
      const pid = stack.processes().find((p) => p.name === name)?.pid;
      assert.ok(pid, `${name} is running`);
      process.kill(pid, 'SIGKILL');
      kills.push(name);
    };
    const { batchIds, retried } = await uploadAll(stack.url, key, zips, {
      clients: 4,
      label: 'load',
      onProgress: (accepted) => {
        if (accepted === 8) killOnce('api-2');
        if (accepted === 16) killOnce('worker-1');
      },
    });
    const retries = Object.values(retried).reduce((n, r) => n + r, 0);
    assert.deepEqual(kills, ['api-2', 'worker-1']);
    await waitFor(
      'every batch to complete',
      async () =>
        (
          await db.queryText<{ n: number }>(
            "select count(*)::int as n from batches where id = any($1::uuid[]) and state = 'completed'",
            [batchIds],
          )
        ).rows[0].n === zips.length,
      300_000,
      500,
    );
    const counts = await db.queryText<{ n: number }>(
      'select count(*)::int as n from documents where batch_id = any($1::uuid[])',
      [batchIds],
    );
    assert.equal(counts.rows[0].n, 20_000, 'every document stored exactly once, retries included');
    const audit = await auditExactlyOnce(db);
    assert.equal(audit.invoices, 20_001); // and the one uploaded by the headers test
    assert.deepEqual(audit.verdicts, { loaded: 20_001 });

    const after = stack.processes();
    for (const name of kills) {
      const was = before.find((p) => p.name === name);
      const now = after.find((p) => p.name === name);
      assert.ok(
        now && now.restarts >= 1 && now.pid !== was?.pid && alive(now.pid),
        `${name} was restarted`,
      );
      assert.match(
        stack.output.join(''),
        new RegExp(`"name":"${name}"[^\\n]*"msg":"process exited; restarting"`),
      );
    }
    process.stdout.write(`      (${retries} upload retries by the clients)\n`);
  });

  it('turns readiness to 503 while PostgreSQL is down, and back to 200 when it returns', async () => {
    postgres('stop');
    try {
      await waitFor(
        'readiness 503',
        async () => (await fetch(`${stack.url}/ready`)).status === 503,
        30_000,
        300,
      );
      assert.equal(
        (await fetch(`${stack.url}/health/`)).status,
        200,
        'liveness does not depend on PostgreSQL',
      );
    } finally {
      postgres('start');
    }
    await waitFor(
      'readiness 200',
      async () => (await fetch(`${stack.url}/ready`)).status === 200,
      60_000,
      300,
    );
  });
});

describe('npm run demo', function () {
  this.timeout(300_000);

  it('brings the system up, uploads the bundled samples through Nginx and accounts for every document', async () => {
    const database = await createTestDatabase('demo');
    const demo = await startStack(database, { DEMO_EXIT: '1', LOG_LEVEL: 'warn' }, 'ops/demo.js');
    const code = await new Promise<number | null>((resolve) =>
      demo.child.once('exit', (c) => resolve(c)),
    );
    const output = demo.output.join('');
    await demo.stop();
    assert.equal(code, 0, output.slice(-3000));
    const m = /(\d+) of (\d+) documents have a verdict/.exec(output);
    assert.ok(m, output.slice(-3000));
    assert.equal(m[1], m[2]);
    assert.ok(Number(m[2]) >= 40);
    assert.match(output, /rejected not-nfe\.xml: NOT_NFE/);
    assert.match(output, /duplicate nfe-1\.xml/);
    assert.match(output, /metrics +http:\/\/127\.0\.0\.1:\d+\/metrics/);
  });
});
