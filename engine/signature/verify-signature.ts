import { createHash, verify as rsaVerify } from 'node:crypto';
import { VerdictCode, VerdictError } from '../codes';
import { canonicalize } from '../xml/canonicalize';
import { attributeOf, textOf } from '../xml/decode-text';
import { XmlDocument, XmlElement } from '../xml/xml-tree';
import {
  C14N,
  C14N_WITH_COMMENTS,
  DIGESTS,
  ENVELOPED,
  NS_DSIG,
  REFERENCE_ONLY,
  SIGNATURES,
  shortName,
} from './algorithms';
import { CertificateFacts, SignerKey, signerKey, strictBase64 } from './certificate';
import { verifyWithXmlCrypto } from './reference-verify';

/** The outcome of checking one XMLDSig Signature against the element the document is about. */
export interface SignatureCheck {
  readonly valid: boolean;
  readonly code: VerdictCode | null;
  readonly message: string | null;
  /** 'fast' is the hand-written path; 'reference' is xml-crypto (other algorithms, or on request). */
  readonly path: 'fast' | 'reference';
  readonly digestAlgorithm: string | null;
  readonly signatureAlgorithm: string | null;
  /** DigestValue as written in the Signature (whitespace removed). */
  readonly digestValue: string | null;
  readonly certificate: CertificateFacts | null;
  /** On DIGEST_MISMATCH: true when only whitespace added between tags explains the difference. */
  readonly reformatted: boolean;
}

export interface VerifyOptions {
  /** 'reference' forces xml-crypto for the cryptographic part (agreement tests, benchmarks). */
  readonly path?: 'auto' | 'reference';
}

interface SignatureParts {
  signedInfo: XmlElement;
  c14nMethod: string;
  signatureMethod: string;
  referenceUri: string;
  transforms: string[];
  digestMethod: string;
  digestValue: string;
  signatureValue: string;
  certificate: string | null;
}

function dsigChildren(el: XmlElement, local: string): XmlElement[] {
  return el.childrenNamed(local, NS_DSIG);
}

function one(el: XmlElement, local: string, what: string): XmlElement {
  const found = dsigChildren(el, local);
  if (found.length !== 1) {
    throw new VerdictError(
      'SIGNATURE_MALFORMED',
      found.length === 0
        ? `${what} has no ${local}`
        : `${what} has ${found.length} ${local} elements`,
    );
  }
  return found[0];
}

function algorithmOf(doc: XmlDocument, el: XmlElement): string {
  const alg = attributeOf(doc, el, 'Algorithm');
  if (alg === undefined)
    throw new VerdictError('SIGNATURE_MALFORMED', `${el.local} has no Algorithm`);
  return alg;
}

function readParts(doc: XmlDocument, signature: XmlElement): SignatureParts {
  const signedInfo = one(signature, 'SignedInfo', 'Signature');
  const references = dsigChildren(signedInfo, 'Reference');
  if (references.length === 0)
    throw new VerdictError('SIGNATURE_MALFORMED', 'SignedInfo has no Reference');
  if (references.length > 1) {
    throw new VerdictError(
      'SIGNATURE_WRAPPING',
      `SignedInfo has ${references.length} References; an NF-e signature covers exactly one element`,
    );
  }
  const reference = references[0];
  const transformsEl = dsigChildren(reference, 'Transforms');
  if (transformsEl.length > 1)
    throw new VerdictError('SIGNATURE_MALFORMED', 'Reference has two Transforms');
  const transforms: string[] = [];
  if (transformsEl.length === 1) {
    for (const t of dsigChildren(transformsEl[0], 'Transform')) {
      // A transform with parameters (XPath, inclusive namespaces) is outside the NF-e profile.
      transforms.push(
        t.children.length > 0 ? `${algorithmOf(doc, t)} (with parameters)` : algorithmOf(doc, t),
      );
    }
  }
  const keyInfo = dsigChildren(signature, 'KeyInfo');
  let certificate: string | null = null;
  if (keyInfo.length === 1) {
    for (const data of dsigChildren(keyInfo[0], 'X509Data')) {
      const cert = data.child('X509Certificate', NS_DSIG);
      if (cert !== undefined) {
        certificate = textOf(doc, cert);
        break;
      }
    }
  }
  return {
    signedInfo,
    c14nMethod: algorithmOf(doc, one(signedInfo, 'CanonicalizationMethod', 'SignedInfo')),
    signatureMethod: algorithmOf(doc, one(signedInfo, 'SignatureMethod', 'SignedInfo')),
    referenceUri: attributeOf(doc, reference, 'URI') ?? '',
    transforms,
    digestMethod: algorithmOf(doc, one(reference, 'DigestMethod', 'Reference')),
    digestValue: textOf(doc, one(reference, 'DigestValue', 'Reference')).replace(/\s+/g, ''),
    signatureValue: textOf(doc, one(signature, 'SignatureValue', 'Signature')),
    certificate,
  };
}

/**
 * Reference → target binding, the wrapping defence: the one Reference must name the element the
 * document is about, and no other element may carry the same Id.
 */
