/**
 * Every stable code a document verdict can carry. The table in engine/README.md lists the same
 * codes; `codes.test.ts` fails when the two drift apart.
 */
export const VERDICT_CODES = {
  EMPTY_DOCUMENT: 'The document has no bytes (or only whitespace).',
  DOCUMENT_TOO_LARGE: 'The document is larger than the configured maximum size.',
  ENCODING_UNSUPPORTED: 'The declared or detected encoding is neither UTF-8 nor ISO-8859-1.',
  MALFORMED_XML: 'The bytes are not well-formed XML (truncated, invalid characters, bad nesting).',
  DTD_FORBIDDEN: 'The document carries a DOCTYPE; DTDs and entities are never expanded or fetched.',
  ARCHIVE_INVALID:
    'A zip archive (or an entry in it) cannot be read: corrupt, encrypted or too large.',
  LIMIT_EXCEEDED: 'The XML nests too deep or has too many attributes on one element.',
  NOT_NFE: 'Well-formed XML, but not an NF-e, NFC-e or NF-e event.',
  WRONG_NAMESPACE: 'An NF-e element name in a namespace other than the portal fiscal one.',
  MULTIPLE_DOCUMENTS: 'An envelope (enviNFe, envEvento) holding more than one document.',
  STRUCTURE_INVALID: 'A required group is missing or repeated (infNFe, ide, emit, infEvento).',
  FIELD_INVALID: 'A required field is missing or not in its documented format.',
  SIGNATURE_MISSING: 'The document carries no XMLDSig Signature.',
  SIGNATURE_MALFORMED: 'The Signature lacks a required part (SignedInfo, DigestValue, ...).',
  SIGNATURE_WRAPPING:
    'The Signature does not cover exactly the processed infNFe / infEvento (wrapping attempt).',
  ALGORITHM_UNSUPPORTED:
    'A canonicalization, transform, digest or signature algorithm not allowed.',
  DIGEST_MISMATCH: 'The signed element was changed after signing (its digest does not match).',
  CERTIFICATE_MISSING: 'KeyInfo carries no X509Certificate.',
  CERTIFICATE_INVALID: 'The X509Certificate in KeyInfo cannot be read or holds no RSA key.',
  SIGNATURE_INVALID: 'The SignatureValue does not verify with the certificate in KeyInfo.',
  KEY_FORMAT: 'The chave de acesso is not 44 characters of the allowed alphabet.',
  KEY_CHECK_DIGIT: 'The check digit (mod 11) of the chave de acesso is wrong.',
  KEY_MISMATCH: 'The chave de acesso disagrees with ide, emit or the element Id.',
  CNPJ_INVALID: 'A CNPJ (numeric or alphanumeric) has wrong check digits.',
  CPF_INVALID: 'A CPF has wrong check digits.',
  TOTALS_MISMATCH: 'ICMSTot/vProd differs from the sum of the items vProd (to the cent).',
  PROTOCOL_MISMATCH: 'protNFe/infProt/chNFe is not the chave of the signed infNFe.',
  PROTOCOL_DIGEST_MISMATCH: 'protNFe/infProt/digVal is not the digest of the signed infNFe.',
  PROCESSING_FAILED:
    'An internal error kept the document from being loaded; its bytes are kept for a replay.',
  EVENT_MISMATCH: 'The event Id or its retEvento disagrees with tpEvento, chNFe or nSeqEvento.',
} as const;

export type VerdictCode = keyof typeof VERDICT_CODES;

export function isVerdictCode(code: string): code is VerdictCode {
  return Object.prototype.hasOwnProperty.call(VERDICT_CODES, code);
}

/** A document-level failure raised by a pure stage and turned into a verdict by the caller. */
export class VerdictError extends Error {
  override readonly name = 'VerdictError';
  constructor(
    readonly code: VerdictCode,
    message: string,
  ) {
    super(message);
  }
}
