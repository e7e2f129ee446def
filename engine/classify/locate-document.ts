import { VerdictError } from '../codes';
import { NS_DSIG } from '../signature/algorithms';
import { XmlDocument, XmlElement } from '../xml/xml-tree';

export const NS_NFE = 'http://www.portalfiscal.inf.br/nfe';
const SOAP_NAMESPACES = new Set([
  'http://schemas.xmlsoap.org/soap/envelope/',
  'http://www.w3.org/2003/05/soap-envelope',
]);

export type DocumentRoot = 'nfeProc' | 'NFe' | 'procEventoNFe' | 'evento';
const ROOTS: ReadonlySet<string> = new Set<DocumentRoot>([
  'nfeProc',
  'NFe',
  'procEventoNFe',
  'evento',
]);

/** Where, inside the tree, the one document this file is about sits. */
export interface LocatedDocument {
  readonly root: DocumentRoot;
  /** Envelopes unwrapped on the way (SOAP Envelope, nfeDadosMsg, enviNFe, envEvento), outermost first. */
  readonly envelopes: readonly string[];
  /** NFe or evento: the parent of the signed element and of its Signature. */
  readonly container: XmlElement;
  /** infNFe or infEvento: the element the Signature must cover, and the only one fields are read from. */
  readonly signed: XmlElement;
  readonly signature: XmlElement | null;
  /** protNFe (nfeProc) or retEvento (procEventoNFe): outside the signature. */
  readonly receipt: XmlElement | undefined;
}

function exactlyOne(
  parent: XmlElement,
  local: string,
  ns: string,
  tooMany: 'STRUCTURE_INVALID' | 'MULTIPLE_DOCUMENTS',
): XmlElement {
  const found = parent.childrenNamed(local, ns);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    const elsewhere = parent.child(local);
    if (elsewhere !== undefined) {
      throw new VerdictError(
        'WRONG_NAMESPACE',
        `<${local}> inside <${parent.local}> is in namespace "${elsewhere.ns.slice(0, 80)}", expected ${ns}`,
      );
    }
    throw new VerdictError('STRUCTURE_INVALID', `<${parent.local}> has no <${local}>`);
  }
  throw new VerdictError(
    tooMany,
    tooMany === 'MULTIPLE_DOCUMENTS'
      ? `<${parent.local}> holds ${found.length} documents; send each one as its own file`
      : `<${parent.local}> has ${found.length} <${local}> elements`,
  );
}

function atMostOne(parent: XmlElement, local: string): XmlElement | undefined {
  const found = parent.childrenNamed(local, NS_NFE);
  if (found.length > 1)
    throw new VerdictError(
      'STRUCTURE_INVALID',
      `<${parent.local}> has ${found.length} <${local}> elements`,
    );
  return found[0];
}

function onlyChild(el: XmlElement): XmlElement {
  if (el.children.length !== 1) {
    throw new VerdictError(
      'NOT_NFE',
      `<${el.local}> must hold exactly one element, it holds ${el.children.length}`,
    );
  }
  return el.children[0];
}

function signatureOf(doc: XmlDocument, container: XmlElement): XmlElement | null {
  const found = container.childrenNamed('Signature', NS_DSIG);
  if (found.length > 1) {
    throw new VerdictError(
      'SIGNATURE_WRAPPING',
      `<${container.local}> has ${found.length} Signature elements`,
    );
  }
  if (found.length === 0) {
    const elsewhere = doc.signatures.some((s) => s.ns === NS_DSIG);
    throw new VerdictError(
      'SIGNATURE_MISSING',
      elsewhere
        ? `<${container.local}> has no Signature of its own (a Signature elsewhere in the file does not count)`
        : `the document carries no Signature`,
    );
  }
  return found[0];
}

/** Unwraps known envelopes and checks the skeleton of the document. Throws VerdictError. */
export function locateDocument(doc: XmlDocument, requireSignature = true): LocatedDocument {
  let el = doc.root;
  const envelopes: string[] = [];
  for (;;) {
    if (el.local === 'Envelope' && SOAP_NAMESPACES.has(el.ns)) {
      envelopes.push('Envelope');
      const body = el.child('Body', el.ns);
      if (body === undefined) throw new VerdictError('NOT_NFE', 'SOAP Envelope without a Body');
      el = onlyChild(body);
    } else if (el.local === 'nfeDadosMsg') {
      envelopes.push('nfeDadosMsg');
      el = onlyChild(el);
    } else if (el.local === 'enviNFe' && el.ns === NS_NFE) {
      envelopes.push('enviNFe');
      el = exactlyOne(el, 'NFe', NS_NFE, 'MULTIPLE_DOCUMENTS');
    } else if (el.local === 'envEvento' && el.ns === NS_NFE) {
      envelopes.push('envEvento');
      el = exactlyOne(el, 'evento', NS_NFE, 'MULTIPLE_DOCUMENTS');
    } else {
      break;
    }
  }

  if (!ROOTS.has(el.local)) {
    throw new VerdictError(
      'NOT_NFE',
      `<${el.local.slice(0, 60)}> is not an NF-e, NFC-e or NF-e event`,
    );
  }
  if (el.ns !== NS_NFE) {
    throw new VerdictError(
      'WRONG_NAMESPACE',
      `<${el.local}> is in namespace "${el.ns.slice(0, 80)}"; NF-e documents use ${NS_NFE}`,
    );
  }
  const root = el.local as DocumentRoot;
  let container = el;
  let receipt: XmlElement | undefined;
  if (root === 'nfeProc') {
    container = exactlyOne(el, 'NFe', NS_NFE, 'STRUCTURE_INVALID');
    receipt = atMostOne(el, 'protNFe');
  } else if (root === 'procEventoNFe') {
    container = exactlyOne(el, 'evento', NS_NFE, 'STRUCTURE_INVALID');
    receipt = atMostOne(el, 'retEvento');
  }
  const signed = exactlyOne(
    container,
    container.local === 'NFe' ? 'infNFe' : 'infEvento',
    NS_NFE,
    'STRUCTURE_INVALID',
  );
  let signature: XmlElement | null = null;
  try {
    signature = signatureOf(doc, container);
  } catch (err) {
    if (requireSignature || !(err instanceof VerdictError) || err.code !== 'SIGNATURE_MISSING')
      throw err;
  }
  return { root, envelopes, container, signed, signature, receipt };
}
