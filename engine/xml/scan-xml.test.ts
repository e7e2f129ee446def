import assert from 'node:assert/strict';
import { VerdictError } from '../codes';
import { attributeOf, textOf } from './decode-text';
import { scanXml } from './scan-xml';

function scanError(xml: string | Buffer): VerdictError {
  try {
    scanXml(typeof xml === 'string' ? Buffer.from(xml) : xml);
  } catch (err) {
    if (err instanceof VerdictError) return err;
    throw err;
  }
  assert.fail('expected a VerdictError');
}

describe('scanXml', () => {
  it('builds a tree with resolved namespaces and decoded text', () => {
    const doc = scanXml(
      Buffer.from(
        '<?xml version="1.0"?><a xmlns="urn:x" xmlns:p="urn:p"><p:b k="1 &amp; 2">x &lt; y &#233;</p:b><c/></a>',
      ),
    );
    assert.equal(doc.root.local, 'a');
    assert.equal(doc.root.ns, 'urn:x');
    const [b, c] = doc.root.children;
    assert.equal(b.ns, 'urn:p');
    assert.equal(b.local, 'b');
    assert.equal(attributeOf(doc, b, 'k'), '1 & 2');
    assert.equal(textOf(doc, b), 'x < y é');
    assert.equal(c.ns, 'urn:x');
    assert.equal(c.openEnd, c.end, 'self-closing element has no content');
  });

  it('decodes ISO-8859-1 documents', () => {
    const bytes = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>S'),
      Buffer.from([0xc3]),
      Buffer.from('O PAULO</a>'),
    ]);
    const doc = scanXml(bytes);
    assert.equal(doc.encoding, 'latin1');
    assert.equal(textOf(doc, doc.root), 'SÃO PAULO');
  });

  it('normalizes line ends and attribute whitespace as an XML processor does', () => {
    const doc = scanXml(Buffer.from('<a v="1\r\n2\t3">l1\r\nl2\rl3<![CDATA[<x>&]]></a>'));
    assert.equal(attributeOf(doc, doc.root, 'v'), '1 2 3');
    assert.equal(textOf(doc, doc.root), 'l1\nl2\nl3<x>&');
  });

  const malformed: [string, string][] = [
    ['truncated', '<a><b>text</b>'],
    ['mismatched end tag', '<a><b></a></b>'],
    ['text before the root', 'hello <a/>'],
    ['two roots', '<a/><b/>'],
    ['unquoted attribute', '<a v=1/>'],
    ['repeated attribute', '<a v="1" v="2"/>'],
    ['unbound prefix', '<p:a/>'],
    ['undefined entity', '<a>&nbsp;</a>'],
    ['bad character reference', '<a>&#0;</a>'],
    ['control character', '<a>\u0001</a>'],
    ['double hyphen in comment', '<a><!-- a -- b --></a>'],
    ['late XML declaration', '<a><?xml version="1.0"?></a>'],
    ['only a declaration', '<?xml version="1.0"?>'],
  ];
  for (const [name, xml] of malformed) {
    it(`rejects ${name} as MALFORMED_XML`, () =>
      assert.equal(scanError(xml).code, 'MALFORMED_XML'));
  }

  it('rejects invalid UTF-8 unless ISO-8859-1 is declared', () => {
    assert.equal(
      scanError(Buffer.from([0x3c, 0x61, 0x3e, 0xe9, 0x3c, 0x2f, 0x61, 0x3e])).code,
      'MALFORMED_XML',
    );
  });

  it('never accepts a DOCTYPE, with or without entities', () => {
    assert.equal(scanError('<!DOCTYPE a><a/>').code, 'DTD_FORBIDDEN');
    assert.equal(
      scanError('<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>').code,
      'DTD_FORBIDDEN',
    );
  });

  it('bounds nesting depth and attribute count', () => {
    assert.equal(scanError('<a>'.repeat(65) + '</a>'.repeat(65)).code, 'LIMIT_EXCEEDED');
    assert.equal(
      scanError(`<a ${Array.from({ length: 65 }, (_, k) => `x${k}="1"`).join(' ')}/>`).code,
      'LIMIT_EXCEEDED',
    );
  });

  it('refuses encodings other than UTF-8 and ISO-8859-1', () => {
    assert.equal(
      scanError('<?xml version="1.0" encoding="Shift_JIS"?><a/>').code,
      'ENCODING_UNSUPPORTED',
    );
    assert.equal(scanError(Buffer.from('\ufeff<a/>', 'utf16le')).code, 'ENCODING_UNSUPPORTED');
  });

  it('records elements carrying Id attributes for the wrapping checks', () => {
    const doc = scanXml(Buffer.from('<a><b Id="x"/><c ID="y"/><d id="z"/><e/></a>'));
    assert.deepEqual(
      doc.elementsWithId.map((e) => e.local),
      ['b', 'c', 'd'],
    );
  });
});
