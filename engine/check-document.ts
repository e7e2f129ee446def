import { VerdictCode, VerdictError } from './codes';
import { DocumentRoot, LocatedDocument, locateDocument } from './classify/locate-document';
import { parseEvent } from './parse/parse-event';
import { parseInvoice } from './parse/parse-invoice';
import { FieldReader } from './parse/read-fields';
import { ParsedDocument } from './parse/types';
import { SignatureCheck, verifySignature } from './signature/verify-signature';
import { Problem, checkEvent, checkInvoice } from './validate/business-rules';
import { DEFAULT_SCAN_LIMITS, scanXml } from './xml/scan-xml';
import { attributeOf } from './xml/decode-text';
import { XmlDocument } from './xml/xml-tree';

export type DocumentKind = 'nfe' | 'nfce' | 'event' | 'unknown';

/** Everything the engine concludes about one document. Pure data, safe to serialize. */
export interface DocumentVerdict {
  readonly ok: boolean;
  /** null when ok; otherwise the first problem's code. */
  readonly code: VerdictCode | null;
  readonly message: string | null;
  readonly kind: DocumentKind;
  readonly root: DocumentRoot | null;
  readonly envelopes: readonly string[];
  readonly chave: string | null;
  readonly signature: SignatureCheck | null;
  /**
   * Whether the signer's certificate was within its validity when the document says it was
   * signed (dhEmi / dhEvento). Recorded, never a reason to reject: archives are years old.
   */
  readonly certificateValidAtSigning: boolean | null;
  /** Parsed from the one signed element; present even when a check failed (then it is untrusted). */
  readonly document: ParsedDocument | null;
  /** Every problem found, in the order checked; the verdict is the first. */
  readonly problems: readonly Problem[];
  /** Milliseconds spent scanning and verifying, and parsing and checking (metrics). */
  readonly timings: { readonly verifyMs: number; readonly parseMs: number };
}

export interface CheckOptions {
  /** Largest document accepted, in bytes (default 5 MiB; SEFAZ caps a whole NF-e message at 500 KiB). */
  readonly maxBytes?: number;
  /** Skip parsing and business rules: signature verdict only. */
  readonly signatureOnly?: boolean;
  /** Force the xml-crypto path for the cryptographic checks. */
  readonly signaturePath?: 'auto' | 'reference';
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

function isBlank(bytes: Uint8Array): boolean {
  for (let k = 0; k < bytes.length; k++) {
    const c = bytes[k];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

function kindOf(doc: XmlDocument, located: LocatedDocument): DocumentKind {
  if (located.container.local === 'evento') return 'event';
  const mod = located.signed.child('ide')?.child('mod');
  if (mod === undefined) return 'unknown';
  const text = (doc.bytes as Buffer).toString('latin1', mod.openEnd, mod.closeStart).trim();
  return text === '55' ? 'nfe' : text === '65' ? 'nfce' : 'unknown';
}

function chaveFromId(doc: XmlDocument, located: LocatedDocument): string | null {
  const id = attributeOf(doc, located.signed, 'Id');
  if (id === undefined) return null;
  if (located.container.local === 'NFe') return id.startsWith('NFe') ? id.slice(3) : id;
  // infEvento Id: "ID" + tpEvento(6) + chNFe(44) + nSeqEvento(2).
  return id.length === 54 && id.startsWith('ID') ? id.slice(8, 52) : null;
}

function rejected(code: VerdictCode, message: string): DocumentVerdict {
  return {
    ok: false,
    code,
    message,
    kind: 'unknown',
    root: null,
    envelopes: [],
    chave: null,
    signature: null,
    certificateValidAtSigning: null,
    document: null,
    problems: [{ code, message }],
    timings: { verifyMs: 0, parseMs: 0 },
  };
}

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * The engine's pure pipeline for one document: scan the exact bytes, locate the document, verify its
 * signature, parse the signed element and apply the business rules. Never throws for bad input:
 * every failure is a verdict with a stable code.
 */
export function checkDocument(bytes: Uint8Array, options: CheckOptions = {}): DocumentVerdict {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes.length === 0 || isBlank(bytes))
    return rejected('EMPTY_DOCUMENT', 'the document is empty');
  if (bytes.length > maxBytes) {
    return rejected(
      'DOCUMENT_TOO_LARGE',
      `the document has ${bytes.length} bytes; the limit is ${maxBytes} (an NF-e is at most a few hundred KiB)`,
    );
  }

  const t0 = process.hrtime.bigint();
  let doc: XmlDocument;
  let located: LocatedDocument;
  try {
    doc = scanXml(bytes, DEFAULT_SCAN_LIMITS);
    located = locateDocument(doc, false);
  } catch (err) {
    if (err instanceof VerdictError) return rejected(err.code, err.message);
    throw err;
  }

  const problems: Problem[] = [];
  let signature: SignatureCheck | null = null;
  if (located.signature === null) {
    problems.push({ code: 'SIGNATURE_MISSING', message: 'the document carries no Signature' });
  } else {
    signature = verifySignature(doc, located.signed, located.signature, {
      path: options.signaturePath,
    });
    if (!signature.valid)
      problems.push({ code: signature.code as VerdictCode, message: signature.message ?? '' });
  }

  const verifyMs = since(t0);
  const t1 = process.hrtime.bigint();
  let document: ParsedDocument | null = null;
  if (!options.signatureOnly) {
    const reader = new FieldReader(doc);
    try {
      if (located.container.local === 'NFe') {
        const invoice = parseInvoice(reader, located.signed, located.receipt);
        document = invoice;
        problems.push(...checkInvoice(invoice, signature?.digestValue ?? null));
      } else {
        const event = parseEvent(reader, located.signed, located.receipt);
        document = event;
        problems.push(...checkEvent(event));
      }
    } catch (err) {
      if (!(err instanceof VerdictError)) throw err;
      problems.push({ code: err.code, message: err.message });
    }
  }

  const first = problems[0];
  const cert = signature?.certificate ?? null;
  const signedAt =
    document === null
      ? null
      : Date.parse(document.type === 'invoice' ? document.issuedAt : document.occurredAt);
  return {
    ok: first === undefined,
    code: first?.code ?? null,
    message: first?.message ?? null,
    kind: kindOf(doc, located),
    root: located.root,
    envelopes: located.envelopes,
    chave: document !== null ? document.chave : chaveFromId(doc, located),
    signature,
    certificateValidAtSigning:
      cert === null || signedAt === null || Number.isNaN(signedAt)
        ? null
        : signedAt >= Date.parse(cert.notBefore) && signedAt <= Date.parse(cert.notAfter),
    document,
    problems,
    timings: { verifyMs, parseMs: since(t1) },
  };
}
