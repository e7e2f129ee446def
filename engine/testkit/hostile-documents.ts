import { VerdictCode } from '../codes';
import {
  cnpjFrom,
  cpfFrom,
  generateEvent,
  generateInvoice,
  GeneratedDocument,
  NS_NFE,
  signatureFor,
  canonicalUnderNfe,
} from './generate-documents';
import { createThrowawaySigner, ThrowawaySigner } from './throwaway-signer';

/**
 * Every hostile or unusual input the engine must answer with its own verdict, built from documents
 * signed with a throw-away key. `xmlsec1` says what the independent reference implementation
 * concludes about the signature alone (null where there is no signature to judge).
 */
export interface HostileCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly expected: VerdictCode | 'ok';
  readonly xmlsec1: 'valid' | 'invalid' | null;
  /** Check options this case needs (the 10 MB case raises the size limit in one variant). */
  readonly maxBytes?: number;
}

export interface Signers {
  readonly main: ThrowawaySigner;
  readonly other: ThrowawaySigner;
  readonly expired: ThrowawaySigner;
  readonly alphanumeric: ThrowawaySigner;
}

/** Certificates valid from 2020 to 2030, like a real e-CNPJ covering the documents it signs. */
const VALID = {
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2030-12-31T00:00:00Z'),
};

export function createSigners(): Signers {
  return {
    main: createThrowawaySigner({
      ...VALID,
      cnpj: cnpjFrom('112223330001'),
      name: 'EMPRESA TESTE PRINCIPAL',
    }),
    other: createThrowawaySigner({
      ...VALID,
      cnpj: cnpjFrom('445556660001'),
      name: 'OUTRA EMPRESA',
    }),
    expired: createThrowawaySigner({
      cnpj: cnpjFrom('778889990001'),
      name: 'EMPRESA CERTIFICADO VENCIDO',
      notBefore: new Date('2017-01-01T00:00:00Z'),
      notAfter: new Date('2018-01-01T00:00:00Z'),
    }),
    alphanumeric: createThrowawaySigner({
      ...VALID,
      cnpj: cnpjFrom('12ABC34501DE'),
      name: 'EMPRESA CNPJ ALFANUMERICO',
    }),
  };
}

const text = (d: GeneratedDocument): string => d.xml;
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Replaces the first match, failing loudly when the edit does not apply (a silent no-op would make a case pass for the wrong reason). */
function edit(source: string, find: string | RegExp, replacement: string): string {
  const out = source.replace(find, replacement);
  if (out === source) throw new Error(`hostile edit did not apply: ${String(find)}`);
  return out;
}

function infNFeOf(xml: string): string {
  const m = /<infNFe[\s\S]*?<\/infNFe>/.exec(xml);
  if (m === null) throw new Error('no infNFe');
  return m[0];
}

