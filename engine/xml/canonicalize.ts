import {
  AMP,
  CR,
  DQUOTE,
  GT,
  LF,
  LT,
  TAB,
  isWhitespace,
  readReference,
  referenceEnd,
} from './xml-chars';
import { XmlAttribute, XmlDocument, XmlElement } from './xml-tree';

/**
 * Canonical XML 1.0 (http://www.w3.org/TR/2001/REC-xml-c14n-20010315), inclusive, of the subtree
 * rooted at one element, computed on the exact bytes received. This is the document subset an
 * XMLDSig same-document reference (`URI="#id"`) selects, so the apex carries every namespace in
 * scope from its ancestors and any inherited xml:* attribute.
 */
export interface CanonicalizeOptions {
  /** Element left out with its subtree: the Signature, for the enveloped-signature transform. */
  readonly exclude?: XmlElement | null;
  /** The #WithComments variant keeps comments. */
  readonly withComments?: boolean;
  /**
   * Diagnostic only: drops text that is only whitespace between tags, to tell whether a digest
   * failed because the file was pretty-printed after signing.
   */
  readonly dropBlankText?: boolean;
}

class ByteSink {
  buf: Buffer;
  len = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra + 1024));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let len = this.len;
    for (let k = 0; k < s.length; k++) buf[len++] = s.charCodeAt(k);
    this.len = len;
  }
  string(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }
  codePoint(cp: number): void {
    this.ensure(4);
    const buf = this.buf;
    if (cp < 0x80) buf[this.len++] = cp;
    else if (cp < 0x800) {
      buf[this.len++] = 0xc0 | (cp >> 6);
      buf[this.len++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      buf[this.len++] = 0xe0 | (cp >> 12);
      buf[this.len++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[this.len++] = 0x80 | (cp & 0x3f);
    } else {
      buf[this.len++] = 0xf0 | (cp >> 18);
      buf[this.len++] = 0x80 | ((cp >> 12) & 0x3f);
      buf[this.len++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[this.len++] = 0x80 | (cp & 0x3f);
    }
  }
}

interface SortableAttribute {
  readonly attr: XmlAttribute;
  readonly ns: string;
}

class Canonicalizer {
  private readonly b: Buffer;
  private readonly latin1: boolean;
  readonly out: ByteSink;

  constructor(
    doc: XmlDocument,
    private readonly apex: XmlElement,
    private readonly options: CanonicalizeOptions,
  ) {
    this.b = doc.bytes as Buffer;
    this.latin1 = doc.encoding === 'latin1';
    const size = apex.end - apex.start;
    this.out = new ByteSink(size + (size >> 3) + 512);
  }

  /** Copies raw bytes, transcoding ISO-8859-1 to UTF-8. */
  private raw(s: number, e: number): void {
    const out = this.out;
    out.ensure((e - s) * 2);
    const b = this.b;
    const buf = out.buf;
    let len = out.len;
    if (this.latin1) {
      for (let k = s; k < e; k++) {
        const c = b[k];
        if (c < 0x80) buf[len++] = c;
        else {
          buf[len++] = 0xc0 | (c >> 6);
          buf[len++] = 0x80 | (c & 0x3f);
        }
      }
    } else if (e - s > 64) {
      b.copy(buf, len, s, e);
      len += e - s;
    } else {
      for (let k = s; k < e; k++) buf[len++] = b[k];
    }
    out.len = len;
  }

  /** True when bytes of `el` may be copied as they are: nothing inside changes in C14N. */
  private copyable(el: XmlElement): boolean {
    if (this.options.dropBlankText) return false;
    const exclude = this.options.exclude;
    return (
      exclude === undefined ||
      exclude === null ||
      exclude.end <= el.start ||
      exclude.start >= el.end
    );
  }

  element(el: XmlElement): void {
    const out = this.out;
    if (el !== this.apex && el.canonicalSubtree && this.copyable(el)) {
      this.raw(el.start, el.end);
      return;
    }
    out.ensure(el.nameEnd - el.nameStart + 2);
    out.buf[out.len++] = LT;
    this.raw(el.nameStart, el.nameEnd);
    this.namespaces(el);
    this.attributes(el);
    out.ensure(1);
    out.buf[out.len++] = GT;

    if (el.canonicalText && el.canonicalChildren && this.copyable(el)) {
      this.raw(el.openEnd, el.closeStart);
    } else {
      const exclude = this.options.exclude;
      let at = el.openEnd;
      const children = el.children;
      for (let k = 0; k < children.length; k++) {
        const child = children[k];
        this.content(at, child.start);
        if (child !== exclude) this.element(child);
        at = child.end;
      }
      this.content(at, el.closeStart);
    }

    out.ensure(el.nameEnd - el.nameStart + 3);
    out.buf[out.len++] = LT;
    out.buf[out.len++] = 0x2f;
    this.raw(el.nameStart, el.nameEnd);
    out.buf[out.len++] = GT;
  }

  private namespaces(el: XmlElement): void {
    let rendered: { prefix: string; uri: string }[] | null = null;
    if (el === this.apex) {
      // Every namespace in scope, nearest declaration winning; xmlns="" is never rendered here.
      const scope = new Map<string, string>();
      const chain: XmlElement[] = [];
      for (let p: XmlElement | null = el; p !== null; p = p.parent) chain.push(p);
      for (let k = chain.length - 1; k >= 0; k--) {
        const decls = chain[k].namespaces;
        if (decls !== null) for (const d of decls) scope.set(d.prefix, d.uri);
      }
      for (const [prefix, uri] of scope) {
        if (prefix === 'xml' || (prefix === '' && uri === '')) continue;
        (rendered ??= []).push({ prefix, uri });
      }
    } else if (el.namespaces !== null) {
      const parent = el.parent as XmlElement;
      for (const d of el.namespaces) {
        if (d.prefix === 'xml') continue;
        if ((parent.lookupNamespace(d.prefix) ?? '') !== d.uri) (rendered ??= []).push(d);
      }
    }
    if (rendered === null) return;
    if (rendered.length > 1)
      rendered.sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0));
    for (const d of rendered) {
      this.out.ascii(d.prefix === '' ? ' xmlns="' : ' xmlns:');
      if (d.prefix !== '') {
        this.out.string(d.prefix);
        this.out.ascii('="');
      }
      this.escapedAttributeString(d.uri);
      this.out.ascii('"');
    }
  }

  private attributes(el: XmlElement): void {
    let attrs = el.attributes;
    if (el === this.apex) {
      // C14N 1.0 carries xml:* attributes of ancestors (outside the subset) onto the apex.
      let inherited: XmlAttribute[] | null = null;
      for (let p = el.parent; p !== null; p = p.parent) {
        for (const a of p.attributes) {
          if (a.prefix !== 'xml') continue;
          if (attrs.some((x) => x.name === a.name) || inherited?.some((x) => x.name === a.name))
            continue;
          (inherited ??= []).push(a);
        }
      }
      if (inherited !== null) attrs = [...attrs, ...inherited];
    }
    if (attrs.length === 0) return;
    if (attrs.length === 1) {
      this.attribute(attrs[0]);
      return;
    }
    const sortable: SortableAttribute[] = attrs.map((attr) => ({
      attr,
      ns: attr.prefix === '' ? '' : (el.lookupNamespace(attr.prefix) ?? ''),
    }));
    sortable.sort((x, y) => {
      if (x.ns !== y.ns) return x.ns < y.ns ? -1 : 1;
      return x.attr.local < y.attr.local ? -1 : x.attr.local > y.attr.local ? 1 : 0;
    });
    for (const s of sortable) this.attribute(s.attr);
  }

  private attribute(a: XmlAttribute): void {
    const out = this.out;
    out.ascii(' ');
    out.string(a.name);
    out.ascii('="');
    const b = this.b;
    const end = a.valueEnd;
    out.ensure((end - a.valueStart) * 2 + 8);
    for (let k = a.valueStart; k < end; k++) {
      const c = b[k];
      if (c === AMP) {
        const cp = readReference(b, k, end);
        k = referenceEnd.next - 1;
        this.attributeCodePoint(cp);
        out.ensure((end - k) * 2 + 8);
      } else if (c === TAB || c === LF) {
        out.buf[out.len++] = 0x20;
      } else if (c === CR) {
        out.buf[out.len++] = 0x20;
        if (k + 1 < end && b[k + 1] === LF) k++;
      } else if (c === DQUOTE) {
        out.ascii('&quot;');
        out.ensure((end - k) * 2 + 8);
      } else if (c >= 0x80 && this.latin1) {
        out.buf[out.len++] = 0xc0 | (c >> 6);
        out.buf[out.len++] = 0x80 | (c & 0x3f);
      } else {
        out.buf[out.len++] = c;
      }
    }
    out.ensure(1);
    out.buf[out.len++] = DQUOTE;
  }

  private attributeCodePoint(cp: number): void {
    switch (cp) {
      case AMP:
        return this.out.ascii('&amp;');
      case LT:
        return this.out.ascii('&lt;');
      case DQUOTE:
        return this.out.ascii('&quot;');
      case TAB:
        return this.out.ascii('&#x9;');
      case LF:
        return this.out.ascii('&#xA;');
      case CR:
        return this.out.ascii('&#xD;');
      default:
        return this.out.codePoint(cp);
    }
  }

  private escapedAttributeString(s: string): void {
    for (const ch of s) this.attributeCodePoint(ch.codePointAt(0) as number);
  }

  private textCodePoint(cp: number): void {
    switch (cp) {
      case AMP:
        return this.out.ascii('&amp;');
      case LT:
        return this.out.ascii('&lt;');
      case GT:
        return this.out.ascii('&gt;');
      case CR:
        return this.out.ascii('&#xD;');
      default:
        return this.out.codePoint(cp);
    }
  }

  /** Character data, comments, CDATA and processing instructions between two tags. */
  private content(s: number, e: number): void {
    if (s >= e) return;
    const b = this.b;
    if (this.options.dropBlankText) {
      let blank = true;
      for (let k = s; k < e; k++) {
        if (!isWhitespace(b[k])) {
          blank = false;
          break;
        }
      }
      if (blank) return;
    }
    const out = this.out;
    const latin1 = this.latin1;
    out.ensure((e - s) * 2 + 8);
    for (let k = s; k < e; k++) {
      const c = b[k];
      if (c === LT) {
        k = this.markup(k) - 1;
        out.ensure((e - k) * 2 + 8);
      } else if (c === AMP) {
        const cp = readReference(b, k, e);
        k = referenceEnd.next - 1;
        this.textCodePoint(cp);
        out.ensure((e - k) * 2 + 8);
      } else if (c === GT) {
        out.ascii('&gt;');
        out.ensure((e - k) * 2 + 8);
      } else if (c === CR) {
        if (k + 1 < e && b[k + 1] === LF) continue;
        out.buf[out.len++] = LF;
      } else if (c >= 0x80 && latin1) {
        out.buf[out.len++] = 0xc0 | (c >> 6);
        out.buf[out.len++] = 0x80 | (c & 0x3f);
      } else {
        out.buf[out.len++] = c;
      }
    }
  }

  /** Handles a comment, CDATA section or processing instruction at `k`; returns the index after it. */
  private markup(k: number): number {
    const b = this.b;
    if (b[k + 1] === 0x21 && b[k + 2] === 0x5b) {
      const close = b.indexOf(']]>', k + 9, 'latin1');
      for (let t = k + 9; t < close; t++) {
        const c = b[t];
        if (c === CR) {
          if (t + 1 < close && b[t + 1] === LF) continue;
          this.textCodePoint(LF);
        } else if (c === AMP || c === LT || c === GT) this.textCodePoint(c);
        else {
          const next = this.charAt(t);
          this.out.codePoint(next.cp);
          t = next.end - 1;
        }
      }
      return close + 3;
    }
    if (b[k + 1] === 0x21) {
      const close = b.indexOf('-->', k + 4, 'latin1');
      if (this.options.withComments) {
        this.out.ascii('<!--');
        this.normalizedRaw(k + 4, close);
        this.out.ascii('-->');
      }
      return close + 3;
    }
    const close = b.indexOf('?>', k + 2, 'latin1');
    let t = k + 2;
    while (t < close && !isWhitespace(b[t])) t++;
    const targetEnd = t;
    while (t < close && isWhitespace(b[t])) t++;
    this.out.ascii('<?');
    this.raw(k + 2, targetEnd);
    if (t < close) {
      this.out.ascii(' ');
      this.normalizedRaw(t, close);
    }
    this.out.ascii('?>');
    return close + 2;
  }

  /** Raw bytes with line ends normalized (comments and PI data are not escaped). */
  private normalizedRaw(s: number, e: number): void {
    const b = this.b;
    let run = s;
    for (let k = s; k < e; k++) {
      if (b[k] !== CR) continue;
      this.raw(run, k);
      this.out.ascii('\n');
      if (k + 1 < e && b[k + 1] === LF) k++;
      run = k + 1;
    }
    this.raw(run, e);
  }

  private charAt(t: number): { cp: number; end: number } {
    const b = this.b;
    const c = b[t];
    if (c < 0x80 || this.latin1) return { cp: c, end: t + 1 };
    const width = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    const cp = b.toString('utf8', t, t + width).codePointAt(0) as number;
    return { cp, end: t + width };
  }
}

/** Returns the canonical octets of `apex` and its subtree (a view into a fresh buffer). */
export function canonicalize(
  doc: XmlDocument,
  apex: XmlElement,
  options: CanonicalizeOptions = {},
): Buffer {
  const c = new Canonicalizer(doc, apex, options);
  c.element(apex);
  return c.out.buf.subarray(0, c.out.len);
}
