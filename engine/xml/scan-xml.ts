import { isUtf8 } from 'node:buffer';
import { VerdictError } from '../codes';
import {
  AMP,
  BANG,
  CR,
  DQUOTE,
  EQ,
  GT,
  LF,
  LT,
  NAME_STOP,
  QUESTION,
  RBRACKET,
  SLASH,
  SQUOTE,
  TAB,
  isNameStart,
  isWhitespace,
  lineAndColumn,
  readReference,
  referenceEnd,
} from './xml-chars';
import {
  XmlAttribute,
  XmlDocument,
  XmlElement,
  XmlEncoding,
  NamespaceDeclaration,
  addChild,
} from './xml-tree';
import { decodeAttributeValue } from './decode-text';

export interface ScanLimits {
  /** Deepest element nesting accepted (an NF-e needs about 8). */
  readonly maxDepth: number;
  /** Most attributes (namespace declarations included) on one element. */
  readonly maxAttributes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxDepth: 64, maxAttributes: 64 };

export function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
}

function fail(b: Uint8Array, at: number, what: string): never {
  throw new VerdictError('MALFORMED_XML', `${what} (${lineAndColumn(b, at)})`);
}

/**
 * Bytes the character-data loop must look at (markup, references, control characters and, in a
 * latin1 document, bytes that canonical UTF-8 rewrites); every other byte is skipped by one lookup.
 */
function textStops(latin1: boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 0x20; c++) t[c] = 1;
  t[LT] = t[AMP] = t[GT] = 1;
  if (latin1) t.fill(1, 0x80);
  return t;
}
const TEXT_STOPS_UTF8 = textStops(false);
const TEXT_STOPS_LATIN1 = textStops(true);

function hasHighByte(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (b[k] >= 0x80) return true;
  return false;
}

/** Comments, CDATA and processing instructions in content: decoded and canonicalized the slow way. */
function markup(el: XmlElement): void {
  el.hasMarkupInContent = true;
  el.canonicalText = false;
}

