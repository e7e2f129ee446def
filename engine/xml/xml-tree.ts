/**
 * A compact tree over the exact bytes of one XML document. Elements keep byte offsets into the
 * original buffer instead of copies, so canonicalization can work on the bytes received and text is
 * only decoded when somebody reads it.
 */
export type XmlEncoding = 'utf8' | 'latin1';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  /** Qualified name as written (`Id`, `xml:lang`). */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** Offsets of the value between the quotes. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

export interface NamespaceDeclaration {
  /** '' for the default namespace. */
  readonly prefix: string;
  /** Decoded namespace name; '' for an undeclaration (`xmlns=""`). */
  readonly uri: string;
}

const NO_ATTRIBUTES: readonly XmlAttribute[] = [];
const NO_CHILDREN: readonly XmlElement[] = [];

export class XmlElement {
  /** Offset of `<` of the start tag. */
  start = 0;
  /** Offset just after the `>` of the start tag. */
  openEnd = 0;
  /** Offset of `</` of the end tag (equals openEnd for `<a/>`). */
  closeStart = 0;
  /** Offset just after the `>` of the end tag. */
  end = 0;
  attributes: readonly XmlAttribute[] = NO_ATTRIBUTES;
  namespaces: readonly NamespaceDeclaration[] | null = null;
  children: readonly XmlElement[] = NO_CHILDREN;
  /** True when comments, CDATA or processing instructions appear directly in the content. */
  hasMarkupInContent = false;
  /** True when `&` or `\r` appears directly in the text content. */
  hasEscapesInContent = false;
  /**
   * Canonical-form flags, set by the scanner so canonicalization can copy bytes instead of
   * rewriting them: the start tag is written as C14N would write it (no namespace declarations,
   * unprefixed attributes in order, one space, double quotes, nothing to escape, not
   * self-closing); the text directly inside needs no change and the end tag has no spaces;
   * every child's whole subtree is canonical.
   */
  canonicalStartTag = false;
  canonicalText = true;
  canonicalChildren = true;

  /** The bytes [start, end) are already this element's canonical form (below an apex). */
  get canonicalSubtree(): boolean {
    return this.canonicalStartTag && this.canonicalText && this.canonicalChildren;
  }

  constructor(
    readonly name: string,
    readonly prefix: string,
    readonly local: string,
    /** Resolved namespace name ('' when none). */
    public ns: string,
    readonly parent: XmlElement | null,
    /** Offsets of the qualified name inside the start tag. */
    readonly nameStart: number,
    readonly nameEnd: number,
  ) {}

  /** First child element with this local name (and namespace when given). */
  child(local: string, ns?: string): XmlElement | undefined {
    const children = this.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.local === local && (ns === undefined || c.ns === ns)) return c;
    }
    return undefined;
  }

  /** Every child element with this local name (and namespace when given). */
  childrenNamed(local: string, ns?: string): XmlElement[] {
    const out: XmlElement[] = [];
    const children = this.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.local === local && (ns === undefined || c.ns === ns)) out.push(c);
    }
    return out;
  }

  attribute(name: string): XmlAttribute | undefined {
    const attrs = this.attributes;
    for (let i = 0; i < attrs.length; i++) if (attrs[i].name === name) return attrs[i];
    return undefined;
  }

  /** Namespace name bound to `prefix` at this element ('' when unbound). */
  lookupNamespace(prefix: string): string | undefined {
    return lookupNamespace(this, prefix);
  }
}

function lookupNamespace(start: XmlElement, prefix: string): string | undefined {
  if (prefix === 'xml') return XML_NS;
  for (let el: XmlElement | null = start; el !== null; el = el.parent) {
    const decls = el.namespaces;
    if (decls === null) continue;
    for (let i = 0; i < decls.length; i++) if (decls[i].prefix === prefix) return decls[i].uri;
  }
  return prefix === '' ? '' : undefined;
}

export function addChild(parent: XmlElement, child: XmlElement): void {
  if (parent.children === NO_CHILDREN) parent.children = [child];
  else (parent.children as XmlElement[]).push(child);
}

export interface XmlDocument {
  readonly bytes: Uint8Array;
  readonly encoding: XmlEncoding;
  readonly root: XmlElement;
  /** Elements carrying an `Id`, `ID` or `id` attribute, in document order (wrapping checks). */
  readonly elementsWithId: readonly XmlElement[];
  /** Every element whose local name is `Signature`, in document order. */
  readonly signatures: readonly XmlElement[];
}
