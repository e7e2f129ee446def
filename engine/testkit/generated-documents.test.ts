import assert from 'node:assert/strict';
import { checkDocument } from '../check-document';
import { VERDICT_CODES } from '../codes';
import { generateEvent, generateInvoice } from './generate-documents';
import { HostileCase, createSigners, hostileCases } from './hostile-documents';
import { xmlsec1Verdict } from './xmlsec1';

describe('generated documents', () => {
  const signers = createSigners();
  const cases: HostileCase[] = hostileCases(signers);

  it('cover every verdict code that a single document can get', () => {
    const covered = new Set(cases.map((c) => c.expected));
    const missing = Object.keys(VERDICT_CODES).filter(
      (code) =>
        code !== 'ARCHIVE_INVALID' && code !== 'PROCESSING_FAILED' && !covered.has(code as never),
    );
    assert.deepEqual(missing, []);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it(`gets ${c.expected}`, () => {
        const v = checkDocument(c.bytes, { maxBytes: c.maxBytes });
        assert.equal(v.ok ? 'ok' : v.code, c.expected, v.message ?? undefined);
        assert.equal(typeof (v.message ?? ''), 'string');
        if (!v.ok) assert.ok((v.message ?? '').length > 10, 'a rejection carries a human message');
      });

      if (c.xmlsec1 !== null) {
        it(`xmlsec1 judges the signature ${c.xmlsec1}, and both engine paths agree with it`, () => {
          assert.equal(xmlsec1Verdict(c.bytes), c.xmlsec1);
          const fast = checkDocument(c.bytes, { maxBytes: 64 * 1024 * 1024, signatureOnly: true });
          const reference = checkDocument(c.bytes, {
            maxBytes: 64 * 1024 * 1024,
            signatureOnly: true,
            signaturePath: 'reference',
          });
          assert.equal(
            fast.signature?.valid === true,
            reference.signature?.valid === true,
            'fast and xml-crypto paths disagree',
          );
          // Binding failures (wrapping) are ours to catch: xmlsec1 only proves the signature.
          if (fast.code !== 'SIGNATURE_WRAPPING') {
            assert.equal(fast.signature?.valid === true ? 'valid' : 'invalid', c.xmlsec1);
          }
        });
      }
    });
  }

  it('sends signatures outside the NF-e profile through the xml-crypto path', () => {
    const c = cases.find((h) => h.name === 'nfe-exclusive-c14n-sha512') as HostileCase;
    const v = checkDocument(c.bytes);
    assert.equal(v.ok, true, v.message ?? '');
    assert.equal(v.signature?.path, 'reference');
    assert.equal(v.signature?.digestAlgorithm, 'sha512');
    const tampered = Buffer.from(c.bytes.toString('utf8').replace(/<vNF>[^<]*</, '<vNF>0.02<'));
    assert.equal(checkDocument(tampered).code, 'DIGEST_MISMATCH');
  });

  it('a volume of varied documents is accepted by the engine and by xmlsec1', () => {
    const docs = [];
    for (let seed = 100; seed < 260; seed++) {
      const model = seed % 3 === 0 ? 65 : 55;
      const signer = seed % 5 === 0 ? signers.alphanumeric : signers.main;
      const algorithms =
        seed % 4 === 0 ? ({ digest: 'sha256', signature: 'rsa-sha256' } as const) : undefined;
      const doc = generateInvoice(signer, {
        seed,
        model,
        algorithms,
        items: 1 + (seed % 12),
        withProtocol: seed % 2 === 0,
        encoding: seed % 7 === 0 ? 'latin1' : 'utf8',
        noncanonical: seed % 11 === 0,
      });
      docs.push(doc);
      if (seed % 9 === 0)
        docs.push(
          generateEvent(signer, {
            chave: doc.chave,
            tpEvento: seed % 2 ? '110110' : '110111',
            sequence: 1 + (seed % 3),
          }),
        );
    }
    for (const d of docs) {
      const v = checkDocument(d.bytes);
      assert.equal(v.ok, true, `${v.code}: ${v.message}`);
      assert.equal(v.chave, d.chave);
      if (v.document?.type === 'invoice') {
        assert.equal(v.document.items.length, d.items);
        assert.equal(v.document.totals.vNF, d.vNF);
      }
    }
    for (const d of docs.filter((_, k) => k % 8 === 0))
      assert.equal(xmlsec1Verdict(d.bytes), 'valid');
  });
});