export function hostileCases(signers: Signers): HostileCase[] {
  const { main, other, expired, alphanumeric } = signers;
  const good = generateInvoice(main, { seed: 11 });
  const g = text(good);
  const cases: HostileCase[] = [];
  const add = (
    name: string,
    data: Buffer | string,
    expected: HostileCase['expected'],
    xmlsec1: HostileCase['xmlsec1'],
    maxBytes?: number,
  ): void => {
    cases.push({
      name,
      bytes: typeof data === 'string' ? bytes(data) : data,
      expected,
      xmlsec1,
      maxBytes,
    });
  };

  // Good documents of every supported shape.
  add('nfe-proc-sha1', good.bytes, 'ok', 'valid');
  add(
    'nfce-bare',
    generateInvoice(main, { model: 65, withProtocol: false, seed: 12 }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-sha256',
    generateInvoice(main, { seed: 13, algorithms: { digest: 'sha256', signature: 'rsa-sha256' } })
      .bytes,
    'ok',
    'valid',
  );
  // Outside the NF-e profile: verified through the reference path (xml-crypto).
  add(
    'nfe-exclusive-c14n-sha512',
    generateInvoice(main, {
      seed: 34,
      algorithms: { digest: 'sha512', signature: 'rsa-sha256', canonicalization: 'exc-c14n' },
    }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-iso-8859-1',
    generateInvoice(main, { seed: 14, encoding: 'latin1' }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-no-declaration',
    generateInvoice(main, { seed: 15, declaration: false }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-noncanonical-serialization',
    generateInvoice(main, { seed: 16, noncanonical: true }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-noncanonical-iso-8859-1',
    generateInvoice(main, { seed: 17, noncanonical: true, encoding: 'latin1' }).bytes,
    'ok',
    'valid',
  );
  add('nfe-alphanumeric-cnpj', generateInvoice(alphanumeric, { seed: 18 }).bytes, 'ok', 'valid');
  add(
    'nfe-cpf-issuer-and-recipient',
    generateInvoice(main, {
      seed: 19,
      issuerCpf: cpfFrom('123456789'),
      recipient: { cpf: cpfFrom('987654321') },
    }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-expired-certificate',
    generateInvoice(expired, { seed: 20, issuedAt: '2017-06-01T10:00:00-03:00' }).bytes,
    'ok',
    'valid',
  );
  add(
    'nfe-tax-reform-groups',
    generateInvoice(main, { seed: 21, reformGroups: true }).bytes,
    'ok',
    'valid',
  );
  add('nfe-990-items', generateInvoice(main, { seed: 22, items: 990 }).bytes, 'ok', 'valid');
  add(
    'nfe-enviNFe-envelope',
    `<enviNFe xmlns="${NS_NFE}" versao="4.00"><idLote>1</idLote><indSinc>1</indSinc>${edit(g, /^[\s\S]*?(<NFe )/, '$1').replace(/<protNFe[\s\S]*$/, '')}</enviNFe>`,
    'ok',
    'valid',
  );
  add('event-cancellation', generateEvent(main, { chave: good.chave }).bytes, 'ok', 'valid');
  add(
    'event-cancellation-substitution',
    generateEvent(main, { chave: good.chave, tpEvento: '110112' }).bytes,
    'ok',
    'valid',
  );
  add(
    'event-correction-bare',
    generateEvent(main, { chave: good.chave, tpEvento: '110110', withProtocol: false }).bytes,
    'ok',
    'valid',
  );
  add(
    'event-other-type',
    generateEvent(main, { chave: good.chave, tpEvento: '210200' }).bytes,
    'ok',
    'valid',
  );

  // Bytes that are not a usable XML document.
  add('empty', Buffer.alloc(0), 'EMPTY_DOCUMENT', null);
  add('whitespace-only', ' \r\n\t ', 'EMPTY_DOCUMENT', null);
  const huge = generateInvoice(main, { seed: 23, paddingBytes: 10 * 1024 * 1024 });
  add('ten-megabytes', huge.bytes, 'DOCUMENT_TOO_LARGE', 'valid');
  add('ten-megabytes-with-raised-limit', huge.bytes, 'ok', 'valid', 16 * 1024 * 1024);
  add(
    'utf-16',
    Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(g.replace('UTF-8', 'UTF-16'), 'utf16le'),
    ]),
    'ENCODING_UNSUPPORTED',
    null,
  );
  add(
    'windows-1252-declared',
    edit(g, 'encoding="UTF-8"', 'encoding="windows-1252"'),
    'ENCODING_UNSUPPORTED',
    null,
  );
  add(
    'truncated',
    good.bytes.subarray(0, Math.floor(good.bytes.length * 0.6)),
    'MALFORMED_XML',
    null,
  );
  add(
    'not-xml-pdf',
    Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'),
    'MALFORMED_XML',
    null,
  );
  const badUtf8 = Buffer.from(g, 'utf8');
  const at = badUtf8.indexOf('<xFant>') + 7;
  add(
    'invalid-utf-8',
    Buffer.concat([badUtf8.subarray(0, at), Buffer.from([0xff, 0xfe]), badUtf8.subarray(at)]),
    'MALFORMED_XML',
    null,
  );
  add(
    'undefined-entity',
    edit(g, '<xFant>LOJA TESTE</xFant>', '<xFant>&nbsp;LOJA</xFant>'),
    'MALFORMED_XML',
    null,
  );
  add(
    'xxe-external-entity',
    edit(
      g,
      /<nfeProc /,
      '<!DOCTYPE nfeProc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><nfeProc ',
    ).replace('<xFant>LOJA TESTE</xFant>', '<xFant>&xxe;</xFant>'),
    'DTD_FORBIDDEN',
    null,
  );
  const lol = [
    '<!ENTITY lol "lol">',
    ...Array.from(
      { length: 9 },
      (_, k) => `<!ENTITY lol${k + 1} "${`&lol${k === 0 ? '' : k};`.repeat(10)}">`,
    ),
  ].join('');
  add(
    'billion-laughs',
    `<?xml version="1.0"?><!DOCTYPE lolz [${lol}]><lolz>&lol9;</lolz>`,
    'DTD_FORBIDDEN',
    null,
  );
  add('deep-nesting', `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`, 'LIMIT_EXCEEDED', null);
  add(
    'many-attributes',
    `<NFe xmlns="${NS_NFE}" ${Array.from({ length: 200 }, (_, k) => `a${k}="x"`).join(' ')}/>`,
    'LIMIT_EXCEEDED',
    null,
  );

  // Well-formed XML that is not an NF-e, or not shaped like one.
  add('not-nfe', '<?xml version="1.0"?><invoice><number>1</number></invoice>', 'NOT_NFE', null);
  add(
    'cte-document',
    '<cteProc xmlns="http://www.portalfiscal.inf.br/cte" versao="4.00"><CTe/></cteProc>',
    'NOT_NFE',
    null,
  );
  add(
    'wrong-namespace',
    g.split(NS_NFE).join('http://www.portalfiscal.inf.br/nfe/v5'),
    'WRONG_NAMESPACE',
    null,
  );
  const bareNfe = edit(g, /^[\s\S]*?(<NFe )/, '$1').replace(/<protNFe[\s\S]*$/, '');
  add(
    'envelope-with-two-documents',
    `<enviNFe xmlns="${NS_NFE}" versao="4.00"><idLote>1</idLote><indSinc>0</indSinc>${bareNfe}${bareNfe}</enviNFe>`,
    'MULTIPLE_DOCUMENTS',
    null,
  );
  add(
    'two-infNFe',
    edit(g, '</infNFe>', `</infNFe>${infNFeOf(g).replace(/Id="NFe/, 'Id="NFx')}`),
    'STRUCTURE_INVALID',
    null,
  );
  add(
    'field-invalid-nNF',
    generateInvoice(main, { seed: 24, mutate: (p) => void (p.ide.nNF = 'ABC') }).bytes,
    'FIELD_INVALID',
    'valid',
  );

  // Signature structure and wrapping.
  add(
    'signature-missing',
    edit(g, /<Signature[\s\S]*<\/Signature>/, ''),
    'SIGNATURE_MISSING',
    'invalid',
  );
  add(
    'signature-malformed',
    edit(g, /<DigestValue>[^<]*<\/DigestValue>/, ''),
    'SIGNATURE_MALFORMED',
    'invalid',
  );
  // Classic wrapping: a forged infNFe where the verifier reads fields, the signed original hidden
  // elsewhere (after protNFe) under the same Id. (Inside the Signature it would be removed by the
  // enveloped-signature transform.)
  const original = infNFeOf(g);
  const forged = original.replace(/<vNF>[^<]*<\/vNF>/, '<vNF>1.00</vNF>');
  add(
    'wrapping-duplicate-id',
    edit(edit(g, original, forged), '</nfeProc>', `${original}</nfeProc>`),
    'SIGNATURE_WRAPPING',
    'invalid',
  );
  // The Reference names another, validly signed element: xmlsec1 verifies the signature (it does
  // not know which element the document is about); the engine rejects the binding.
  const decoy = generateInvoice(main, { seed: 25 });
  const decoyInf = canonicalUnderNfe(infNFeOf(decoy.xml).replace(/Id="NFe/, 'Id="DECOY'));
  const decoyId = /Id="([^"]+)"/.exec(decoyInf)?.[1] as string;
  const decoySig = signatureFor(decoyInf, decoyId, main);
  const wrapped = edit(
    edit(g, /<Signature[\s\S]*<\/Signature>/, decoySig.xml),
    '</nfeProc>',
    `${decoyInf}</nfeProc>`,
  );
  add('wrapping-reference-to-other-element', wrapped, 'SIGNATURE_WRAPPING', 'valid');
  add(
    'two-signatures',
    edit(g, '</Signature>', `</Signature>${/<Signature[\s\S]*<\/Signature>/.exec(g)?.[0]}`),
    'SIGNATURE_WRAPPING',
    null,
  );

  // Cryptographic failures.
  add(
    'digest-mismatch-content-changed',
    edit(g, /<vNF>([^<]*)<\/vNF>/, '<vNF>0.01</vNF>'),
    'DIGEST_MISMATCH',
    'invalid',
  );
  add(
    'digest-mismatch-pretty-printed',
    edit(g, original, original.replace(/></g, '>\n  <')),
    'DIGEST_MISMATCH',
    'invalid',
  );
  const sigValue = /<SignatureValue>([^<]*)<\/SignatureValue>/.exec(g)?.[1] as string;
  const flipped = sigValue[10] === 'A' ? 'B' : 'A';
  add(
    'signature-value-tampered',
    edit(g, sigValue, sigValue.slice(0, 10) + flipped + sigValue.slice(11)),
    'SIGNATURE_INVALID',
    'invalid',
  );
  add(
    'signed-with-another-key',
    edit(g, main.certificateBase64, other.certificateBase64),
    'SIGNATURE_INVALID',
    'invalid',
  );
  add(
    'algorithm-unsupported-md5',
    edit(g, 'http://www.w3.org/2000/09/xmldsig#sha1', 'http://www.w3.org/2001/04/xmldsig-more#md5'),
    'ALGORITHM_UNSUPPORTED',
    'invalid',
  );
  add(
    'certificate-missing',
    edit(g, /<KeyInfo>[\s\S]*<\/KeyInfo>/, ''),
    'CERTIFICATE_MISSING',
    'invalid',
  );
  add(
    'certificate-invalid',
    edit(g, main.certificateBase64, Buffer.from('not a certificate at all').toString('base64')),
    'CERTIFICATE_INVALID',
    'invalid',
  );

  // Properly signed documents that break the business rules.
  const wrongDv = (p: { chave: string }): void => {
    p.chave = p.chave.slice(0, 43) + String((Number(p.chave[43]) + 1) % 10);
  };
  add(
    'key-check-digit',
    generateInvoice(main, { seed: 26, mutate: wrongDv }).bytes,
    'KEY_CHECK_DIGIT',
    'valid',
  );
  add(
    'key-format',
    generateInvoice(main, { seed: 27, mutate: (p) => void (p.chave = p.chave.slice(0, 43)) }).bytes,
    'KEY_FORMAT',
    'valid',
  );
  add(
    'key-mismatch-nNF',
    generateInvoice(main, {
      seed: 28,
      mutate: (p) => void (p.ide.nNF = String(Number(p.ide.nNF) + 1)),
    }).bytes,
    'KEY_MISMATCH',
    'valid',
  );
  add(
    'cnpj-invalid-recipient',
    generateInvoice(main, { seed: 29, recipient: { cnpj: '11222333000182' } }).bytes,
    'CNPJ_INVALID',
    'valid',
  );
  add(
    'cpf-invalid-recipient',
    generateInvoice(main, { seed: 30, recipient: { cpf: '12345678901' } }).bytes,
    'CPF_INVALID',
    'valid',
  );
  add(
    'totals-mismatch',
    generateInvoice(main, { seed: 31, mutate: (p) => void (p.totals.vProd = '0.01') }).bytes,
    'TOTALS_MISMATCH',
    'valid',
  );
  add(
    'protocol-chave-mismatch',
    generateInvoice(main, {
      seed: 32,
      mutate: (p) => void (p.protocol = { cStat: '100', chave: good.chave }),
    }).bytes,
    'PROTOCOL_MISMATCH',
    'valid',
  );
  add(
    'protocol-digest-mismatch',
    generateInvoice(main, {
      seed: 33,
      mutate: (p) => void (p.protocol = { cStat: '100', digVal: good.digestValue }),
    }).bytes,
    'PROTOCOL_DIGEST_MISMATCH',
    'valid',
  );
  add(
    'event-id-mismatch',
    generateEvent(main, {
      chave: good.chave,
      mutate: (p) => void (p.id = p.id.slice(0, -2) + '07'),
    }).bytes,
    'EVENT_MISMATCH',
    'valid',
  );
  add(
    'event-receipt-mismatch',
    generateEvent(main, { chave: good.chave, mutate: (p) => void (p.retChave = decoy.chave) })
      .bytes,
    'EVENT_MISMATCH',
    'valid',
  );
  return cases;
}
