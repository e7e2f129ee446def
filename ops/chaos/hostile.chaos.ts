import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Db } from '../../engine/db';
import { createSigners, hostileCases } from '../../engine/testkit/hostile-documents';
import {
  auditExactlyOnce,
  tenantWithKey,
  waitFor,
  waitForBatches,
  zipOf,
} from '../../engine/testkit/pipeline-fixtures';
import { storedZipOf } from '../../engine/testkit/stored-zip';
import { createTestDatabase, testConfig, testDb } from '../../engine/testkit/test-databases';
import { Stack, startStack } from '../testing/native-stack';
import { rawRequest } from '../testing/raw-http';
import { uploadAll } from '../testing/upload';
import { zipsOf } from './load';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The `error.code` of a JSON error body, or the body itself (cut short) when it is not one. */
function errorCode(body: string): string {
  try {
    return (JSON.parse(body) as Json).error.code as string;
  } catch {
    return `not JSON: ${JSON.stringify(body.slice(0, 200))}`;
  }
}

/** A response's status and its error code, as the attacks below are judged. */
async function answerOf(r: Response): Promise<{ status: number; code: string }> {
  return { status: r.status, code: errorCode(await r.text()) };
}

/** A stored zip of `count` entries named 0.ext, 1.ext, …, each holding `bytes`. */
function manyEntries(count: number, ext: string, bytes: Buffer): Buffer {
  return storedZipOf(
    Array.from({ length: count }, (_, k): [string, Buffer] => [`${k}.${ext}`, bytes]),
  );
}

/**
 * Hostile inputs through the public endpoint (Nginx, production limits): each gets its documented
 * answer, and a normal client's batch sent during the attack completes.
 */
