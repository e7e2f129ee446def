import { spawnSync } from 'node:child_process';
import { createHash, verify as rsaVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { XMLParser as XMLParserV5 } from 'fast-xml-parser';
import { XMLParser as XMLParserV4 } from 'fast-xml-parser-v4';
import { SaxesParser } from 'saxes';
import { SignedXml } from 'xml-crypto';
import xpath from 'xpath';
import { checkDocument } from '../engine/check-document';
import { GeneratedDocument, generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { scanXml } from '../engine/xml/scan-xml';
import { canonicalize } from '../engine/xml/canonicalize';
import { BenchResult, measure, report } from './measure';

/**
 * Engine benchmark (issue 2): signature verification alone, verify + parse + checks, and the
 * reference implementations on the same generated documents, in one process on one core.
 */
export async function engineBench(documentCount: number): Promise<BenchResult[]> {
  const signers = createSigners();
  // Memory first, in fresh child processes, before this process grows.
  memoryBench(signers.main);
  const docs: GeneratedDocument[] = [];
  for (let seed = 1; seed <= documentCount; seed++) {
    docs.push(generateInvoice(signers.main, { seed, model: seed % 4 === 0 ? 65 : 55 }));
  }
  const bytes = docs.map((d) => d.bytes);
  const strings = docs.map((d) => d.xml);
  const totalBytes = bytes.reduce((s, b) => s + b.length, 0);
  const totalItems = docs.reduce((s, d) => s + d.items, 0);
  console.log(
    `engine: ${docs.length} generated documents, ${(totalBytes / docs.length / 1024).toFixed(1)} KiB and ${(totalItems / docs.length).toFixed(1)} items on average`,
  );

  const results: BenchResult[] = [];
  const run = (name: string, inputs: number, fn: () => number): BenchResult => {
    const r = measure(name, inputs, fn);
    results.push(r);
    return r;
  };

  const fast = run('signature only, fast path (checkDocument signatureOnly)', bytes.length, () => {
    let ok = 0;
    for (const b of bytes) if (checkDocument(b, { signatureOnly: true }).signature?.valid) ok++;
    return ok;
  });

  // The straightforward xml-crypto path, as its README shows it: parse, find the Signature by
  // XPath, load it, checkSignature on the document text.
  const referenceCount = Math.min(200, bytes.length);
  const xmlCrypto = run(
    'signature only, xml-crypto SignedXml.checkSignature',
    referenceCount,
    () => {
      let ok = 0;
      for (let k = 0; k < referenceCount; k++) {
        const xml = strings[k];
        const doc = new DOMParser().parseFromString(xml, 'text/xml');
        const signature = xpath.select1(
          "//*[local-name(.)='Signature' and namespace-uri(.)='http://www.w3.org/2000/09/xmldsig#']",
          doc as unknown as Node,
        );
        const sig = new SignedXml({
          publicCert: signers.main.certificatePem,
          getCertFromKeyInfo: () => null,
        });
        sig.loadSignature(signature as unknown as Node);
        if (sig.checkSignature(xml)) ok++;
      }
      return ok;
    },
  );

  const full = run('verify + parse + checks (checkDocument)', bytes.length, () => {
    let ok = 0;
    for (const b of bytes) if (checkDocument(b).ok) ok++;
    return ok;
  });

  // For scale: the pieces and other parsers on the same documents.
  run('  piece: scanXml (tree over the bytes)', bytes.length, () => {
    let n = 0;
    for (const b of bytes) n += scanXml(b).root.children.length;
    return n;
  });
  const trees = bytes.map((b) => scanXml(b));
  run('  piece: canonicalize infNFe + SHA-1', bytes.length, () => {
    let n = 0;
    for (const t of trees) {
      const inf = t.root.children[0].children[0];
      n += createHash('sha1').update(canonicalize(t, inf)).digest()[0];
    }
    return n;
  });
  const key = signers.main.privateKey;
  const signed = Buffer.from('x'.repeat(700));
  const { sign } = await import('node:crypto');
  const sigBytes = sign('sha1', signed, key);
  run('  piece: SHA-1 + RSA-2048 verify (node:crypto)', bytes.length, () => {
    let n = 0;
    for (let k = 0; k < bytes.length; k++) if (rsaVerify('sha1', signed, key, sigBytes)) n++;
    return n;
  });
  run('  reference: saxes tokenising', bytes.length, () => {
    let n = 0;
    for (const s of strings) {
      const p = new SaxesParser();
      p.on('opentag', () => n++);
      p.write(s).close();
    }
    return n;
  });
  const v4 = new XMLParserV4({ ignoreAttributes: false });
  run('  reference: fast-xml-parser v4 parse', bytes.length, () => {
    let n = 0;
    for (const s of strings) n += Object.keys(v4.parse(s)).length;
    return n;
  });
  const v5 = new XMLParserV5({ ignoreAttributes: false });
  run('  reference: fast-xml-parser v5 parse', Math.min(2000, bytes.length), () => {
    let n = 0;
    for (let k = 0; k < Math.min(2000, strings.length); k++)
      n += Object.keys(v5.parse(strings[k])).length;
    return n;
  });

  report(results);
  const ratio = fast.perSecond / xmlCrypto.perSecond;
  console.log(
    `\nsignature only: ${fast.perSecond.toFixed(0)} docs/s (target ≥ 4000), ${ratio.toFixed(0)}× xml-crypto (target ≥ 100×)`,
  );
  console.log(`verify + parse + checks: ${full.perSecond.toFixed(0)} docs/s (target ≥ 2000)`);
  if (
    fast.checksum !== bytes.length ||
    full.checksum !== bytes.length ||
    xmlCrypto.checksum !== referenceCount
  ) {
    throw new Error(
      'a generated document did not verify: the benchmark is not measuring what it claims',
    );
  }

  return results;
}

/** Peak memory of one 990-item document (and a 10 MB one), measured in a fresh child process. */
export function memoryBench(signer: Parameters<typeof generateInvoice>[0]): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'nfe-bench-mem-'));
  try {
    const big = generateInvoice(signer, { seed: 990, items: 990 });
    const huge = generateInvoice(signer, { seed: 991, paddingBytes: 10 * 1024 * 1024 });
    writeFileSync(path.join(dir, '990.xml'), big.bytes);
    writeFileSync(path.join(dir, '10mb.xml'), huge.bytes);
    for (const [file, label] of [
      ['990.xml', `990-item document (${(big.bytes.length / 1024).toFixed(0)} KiB)`],
      [
        '10mb.xml',
        `10 MB document, limit raised (${(huge.bytes.length / 1024 / 1024).toFixed(1)} MiB)`,
      ],
    ]) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', path.join(__dirname, 'memory-probe.js'), path.join(dir, file)],
        { encoding: 'utf8' },
      );
      if (child.status !== 0) throw new Error(`memory probe failed: ${child.stderr}`);
      const m = JSON.parse(child.stdout) as {
        peakRssDeltaMiB: number;
        heapDeltaMiB: number;
        ms: number;
        ok: boolean;
        items: number;
      };
      console.log(
        `peak memory, ${label}: +${m.peakRssDeltaMiB.toFixed(1)} MiB RSS above baseline (target < 64), heap +${m.heapDeltaMiB.toFixed(1)} MiB, ${m.ms.toFixed(0)} ms, ok=${m.ok}, items=${m.items}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
