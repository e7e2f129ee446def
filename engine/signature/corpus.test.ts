import assert from 'node:assert/strict';
import { checkDocument } from '../check-document';
import { loadCorpus } from '../testkit/corpus';
import { xmlsec1Verdict } from '../testkit/xmlsec1';

const SUPPORTED_ROOTS = new Set([
  'nfeProc',
  'NFe',
  'procEventoNFe',
  'evento',
  'enviNFe',
  'nfeDadosMsg',
  'Envelope',
]);

describe('signature verdicts on the real corpus', () => {
  const corpus = loadCorpus();

  it('has the expected mix of files', () => {
    assert.ok(corpus.length >= 30, `only ${corpus.length} corpus files`);
    assert.ok(corpus.some((f) => f.verifies === true));
    assert.ok(corpus.some((f) => f.verifies === false));
  });

  for (const f of corpus) {
    describe(f.name, () => {
      it('fast path, xml-crypto path, xmlsec1 and MANIFEST.tsv agree on the signature', () => {
        const fast = checkDocument(f.bytes);
        const reference = checkDocument(f.bytes, { signaturePath: 'reference' });
        const xmlsec1 = xmlsec1Verdict(f.bytes);
        const expected = f.verifies === true ? 'valid' : 'invalid';
        assert.equal(xmlsec1, expected, 'xmlsec1 disagrees with MANIFEST.tsv');
        assert.equal(
          fast.signature?.valid === true ? 'valid' : 'invalid',
          expected,
          `fast path: ${fast.code} ${fast.message}`,
        );
        assert.equal(
          reference.signature?.valid === true ? 'valid' : 'invalid',
          expected,
          `xml-crypto path: ${reference.code} ${reference.message}`,
        );
        if (f.verifies === null) assert.equal(fast.code, 'SIGNATURE_MISSING');
      });

      it('locates and parses the document without error', () => {
        assert.ok(SUPPORTED_ROOTS.has(f.root), `unexpected root ${f.root}`);
        const v = checkDocument(f.bytes);
        assert.notEqual(v.kind, 'unknown');
        assert.ok(v.document !== null, `not parsed: ${v.code} ${v.message}`);
        for (const p of v.problems) {
          assert.ok(
            !['FIELD_INVALID', 'STRUCTURE_INVALID', 'MALFORMED_XML', 'NOT_NFE'].includes(p.code),
            `${p.code}: ${p.message}`,
          );
        }
        if (v.document.type === 'invoice') {
          assert.equal(v.document.items.length, f.items, 'item count differs from MANIFEST.tsv');
          assert.equal(v.kind, v.document.model === 55 ? 'nfe' : 'nfce');
        } else {
          assert.equal(v.kind, 'event');
        }
      });
    });
  }

  it('explains exactly the digest failures caused by pretty-printing after signing', () => {
    for (const f of corpus.filter((c) => c.verifies === false)) {
      const v = checkDocument(f.bytes);
      const prettyPrinted = /removing inter-tag whitespace/.test(f.verifiesNote);
      assert.equal(v.signature?.reformatted === true, prettyPrinted, f.name);
      if (prettyPrinted) {
        assert.equal(v.code, 'DIGEST_MISMATCH');
        assert.match(v.message ?? '', /whitespace was added between tags/);
      }
    }
  });

  it('records the signer certificate even when it has expired', () => {
    const v = checkDocument(
      corpus.find((f) => f.name.startsWith('sped-nfe__nfe_v310'))?.bytes as Buffer,
    );
    assert.equal(v.ok, true);
    const cert = v.signature?.certificate;
    assert.ok(cert);
    assert.ok(new Date(cert.notAfter) < new Date(), 'this archive certificate has expired');
    assert.match(cert.serialNumber, /^[0-9A-F]+$/);
  });
});