function startsWith(b: Uint8Array, i: number, ascii: string): boolean {
  if (i + ascii.length > b.length) return false;
  for (let k = 0; k < ascii.length; k++) if (b[i + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

function indexOfAscii(b: Buffer, ascii: string, from: number): number {
  return b.indexOf(ascii, from, 'latin1');
}

/** Reads `encoding="…"` from the XML declaration and maps it to a decoder. */
function declaredEncoding(b: Buffer, declEnd: number): XmlEncoding {
  const decl = b.toString('latin1', 0, declEnd);
  const m = /\sencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/.exec(decl);
  if (!m) return 'utf8';
  const name = m[2].toLowerCase();
  if (name === 'utf-8' || name === 'utf8' || name === 'us-ascii' || name === 'ascii') return 'utf8';
  if (
    name === 'iso-8859-1' ||
    name === 'iso8859-1' ||
    name === 'iso_8859-1' ||
    name === 'latin1' ||
    name === 'latin-1' ||
    name === 'l1'
  ) {
    return 'latin1';
  }
  throw new VerdictError(
    'ENCODING_UNSUPPORTED',
    `encoding "${m[2].slice(0, 40)}" is not supported: send UTF-8 or ISO-8859-1`,
  );
}

/** The encoding a document declares (UTF-8 when it declares none); null when unsupported. */
export function declaredEncodingOf(input: Uint8Array): XmlEncoding | null {
  const b = asBuffer(input);
  const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  if (!startsWith(b, start, '<?xml')) return 'utf8';
  const end = indexOfAscii(b, '?>', start);
  if (end < 0) return null;
  try {
    return declaredEncoding(b, end);
  } catch {
    return null;
  }
}

/**
 * Element and attribute names, decoded once per process rather than once per occurrence: an NF-e
 * repeats a vocabulary of a few hundred ASCII names, and a fresh string for every tag was a good
 * share of the scanner's allocations. Bounded, so that hostile documents with random names cannot
 * grow it; names with non-ASCII bytes are decoded each time.
 */
const NAMES = new Map<number, string>();
const MAX_NAMES = 4096;

function internName(b: Buffer, s: number, e: number, encoding: BufferEncoding): string {
  let h = 0x811c9dc5 ^ (e - s);
  for (let k = s; k < e; k++) {
    const c = b[k];
    if (c >= 0x80) return b.toString(encoding, s, e);
    h = Math.imul(h ^ c, 0x01000193);
  }
  const cached = NAMES.get(h);
  if (cached !== undefined && cached.length === e - s) {
    let k = 0;
    while (k < cached.length && cached.charCodeAt(k) === b[s + k]) k++;
    if (k === cached.length) return cached;
  }
  const name = b.toString('latin1', s, e);
  if (NAMES.size < MAX_NAMES) NAMES.set(h, name);
  return name;
}

/**
 * Scans the exact bytes of a document into an XmlElement tree, checking well-formedness and
 * namespace bindings as it goes. No DTD, external entity or undefined entity is ever accepted.
 * Throws VerdictError (MALFORMED_XML, DTD_FORBIDDEN, ENCODING_UNSUPPORTED, LIMIT_EXCEEDED).
 */
export function scanXml(input: Uint8Array, limits: ScanLimits = DEFAULT_SCAN_LIMITS): XmlDocument {
  const b = asBuffer(input);
  const n = b.length;
  let i = 0;

  if (n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  else if (n >= 2 && ((b[0] === 0xfe && b[1] === 0xff) || (b[0] === 0xff && b[1] === 0xfe))) {
    throw new VerdictError(
      'ENCODING_UNSUPPORTED',
      'UTF-16 is not supported: send UTF-8 or ISO-8859-1',
    );
  } else if (n >= 2 && (b[0] === 0 || b[1] === 0)) {
    throw new VerdictError('ENCODING_UNSUPPORTED', 'the document looks like UTF-16 or UTF-32');
  }

  let encoding: XmlEncoding = 'utf8';
  if (startsWith(b, i, '<?xml') && i + 5 < n && isWhitespace(b[i + 5])) {
    const declEnd = indexOfAscii(b, '?>', i + 5);
    if (declEnd < 0) fail(b, i, 'unterminated XML declaration');
    if (!/^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1/.test(b.toString('latin1', i, declEnd))) {
      fail(b, i, 'XML declaration without a version');
    }
    encoding = declaredEncoding(b, declEnd);
    i = declEnd + 2;
  }
  if (encoding === 'utf8' && !isUtf8(b)) {
    throw new VerdictError(
      'MALFORMED_XML',
      'the bytes are not valid UTF-8 (declare encoding="ISO-8859-1" if that is what they are)',
    );
  }
  const nameOf = (s: number, e: number): string => internName(b, s, e, encoding);
  const latin1 = encoding === 'latin1';
  const textStop = latin1 ? TEXT_STOPS_LATIN1 : TEXT_STOPS_UTF8;

  const elementsWithId: XmlElement[] = [];
  const signatures: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let current: XmlElement | null = null;
  let root: XmlElement | null = null;

  while (i < n) {
    const c = b[i];
    if (c !== LT) {
      // Character data: validated here, decoded only when read.
      const textStart = i;
      let escapes = false;
      let rewrite = false; // canonicalization must change these bytes
      for (; i < n; i++) {
        const t = b[i];
        if (textStop[t] === 0) continue;
        if (t === LT) break;
        if (t < 0x20) {
          if (t === CR) escapes = true;
          else if (t !== LF && t !== TAB)
            fail(b, i, `control character 0x${t.toString(16)} in text`);
        } else if (t === AMP) {
          readReference(b, i, n);
          i = referenceEnd.next - 1;
          escapes = true;
        } else if (t === GT) {
          if (i >= 2 && b[i - 1] === RBRACKET && b[i - 2] === RBRACKET) {
            fail(b, i, "']]>' is not allowed in text");
          }
          rewrite = true;
        } else if (t >= 0x80 && latin1) {
          rewrite = true;
        }
      }
      if (current === null) {
        for (let k = textStart; k < i; k++) {
          if (!isWhitespace(b[k])) {
            fail(
              b,
              k,
              root === null
                ? 'the document does not start with XML markup'
                : 'text after the root element',
            );
          }
        }
      } else if (escapes || rewrite) {
        if (escapes) current.hasEscapesInContent = true;
        current.canonicalText = false;
      }
      continue;
    }

    const c1 = i + 1 < n ? b[i + 1] : -1;
    if (c1 === SLASH) {
      // End tag.
      if (current === null) fail(b, i, 'end tag without a start tag');
      const el: XmlElement = current;
      const nameLen = el.nameEnd - el.nameStart;
      let j = i + 2;
      for (let k = 0; k < nameLen; k++, j++) {
        if (j >= n || b[j] !== b[el.nameStart + k])
          fail(b, i, `end tag does not match <${el.name}>`);
      }
      if (j < n && NAME_STOP[b[j]] === 0) fail(b, i, `end tag does not match <${el.name}>`);
      if (j < n && b[j] !== GT) el.canonicalText = false;
      while (j < n && isWhitespace(b[j])) j++;
      if (j >= n) fail(b, i, `truncated end tag of <${el.name}>`);
      if (b[j] !== GT) fail(b, j, `malformed end tag of <${el.name}>`);
      el.closeStart = i;
      el.end = j + 1;
      stack.pop();
      current = stack.length > 0 ? stack[stack.length - 1] : null;
      if (current !== null && !el.canonicalSubtree) current.canonicalChildren = false;
      i = j + 1;
      continue;
    }

    if (c1 === BANG) {
      if (startsWith(b, i, '<!--')) {
        const close = indexOfAscii(b, '--', i + 4);
        if (close < 0) fail(b, i, 'unterminated comment');
        if (close + 2 >= n || b[close + 2] !== GT) fail(b, close, "'--' inside a comment");
        if (current !== null) markup(current);
        i = close + 3;
        continue;
      }
      if (startsWith(b, i, '<![CDATA[')) {
        if (current === null) fail(b, i, 'CDATA outside the root element');
        const close = indexOfAscii(b, ']]>', i + 9);
        if (close < 0) fail(b, i, 'unterminated CDATA section');
        for (let k = i + 9; k < close; k++) {
          const t = b[k];
          if (t < 0x20 && t !== CR && t !== LF && t !== TAB)
            fail(b, k, 'control character in CDATA');
        }
        markup(current);
        i = close + 3;
        continue;
      }
      if (startsWith(b, i, '<!DOCTYPE') || startsWith(b, i, '<!ENTITY')) {
        throw new VerdictError(
          'DTD_FORBIDDEN',
          `a DOCTYPE or ENTITY declaration was found (${lineAndColumn(b, i)}); NF-e never carries one and it is never expanded`,
        );
      }
      fail(b, i, "unexpected '<!'");
    }

    if (c1 === QUESTION) {
      const close = indexOfAscii(b, '?>', i + 2);
      if (close < 0) fail(b, i, 'unterminated processing instruction');
      let t = i + 2;
      while (t < close && !isWhitespace(b[t])) t++;
      const target = b.toString('latin1', i + 2, t);
      if (target.length === 0) fail(b, i, 'processing instruction without a target');
      if (target.toLowerCase() === 'xml')
        fail(b, i, 'XML declaration not at the start of the document');
      if (current !== null) markup(current);
      i = close + 2;
      continue;
    }

    // Start tag.
    if (current === null && root !== null) fail(b, i, 'a second root element');
    if (stack.length >= limits.maxDepth) {
      throw new VerdictError(
        'LIMIT_EXCEEDED',
        `elements nest deeper than ${limits.maxDepth} levels (${lineAndColumn(b, i)})`,
      );
    }
    const nameStart = i + 1;
    if (nameStart >= n || !isNameStart(b[nameStart])) fail(b, i, "'<' not followed by a name");
    let j = nameStart;
    let colon = -1;
    for (; j < n && NAME_STOP[b[j]] === 0; j++) {
      if (b[j] === 0x3a) {
        if (colon >= 0) fail(b, j, 'element name with two colons');
        colon = j;
      }
    }
    if (j >= n) fail(b, i, 'truncated start tag');
    const nameEnd = j;
    const name = nameOf(nameStart, nameEnd);
    const prefix = colon >= 0 ? nameOf(nameStart, colon) : '';
    const local = colon >= 0 ? nameOf(colon + 1, nameEnd) : name;
    if (colon >= 0 && (prefix.length === 0 || local.length === 0))
      fail(b, i, 'malformed element name');
    const el: XmlElement = new XmlElement(name, prefix, local, '', current, nameStart, nameEnd);
    el.start = i;

    let attributes: XmlAttribute[] | null = null;
    let namespaces: NamespaceDeclaration[] | null = null;
    let selfClosing = false;
    let canonicalTag = !latin1 || !hasHighByte(b, nameStart, nameEnd);
    let previousAttribute = '';
    for (;;) {
      const wsStart = j;
      while (j < n && isWhitespace(b[j])) j++;
      if (j >= n) fail(b, i, `truncated start tag <${name}>`);
      const a = b[j];
      if (a === GT) {
        if (j !== wsStart) canonicalTag = false;
        j++;
        break;
      }
      if (a === SLASH) {
        if (j + 1 >= n) fail(b, i, `truncated start tag <${name}>`);
        if (b[j + 1] !== GT) fail(b, j, `malformed start tag <${name}>`);
        j += 2;
        selfClosing = true;
        canonicalTag = false;
        break;
      }
      if (j === wsStart) fail(b, j, `attributes of <${name}> must be separated by whitespace`);
      if (!isNameStart(a)) fail(b, j, `malformed attribute in <${name}>`);
      const anStart = j;
      let acolon = -1;
      for (; j < n && NAME_STOP[b[j]] === 0; j++) {
        if (b[j] === 0x3a) {
          if (acolon >= 0) fail(b, j, 'attribute name with two colons');
          acolon = j;
        }
      }
      const anEnd = j;
      while (j < n && isWhitespace(b[j])) j++;
      if (j >= n) fail(b, i, `truncated start tag <${name}>`);
      if (b[j] !== EQ) fail(b, j, `attribute without '=' in <${name}>`);
      j++;
      while (j < n && isWhitespace(b[j])) j++;
      if (j >= n) fail(b, i, `truncated start tag <${name}>`);
      const quote = b[j];
      if (quote !== DQUOTE && quote !== SQUOTE)
        fail(b, j, `attribute value without quotes in <${name}>`);
      // Canonical: one space before the name, `="` right after it, double quotes.
      if (quote !== DQUOTE || j !== anEnd + 1 || wsStart + 1 !== anStart || b[wsStart] !== 0x20) {
        canonicalTag = false;
      }
      const valueStart = j + 1;
      for (j = valueStart; j < n; j++) {
        const t = b[j];
        if (t === quote) break;
        if (t === LT) fail(b, j, `'<' in an attribute value of <${name}>`);
        if (t === AMP) {
          readReference(b, j, n);
          j = referenceEnd.next - 1;
          canonicalTag = false;
        } else if (t < 0x20) {
          if (t !== CR && t !== LF && t !== TAB) {
            fail(b, j, `control character in an attribute value of <${name}>`);
          }
          canonicalTag = false;
        } else if (t >= 0x80 && latin1) {
          canonicalTag = false;
        }
      }
      if (j >= n) fail(b, i, `truncated attribute value in <${name}>`);
      const valueEnd = j;
      j++;

      const aname = nameOf(anStart, anEnd);
      const aprefix = acolon >= 0 ? nameOf(anStart, acolon) : '';
      const alocal = acolon >= 0 ? nameOf(acolon + 1, anEnd) : aname;
      if ((attributes?.length ?? 0) + (namespaces?.length ?? 0) >= limits.maxAttributes) {
        throw new VerdictError(
          'LIMIT_EXCEEDED',
          `more than ${limits.maxAttributes} attributes on <${name}> (${lineAndColumn(b, i)})`,
        );
      }
      if (aname === 'xmlns' || aprefix === 'xmlns') {
        const declPrefix = aprefix === 'xmlns' ? alocal : '';
        const uri = decodeAttributeValue(b, encoding, valueStart, valueEnd);
        if (declPrefix !== '' && uri === '')
          fail(b, anStart, `prefix ${declPrefix} bound to an empty namespace`);
        if (declPrefix === 'xmlns') fail(b, anStart, 'the xmlns prefix cannot be declared');
        namespaces ??= [];
        for (const d of namespaces)
          if (d.prefix === declPrefix)
            fail(b, anStart, `namespace ${declPrefix || '(default)'} declared twice`);
        namespaces.push({ prefix: declPrefix, uri });
        canonicalTag = false;
      } else {
        // Canonical order of unprefixed attributes is by name.
        if (aprefix !== '' || aname <= previousAttribute) canonicalTag = false;
        previousAttribute = aname;
        attributes ??= [];
        for (const at of attributes)
          if (at.name === aname) fail(b, anStart, `attribute ${aname} repeated on <${name}>`);
        attributes.push({ name: aname, prefix: aprefix, local: alocal, valueStart, valueEnd });
      }
    }

    if (namespaces !== null) el.namespaces = namespaces;
    // Declaring nothing, an element's prefix is bound as at its parent: when the parent has the
    // same prefix, that binding is the parent's own namespace (no walk up the tree).
    const ns =
      namespaces === null && current !== null && current.prefix === prefix
        ? current.ns
        : el.lookupNamespace(prefix);
    if (ns === undefined || (prefix !== '' && ns === ''))
      fail(b, i, `unbound namespace prefix ${prefix}:`);
    el.ns = ns;
    if (attributes !== null) {
      el.attributes = attributes;
      for (const at of attributes) {
        if (at.prefix !== '' && el.lookupNamespace(at.prefix) === undefined) {
          fail(b, i, `unbound namespace prefix ${at.prefix}: on an attribute of <${name}>`);
        }
        if (at.local === 'Id' || at.local === 'ID' || at.local === 'id') {
          if (elementsWithId[elementsWithId.length - 1] !== el) elementsWithId.push(el);
        }
      }
    }
    if (local === 'Signature') signatures.push(el);

    el.openEnd = j;
    el.canonicalStartTag = canonicalTag;
    if (current === null) root = el;
    else addChild(current, el);
    if (selfClosing) {
      el.closeStart = j;
      el.end = j;
      if (current !== null) current.canonicalChildren = false;
    } else {
      stack.push(el);
      current = el;
    }
    i = j;
  }

  if (current !== null) fail(b, n, `truncated document: <${current.name}> is never closed`);
  if (root === null) {
    throw new VerdictError('MALFORMED_XML', 'the document has no root element');
  }
  return { bytes: b, encoding, root, elementsWithId, signatures };
}
