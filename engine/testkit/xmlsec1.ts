import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The independent reference: xmlsec1 (libxmlsec1 + OpenSSL) verifying a document's signature with
 * the key in KeyInfo, Id attributes registered on infNFe and infEvento. `--insecure` skips chain
 * validation (throw-away and archive certificates are not trusted roots here), not the signature.
 */
export function xmlsec1Verdict(bytes: Uint8Array): 'valid' | 'invalid' {
  const dir = mkdtempSync(path.join(tmpdir(), 'nfe-xmlsec1-'));
  try {
    const file = path.join(dir, 'doc.xml');
    writeFileSync(file, bytes);
    const run = spawnSync(
      'xmlsec1',
      ['--verify', '--insecure', '--id-attr:Id', 'infNFe', '--id-attr:Id', 'infEvento', file],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (run.error) throw run.error;
    return run.status === 0 ? 'valid' : 'invalid';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function hasXmlsec1(): boolean {
  return spawnSync('xmlsec1', ['--version']).status === 0;
}