function checkBinding(doc: XmlDocument, target: XmlElement, parts: SignatureParts): void {
  const id = attributeOf(doc, target, 'Id');
  if (id === undefined || id === '') {
    throw new VerdictError('STRUCTURE_INVALID', `<${target.local}> has no Id attribute`);
  }
  if (parts.referenceUri !== `#${id}`) {
    throw new VerdictError(
      'SIGNATURE_WRAPPING',
      `the Signature references "${parts.referenceUri.slice(0, 60)}" but the document is about #${id}`,
    );
  }
  for (const el of doc.elementsWithId) {
    if (el === target) continue;
    for (const a of el.attributes) {
      if (a.local !== 'Id' && a.local !== 'ID' && a.local !== 'id') continue;
      if (attributeOf(doc, el, a.name) === id) {
        throw new VerdictError(
          'SIGNATURE_WRAPPING',
          `a second element <${el.name}> carries Id "${id}": the signed element is ambiguous`,
        );
      }
    }
  }
}

type Profile =
  { kind: 'fast'; digest: string; signature: string; comments: boolean } | { kind: 'reference' };

function profileOf(parts: SignatureParts): Profile {
  const known = (uri: string, allowed: boolean): void => {
    if (!allowed && !REFERENCE_ONLY.has(uri)) {
      throw new VerdictError(
        'ALGORITHM_UNSUPPORTED',
        `algorithm ${uri.slice(0, 100)} is not supported`,
      );
    }
  };
  const digest = DIGESTS[parts.digestMethod];
  const signature = SIGNATURES[parts.signatureMethod];
  const c14nOk = parts.c14nMethod === C14N || parts.c14nMethod === C14N_WITH_COMMENTS;
  known(parts.digestMethod, digest !== undefined);
  known(parts.signatureMethod, signature !== undefined);
  known(parts.c14nMethod, c14nOk);
  let transformsOk = true;
  parts.transforms.forEach((t, index) => {
    const isC14n = t === C14N || t === C14N_WITH_COMMENTS;
    const fits = t === ENVELOPED || (isC14n && index === parts.transforms.length - 1);
    if (!fits) {
      known(t, false);
      transformsOk = false;
    }
  });
  if (digest === undefined || signature === undefined || !c14nOk || !transformsOk)
    return { kind: 'reference' };
  return { kind: 'fast', digest, signature, comments: parts.c14nMethod === C14N_WITH_COMMENTS };
}

function isInside(el: XmlElement, ancestor: XmlElement): boolean {
  for (let p: XmlElement | null = el; p !== null; p = p.parent) if (p === ancestor) return true;
  return false;
}

/**
 * Verifies `signature` over `target` on the document's exact bytes: the reference binding, the
 * digest of the canonical target (enveloped-signature + inclusive C14N), and the RSA signature of
 * the canonical SignedInfo with the key of the certificate in KeyInfo. Expired certificates verify;
 * their dates are reported.
 */
export function verifySignature(
  doc: XmlDocument,
  target: XmlElement,
  signature: XmlElement,
  options: VerifyOptions = {},
): SignatureCheck {
  let path: SignatureCheck['path'] = 'fast';
  let parts: SignatureParts | null = null;
  let signer: SignerKey | null = null;
  let reformatted = false;
  const result = (code: VerdictCode | null, message: string | null): SignatureCheck => ({
    valid: code === null,
    code,
    message,
    path,
    digestAlgorithm: parts ? shortName(parts.digestMethod) : null,
    signatureAlgorithm: parts ? shortName(parts.signatureMethod) : null,
    digestValue: parts ? parts.digestValue : null,
    certificate: signer?.facts ?? null,
    reformatted,
  });

  try {
    parts = readParts(doc, signature);
    checkBinding(doc, target, parts);
    const profile = profileOf(parts);
    if (parts.certificate === null) {
      throw new VerdictError('CERTIFICATE_MISSING', 'KeyInfo carries no X509Data/X509Certificate');
    }
    // Parsed before the digest so that the signer is reported even for a modified document.
    signer = signerKey(parts.certificate);

    if (profile.kind === 'reference' || options.path === 'reference') {
      path = 'reference';
      const outcome = verifyWithXmlCrypto(doc, signature, parts.certificate);
      return outcome === 'valid' ? result(null, null) : result(outcome.code, outcome.message);
    }

    const expected = strictBase64(parts.digestValue, 'DigestValue');
    const exclude =
      isInside(signature, target) && parts.transforms.includes(ENVELOPED) ? signature : null;
    const canonical = canonicalize(doc, target, { exclude });
    const digest = createHash(profile.digest).update(canonical).digest();
    if (!digest.equals(expected)) {
      const compact = canonicalize(doc, target, { exclude, dropBlankText: true });
      reformatted = createHash(profile.digest).update(compact).digest().equals(expected);
      return result(
        'DIGEST_MISMATCH',
        reformatted
          ? `the signed <${target.local}> was reformatted after signing: whitespace was added between tags (pretty-printed); the content is otherwise intact — send the file exactly as issued, without re-indenting it`
          : `the signed <${target.local}> was modified after signing: its ${profile.digest.toUpperCase()} digest does not match DigestValue`,
      );
    }

    let signatureBytes: Buffer;
    try {
      signatureBytes = strictBase64(parts.signatureValue, 'SignatureValue');
    } catch {
      return result('SIGNATURE_INVALID', 'SignatureValue is not valid base64');
    }
    const signedInfo = canonicalize(doc, parts.signedInfo, { withComments: profile.comments });
    let verified: boolean;
    try {
      verified = rsaVerify(profile.signature, signedInfo, signer.key, signatureBytes);
    } catch {
      verified = false; // a SignatureValue of the wrong length for the key
    }
    if (!verified) {
      return result(
        'SIGNATURE_INVALID',
        'the SignatureValue does not verify with the certificate in KeyInfo',
      );
    }
    return result(null, null);
  } catch (err) {
    if (err instanceof VerdictError) return result(err.code, err.message);
    throw err;
  }
}
