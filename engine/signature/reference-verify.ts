import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { VerdictCode } from '../codes';
import { XmlDocument, XmlElement } from '../xml/xml-tree';
import { NS_DSIG } from './algorithms';
import { strictBase64 } from './certificate';

export type ReferenceOutcome = 'valid' | { code: VerdictCode; message: string };

function toPem(base64: string): string {
  const body = strictBase64(base64, 'X509Certificate').toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/**
 * The reference path: xml-crypto checks the digest and the signature of the same Signature element
 * the fast path chose, with the key of the same certificate (never one xml-crypto picks itself).
 * Used for algorithms outside the NF-e profile and, on request, to cross-check the fast path.
 * The binding checks (Reference URI, duplicate Ids) have already run on our own tree.
 */
export function verifyWithXmlCrypto(
  doc: XmlDocument,
  signature: XmlElement,
  certificateBase64: string,
): ReferenceOutcome {
  const xml = (doc.bytes as Buffer).toString(doc.encoding);
  const index = doc.signatures.filter((s) => s.ns === NS_DSIG).indexOf(signature);
  const dom = new DOMParser({ errorHandler: () => undefined }).parseFromString(xml, 'text/xml');
  const node = dom.getElementsByTagNameNS(NS_DSIG, 'Signature').item(index);
  if (node === null)
    return { code: 'SIGNATURE_MALFORMED', message: 'the Signature could not be located' };

  const signed = new SignedXml({
    publicCert: toPem(certificateBase64),
    getCertFromKeyInfo: () => null,
  });
  try {
    signed.loadSignature(node);
    if (!signed.checkSignature(xml)) {
      return {
        code: 'DIGEST_MISMATCH',
        message:
          'the signed element was modified after signing: its digest does not match DigestValue',
      };
    }
    return 'valid';
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/signature value .* is incorrect/.test(text)) {
      return {
        code: 'SIGNATURE_INVALID',
        message: 'the SignatureValue does not verify with the certificate in KeyInfo',
      };
    }
    if (/not supported/.test(text))
      return { code: 'ALGORITHM_UNSUPPORTED', message: text.slice(0, 200) };
    return { code: 'SIGNATURE_MALFORMED', message: `xml-crypto: ${text.slice(0, 200)}` };
  }
}