describe('chaos: hostile inputs through the public endpoint', function () {
  this.timeout(600_000);
  const signers = createSigners();
  let stack: Stack;
  let db: Db;
  let key: string;
  let port: number;

  before(async () => {
    const database = await createTestDatabase('chaos_hostile');
    db = testDb(testConfig(database));
    key = (await tenantWithKey(db, 'hostile')).key;
    // Production limits (not the test suite's small ones).
    stack = await startStack(database, {
      UPLOAD_MAX_BYTES: String(512 * 1024 * 1024),
      UPLOAD_MAX_ENTRIES: '100000',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    port = Number(new URL(stack.url).port);
  });
  after(async () => {
    await db?.close();
    if (stack !== undefined) assert.equal(await stack.stop(), 0);
  });

  const post = (body: Buffer, type = 'application/zip', headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/v1/batches`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': type, ...headers },
      body: new Uint8Array(body),
    });

  it('gives every hostile document of the engine suite its verdict, in one batch', async () => {
    const cases = hostileCases(signers).filter((c) => c.maxBytes === undefined);
    const inZip = cases.filter((c) => c.bytes.length <= 5 * 1024 * 1024);
    // Stored, not deflated: some cases (700 KB of nested tags) would otherwise trip the zip-bomb
    // ratio and refuse the whole upload.
    const res = await post(
      await zipOf(
        inZip.map((c): [string, Buffer] => [`${c.name}.xml`, c.bytes]),
        false,
      ),
    );
    assert.equal(res.status, 202);
    const batch = (await res.json()) as Json;
    await waitForBatches(db, [batch.id]);
    const rows = (
      await db.queryText<{ entry_name: string; verdict: string; code: string | null }>(
        'select entry_name, verdict, code from documents where batch_id = $1',
        [batch.id],
      )
    ).rows;
    for (const c of inZip) {
      const row = rows.find((r) => r.entry_name === `${c.name}.xml`);
      assert.ok(row, c.name);
      if (c.expected === 'ok') assert.notEqual(row.verdict, 'rejected', c.name);
      else assert.equal(row.code, c.expected, c.name);
    }
    // The one over DOCUMENT_MAX_BYTES, alone: refused before anything is stored.
    const big = cases.find((c) => c.expected === 'DOCUMENT_TOO_LARGE') as { bytes: Buffer };
    const tooLarge = await post(big.bytes, 'application/xml');
    assert.deepEqual(await answerOf(tooLarge), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers every attack with its documented status while a normal batch completes', async () => {
    // The normal client: 4,000 documents in 8 zips, sent while the attacks run.
    const normalZips = await zipsOf(signers.main, 4000, 500, 9_000_000);
    const normal = uploadAll(stack.url, key, normalZips, { clients: 2, label: 'normal' });

    // Slow loris: connections that trickle their headers, and uploads that trickle their body.
    const slow: net.Socket[] = [];
    const closedByServer = new Set<net.Socket>();
    for (let k = 0; k < 100; k++) {
      const s = net.connect(port, '127.0.0.1', () =>
        s.write('GET /v1/nfe HTTP/1.1\r\nHost: x\r\n'),
      );
      s.on('error', () => undefined);
      s.on('close', () => closedByServer.add(s));
      slow.push(s);
    }
    const trickle: net.Socket[] = [];
    for (let k = 0; k < 20; k++) {
      const s = net.connect(port, '127.0.0.1', () =>
        s.write(
          `POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/zip\r\nContent-Length: 10000000\r\n\r\nPK`,
        ),
      );
      s.on('error', () => undefined);
      trickle.push(s);
    }
    const dribble = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('X');
      for (const s of trickle) if (!s.destroyed) s.write('\0');
    }, 5_000);

    try {
      const attacks: [string, () => Promise<{ status: number; code?: string }>, number, string][] =
        [
          [
            'a zip bomb: a 4 MiB entry that inflates 1,000 times its size',
            async () => {
              const r = await post(
                await zipOf([['bomb.xml', Buffer.alloc(4 * 1024 * 1024, 0x20)]]),
              );
              return answerOf(r);
            },
            422,
            'ZIP_BOMB',
          ],
          [
            'a zip bomb: a 200 MiB entry (over DOCUMENT_MAX_BYTES, refused from its header)',
            async () => {
              const r = await post(
                await zipOf([['bomb.xml', Buffer.alloc(200 * 1024 * 1024, 0x20)]]),
              );
              return answerOf(r);
            },
            413,
            'PAYLOAD_TOO_LARGE',
          ],
          [
            'zips nested five deep',
            async () => {
              let zip = await zipOf([['a.xml', Buffer.from('<a/>')]]);
              for (let k = 0; k < 5; k++) zip = await zipOf([[`level${k}.zip`, zip]]);
              const r = await post(zip);
              return answerOf(r);
            },
            422,
            'ARCHIVE_INVALID',
          ],
          [
            'a zip of 100,001 entries',
            async () => answerOf(await post(manyEntries(100_001, 'xml', Buffer.from('<a/>')))),
            413,
            'PAYLOAD_TOO_LARGE',
          ],
          [
            'a zip of 100,000 entries none of which is XML',
            async () => answerOf(await post(manyEntries(100_000, 'txt', Buffer.from('x')))),
            422,
            'EMPTY_UPLOAD',
          ],
          [
            'an Idempotency-Key that is not UTF-8',
            async () => {
              const r = await rawRequest(
                port,
                Buffer.concat([
                  Buffer.from(
                    `POST /v1/batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/xml\r\nContent-Length: 4\r\nIdempotency-Key: `,
                  ),
                  Buffer.from([0xc3, 0x28, 0xff]),
                  Buffer.from('\r\n\r\n<a/>'),
                ]),
              );
              return { status: r.status, code: errorCode(r.body) };
            },
            400,
            'BAD_REQUEST',
          ],
          [
            'a 64 KiB header',
            async () => {
              const r = await rawRequest(
                port,
                `GET /v1/nfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Padding: ${'a'.repeat(65_536)}\r\n\r\n`,
              );
              return { status: r.status, code: errorCode(r.body) };
            },
            431,
            'HEADERS_TOO_LARGE',
          ],
          [
            'a malformed request line',
            async () => {
              const r = await rawRequest(port, 'GARBAGE\r\n\r\n');
              return { status: r.status, code: errorCode(r.body) };
            },
            400,
            'BAD_REQUEST',
          ],
        ];
      for (const [name, attack, status, code] of attacks)
        assert.deepEqual(await attack(), { status, code }, name);

      // Entry names shaped like paths outside the zip ("zip slip") refuse the upload, nothing
      // stored or written; a Windows folder name (backslashes) is an ordinary name.
      for (const name of [
        '../../../../tmp/nfe-evil.xml',
        '/etc/nfe-evil.xml',
        'C:\\Windows\\nfe-evil.xml',
        'a/../../b.xml',
      ]) {
        const r = await post(storedZipOf([[name, hostileCases(signers)[0].bytes]]));
        assert.deepEqual(await answerOf(r), { status: 422, code: 'ARCHIVE_INVALID' }, name);
      }
      for (const p of ['/tmp/nfe-evil.xml', '/etc/nfe-evil.xml', '/b.xml'])
        assert.ok(!existsSync(p), `${p} was not written`);
      const windows = await post(
        storedZipOf([['notas\\2026\\nfe.xml', hostileCases(signers)[0].bytes]]),
      );
      const windowsAnswer = (await windows.json()) as Json;
      assert.equal(windows.status, 202, JSON.stringify(windowsAnswer));
      await waitForBatches(db, [windowsAnswer.id as string]);
      const stored = await db.queryText<{ entry_name: string }>(
        'select entry_name from documents where batch_id = $1',
        [windowsAnswer.id],
      );
      assert.deepEqual(stored.rows, [{ entry_name: 'notas/2026/nfe.xml' }]);

      // The normal client finished while all of this went on.
      const load = await normal;
      await waitForBatches(db, load.batchIds, 300_000);
      const verdicts = await db.queryText<{ n: number }>(
        "select count(*)::int as n from documents where batch_id = any($1::uuid[]) and verdict = 'loaded'",
        [load.batchIds],
      );
      assert.equal(verdicts.rows[0].n, 4000);

      // Nginx closes the header slow-loris connections (client_header_timeout 30 s).
      await waitFor(
        'Nginx to close the slow connections',
        async () => closedByServer.size === slow.length,
        60_000,
        500,
      );
    } finally {
      clearInterval(dribble);
      for (const s of [...slow, ...trickle]) s.destroy();
    }
    // Stored: the first test's batch, the normal client's 8 and the Windows-named one; no attack's.
    const batches = await db.queryText<{ n: number }>('select count(*)::int as n from batches');
    assert.equal(batches.rows[0].n, 10);
    await auditExactlyOnce(db);
  });
});
