import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateEvent, generateInvoice } from '../testkit/generate-documents';
import { createSigners } from '../testkit/hostile-documents';
import { zipOf } from '../testkit/pipeline-fixtures';
import { CheckLine } from './check-command';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'nfe-ingest.js');

function run(...args: string[]): { status: number; lines: string[]; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return {
    status: r.status ?? -1,
    lines: r.stdout.split('\n').filter((l) => l !== ''),
    stderr: r.stderr,
  };
}

describe('nfe-ingest check', () => {
  const signers = createSigners();
  const nfe = generateInvoice(signers.main, { seed: 41 });
  const nfce = generateInvoice(signers.main, { seed: 42, model: 65 });
  const event = generateEvent(signers.main, { chave: nfe.chave });
  const tampered = Buffer.from(nfe.xml.replace(/<vNF>[^<]*</, '<vNF>0.01<'));
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nfe-cli-'));
    mkdirSync(path.join(dir, 'good', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'good', 'nfe.xml'), nfe.bytes);
    writeFileSync(path.join(dir, 'good', 'sub', 'event.xml'), event.bytes);
    writeFileSync(path.join(dir, 'good', 'sub', 'danfe.pdf'), '%PDF-1.4 not a document to check');
    writeFileSync(path.join(dir, 'tampered.xml'), tampered);
    const inner = await zipOf([['nfce.xml', nfce.bytes]]);
    writeFileSync(
      path.join(dir, 'batch.zip'),
      await zipOf([
        ['a/nfe.xml', nfe.bytes],
        ['readme.txt', Buffer.from('skip me')],
        ['inner.zip', inner],
      ]),
    );
    writeFileSync(
      path.join(dir, 'corrupt.zip'),
      Buffer.from('PK\u0003\u0004 this is not really a zip'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object per document and exits 0 when all are ok', () => {
    const r = run('check', '--json', path.join(dir, 'good'), path.join(dir, 'batch.zip'));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.lines.map((l) => JSON.parse(l) as CheckLine);
    assert.equal(lines.length, 4, 'the .pdf and .txt are not documents');
    const byEntry = new Map(lines.map((l) => [`${path.basename(l.file)}|${l.entry}`, l]));
    assert.deepEqual(byEntry.get('nfe.xml|null'), {
      file: path.join(dir, 'good', 'nfe.xml'),
      entry: null,
      ok: true,
      kind: 'nfe',
      chave: nfe.chave,
      code: null,
      message: null,
      items: nfe.items,
      vNF: nfe.vNF,
    });
    assert.equal(byEntry.get('event.xml|null')?.kind, 'event');
    assert.equal(byEntry.get('event.xml|null')?.vNF, null);
    assert.equal(byEntry.get('batch.zip|a/nfe.xml')?.chave, nfe.chave);
    const nested = byEntry.get('batch.zip|inner.zip!nfce.xml');
    assert.equal(nested?.kind, 'nfce');
    assert.equal(nested?.items, nfce.items);
  });

  it('exits 1 and gives the code and message of a rejected document', () => {
    const r = run('check', '--json', path.join(dir, 'tampered.xml'), path.join(dir, 'corrupt.zip'));
    assert.equal(r.status, 1);
    const [t, z] = r.lines.map((l) => JSON.parse(l) as CheckLine);
    assert.equal(t.ok, false);
    assert.equal(t.code, 'DIGEST_MISMATCH');
    assert.equal(t.chave, nfe.chave);
    assert.equal(z.code, 'ARCHIVE_INVALID');
    assert.equal(z.kind, 'unknown');
  });

  it('prints a readable table and a summary without --json', () => {
    const r = run('check', dir);
    assert.equal(r.status, 1);
    const text = r.lines.join('\n');
    assert.match(text, /^RESULT\s+KIND\s+CHAVE/);
    assert.match(text, /DIGEST_MISMATCH: the signed <infNFe> was modified after signing/);
    assert.match(
      text,
      /6 documents: 4 ok, 2 rejected \((DIGEST_MISMATCH 1, ARCHIVE_INVALID 1|ARCHIVE_INVALID 1, DIGEST_MISMATCH 1)\)/,
    );
  });

  it('exits 2 on usage errors', () => {
    assert.equal(run('check').status, 2);
    assert.equal(run('check', '--bogus', dir).status, 2);
    const missing = run('check', path.join(dir, 'missing.xml'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file or folder/);
    assert.equal(missing.lines.length, 0, 'nothing is printed on stdout before a usage error');
    assert.equal(run('frobnicate').status, 2);
    assert.equal(run('check', '--help').status, 0);
  });
});
