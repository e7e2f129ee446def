import { KeyObject, X509Certificate } from 'node:crypto';
import { VerdictError } from '../codes';

/** What we record about the signer's certificate. Validity is recorded, never used to reject. */
export interface CertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  /** CNPJ of an ICP-Brasil e-CNPJ (SAN otherName 2.16.76.1.3.3, else the `NAME:CNPJ` CN). */
  readonly cnpj: string | null;
  /** CPF of an ICP-Brasil e-CPF (SAN otherName 2.16.76.1.3.1). */
  readonly cpf: string | null;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER certificate, hex: a stable id to group documents by signer. */
  readonly fingerprint256: string;
}

export interface SignerKey {
  readonly key: KeyObject;
  readonly facts: CertificateFacts;
}

const OID_CNPJ = Buffer.from([0x06, 0x05, 0x60, 0x4c, 0x01, 0x03, 0x03]);
const OID_CPF_DATA = Buffer.from([0x06, 0x05, 0x60, 0x4c, 0x01, 0x03, 0x01]);

/** Reads one DER TLV header at `i`: returns [tag, contentStart, contentEnd] or null. */
function tlv(der: Buffer, i: number): [number, number, number] | null {
  if (i + 2 > der.length) return null;
  const tag = der[i];
  let len = der[i + 1];
  let p = i + 2;
  if (len & 0x80) {
    const octets = len & 0x7f;
    if (octets === 0 || octets > 3 || p + octets > der.length) return null;
    len = 0;
    for (let k = 0; k < octets; k++) len = (len << 8) | der[p++];
  }
  if (p + len > der.length) return null;
  return [tag, p, p + len];
}

/** Value of an ICP-Brasil SAN otherName: `OID [0] { OCTET STRING | UTF8String | PrintableString }`. */
function otherNameValue(der: Buffer, oid: Buffer): string | null {
  const at = der.indexOf(oid);
  if (at < 0) return null;
  const wrapper = tlv(der, at + oid.length);
  if (wrapper === null || wrapper[0] !== 0xa0) return null;
  const inner = tlv(der, wrapper[1]);
  if (inner === null) return null;
  return der.toString('latin1', inner[1], inner[2]);
}

function certificateDate(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const der = cert.raw;
  let cnpj: string | null = null;
  const sanCnpj = otherNameValue(der, OID_CNPJ);
  if (sanCnpj !== null && /^[0-9A-Z]{12}[0-9]{2}$/.test(sanCnpj)) cnpj = sanCnpj;
  if (cnpj === null) {
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
    cnpj = /:([0-9A-Z]{12}[0-9]{2})$/.exec(cn)?.[1] ?? null;
  }
  const cpfData = otherNameValue(der, OID_CPF_DATA);
  const cpf = cpfData !== null && /^[0-9]{19}/.test(cpfData) ? cpfData.slice(8, 19) : null;
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    cnpj,
    cpf,
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: certificateDate(cert.validFrom),
    notAfter: certificateDate(cert.validTo),
    fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/**
 * Signers repeat across a batch (one issuer, one certificate), so the parsed key is cached by the
 * certificate's base64 text. Bounded: the oldest entry leaves first.
 */
const cache = new Map<string, SignerKey | VerdictError>();
const CACHE_LIMIT = 2048;

export function signerKey(base64: string): SignerKey {
  const hit = cache.get(base64);
  if (hit !== undefined) {
    if (hit instanceof VerdictError) throw hit;
    return hit;
  }
  let result: SignerKey | VerdictError;
  try {
    const der = strictBase64(base64, 'X509Certificate');
    const cert = new X509Certificate(der);
    const key = cert.publicKey;
    if (key.asymmetricKeyType !== 'rsa') {
      result = new VerdictError(
        'CERTIFICATE_INVALID',
        'the certificate in KeyInfo does not hold an RSA key',
      );
    } else {
      result = { key, facts: certificateFacts(cert) };
    }
  } catch (err) {
    result =
      err instanceof VerdictError
        ? new VerdictError('CERTIFICATE_INVALID', err.message)
        : new VerdictError(
            'CERTIFICATE_INVALID',
            'the X509Certificate in KeyInfo cannot be read as DER X.509',
          );
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(base64, result);
  if (result instanceof VerdictError) throw result;
  return result;
}

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Base64 as XMLDSig's base64Binary: whitespace allowed, every other character must belong to the
 * alphabet. Buffer.from(…, 'base64') silently skips what it does not know, which would let a
 * corrupted value through as other bytes.
 */
export function strictBase64(text: string, what: string): Buffer {
  const compact = text.replace(/[ \t\r\n]+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) {
    throw new VerdictError('SIGNATURE_MALFORMED', `${what} is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}
