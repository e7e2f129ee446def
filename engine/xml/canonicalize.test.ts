import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCorpus } from '../testkit/corpus';
import { canonicalize } from './canonicalize';
import { scanXml } from './scan-xml';

/** libxml2's Canonical XML 1.0 (with comments) of a whole document: an oracle independent of our code. */
function xmllintC14n(bytes: Buffer): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'nfe-c14n-'));
  try {
    const file = path.join(dir, 'doc.xml');
    writeFileSync(file, bytes);
    const run = spawnSync('xmllint', ['--c14n', file]);
    if (run.status !== 0) throw new Error(`xmllint failed: ${run.stderr.toString()}`);
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES: [string, string][] = [
  [
    'attribute order and namespaces',
    '<a xmlns:z="urn:z" xmlns:b="urn:b" z:k="1" b:k="2" k="3" a="4" xmlns="urn:d"><b xmlns="urn:d" xmlns:b="urn:b" xmlns:c="urn:c"/></a>',
  ],
  ['default namespace undeclared', '<a xmlns="urn:a"><b xmlns=""><c xmlns=""/></b></a>'],
  ['escapes in text', '<a>1 &lt; 2 &amp;&amp; 3 &gt; 2 "q" \'s\' &#xD; &#13;</a>'],
  ['escapes in attributes', '<a v="&lt;&amp;&quot;&#9;&#10;&#13;>\'" w=\'"x"\'/>'],
  ['whitespace in attributes', '<a v="l1\r\nl2\tl3\nl4"/>'],
  ['line ends in text', '<a>l1\r\nl2\rl3\n</a>'],
  ['CDATA', '<a><![CDATA[<b>&amp;]]>\r\n]]&gt;</a>'],
  ['comments and processing instructions', '<a><!-- c --><?pi   data  here ?><?empty?>t</a>'],
  ['character references', '<a>&#233;&#x20AC;&#x1F600;</a>'],
  ['self-closing and spaces in tags', '<a  ><b   k = "v" /><c></c ></a >'],
  [
    'ISO-8859-1 source',
    '<?xml version="1.0" encoding="ISO-8859-1"?><a v="\u00e7">\u00e3\u00e9</a>',
  ],
];

describe('canonicalize (C14N 1.0) agrees with libxml2', () => {
  for (const [name, xml] of CASES) {
    it(name, () => {
      const latin1 = xml.includes('ISO-8859-1');
      const bytes = Buffer.from(xml, latin1 ? 'latin1' : 'utf8');
      const doc = scanXml(bytes);
      assert.equal(
        canonicalize(doc, doc.root, { withComments: true }).toString('utf8'),
        xmllintC14n(bytes).toString('utf8'),
      );
    });
  }

  it('on every corpus document', () => {
    for (const f of loadCorpus()) {
      const doc = scanXml(f.bytes);
      assert.ok(
        canonicalize(doc, doc.root, { withComments: true }).equals(xmllintC14n(f.bytes)),
        f.name,
      );
    }
  });

  it('renders namespaces inherited by a subtree on its apex, once', () => {
    const doc = scanXml(
      Buffer.from(
        '<r xmlns="urn:r" xmlns:s="urn:s" xml:lang="pt"><s:e xmlns:s="urn:s" a="1"><f/></s:e></r>',
      ),
    );
    const apex = doc.root.children[0];
    assert.equal(
      canonicalize(doc, apex).toString(),
      '<s:e xmlns="urn:r" xmlns:s="urn:s" a="1" xml:lang="pt"><f></f></s:e>',
    );
  });

  it('drops comments unless asked to keep them', () => {
    const doc = scanXml(Buffer.from('<a><!-- c -->t</a>'));
    assert.equal(canonicalize(doc, doc.root).toString(), '<a>t</a>');
  });

  it('leaves out the excluded element (enveloped signature)', () => {
    const doc = scanXml(Buffer.from('<a><b>1</b><Signature><x/></Signature>\n</a>'));
    assert.equal(
      canonicalize(doc, doc.root, { exclude: doc.root.children[1] }).toString(),
      '<a><b>1</b>\n</a>',
    );
  });
});
