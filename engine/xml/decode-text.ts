import { AMP, CR, LF, LT, TAB, isWhitespace, readReference, referenceEnd } from './xml-chars';
import { XmlAttribute, XmlDocument, XmlElement, XmlEncoding } from './xml-tree';

/**
 * Decoding of text and attribute values as an XML processor reports them: references resolved,
 * line ends normalized, attribute whitespace turned into spaces. Used when fields are read, never on
 * the canonicalization path (which works on bytes).
 */
export function decodeAttributeValue(
  b: Buffer,
  encoding: XmlEncoding,
  start: number,
  end: number,
): string {
  let plain = true;
  for (let k = start; k < end; k++) {
    const c = b[k];
    if (c === AMP || c === CR || c === LF || c === TAB) {
      plain = false;
      break;
    }
  }
  if (plain) return b.toString(encoding, start, end);
  let out = '';
  let run = start;
  for (let k = start; k < end; k++) {
    const c = b[k];
    if (c === AMP) {
      out += b.toString(encoding, run, k) + String.fromCodePoint(readReference(b, k, end));
      k = referenceEnd.next - 1;
      run = k + 1;
    } else if (c === CR || c === LF || c === TAB) {
      out += b.toString(encoding, run, k) + ' ';
      if (c === CR && k + 1 < end && b[k + 1] === LF) k++;
      run = k + 1;
    }
  }
  return out + b.toString(encoding, run, end);
}

export function attributeValue(doc: XmlDocument, attr: XmlAttribute): string {
  return decodeAttributeValue(doc.bytes as Buffer, doc.encoding, attr.valueStart, attr.valueEnd);
}

export function attributeOf(doc: XmlDocument, el: XmlElement, name: string): string | undefined {
  const a = el.attribute(name);
  return a === undefined ? undefined : attributeValue(doc, a);
}

/** Character data in [start, end): references resolved, CRLF and CR turned into LF, CDATA kept. */
function decodeCharacterData(b: Buffer, encoding: XmlEncoding, start: number, end: number): string {
  let out = '';
  let run = start;
  for (let k = start; k < end; k++) {
    const c = b[k];
    if (c === AMP) {
      out += b.toString(encoding, run, k) + String.fromCodePoint(readReference(b, k, end));
      k = referenceEnd.next - 1;
      run = k + 1;
    } else if (c === CR) {
      out += b.toString(encoding, run, k) + '\n';
      if (k + 1 < end && b[k + 1] === LF) k++;
      run = k + 1;
    } else if (c === LT) {
      out += b.toString(encoding, run, k);
      // Only comments, CDATA and processing instructions can start here.
      if (b[k + 1] === 0x21 && b[k + 2] === 0x5b) {
        const close = b.indexOf(']]>', k + 9, 'latin1');
        out += normalizeLineEnds(b.toString(encoding, k + 9, close));
        k = close + 2;
      } else if (b[k + 1] === 0x21) {
        k = b.indexOf('-->', k + 4, 'latin1') + 2;
      } else {
        k = b.indexOf('?>', k + 2, 'latin1') + 1;
      }
      run = k + 1;
    }
  }
  return out + b.toString(encoding, run, end);
}

function normalizeLineEnds(s: string): string {
  return s.indexOf('\r') < 0 ? s : s.replace(/\r\n?/g, '\n');
}

/**
 * Each document's bytes as one latin1 string (one character per byte), made when its first field
 * is read: a field is then a substring of it, not a decoding call of its own — an NF-e is read
 * field by field, a few hundred of them.
 */
const asLatin1 = new WeakMap<XmlDocument, string>();
const NON_ASCII = /[\u0080-\u00ff]/;

/** The bytes [start, end) decoded, for text known to hold no reference, CR or markup. */
function plainText(doc: XmlDocument, start: number, end: number): string {
  let all = asLatin1.get(doc);
  if (all === undefined) {
    all = (doc.bytes as Buffer).toString('latin1');
    asLatin1.set(doc, all);
  }
  const text = all.substring(start, end);
  // In a UTF-8 document a byte above 0x7f is part of a multi-byte character: decode those properly.
  if (doc.encoding === 'utf8' && NON_ASCII.test(text))
    return (doc.bytes as Buffer).toString('utf8', start, end);
  return text;
}

/**
 * The text directly inside an element (child elements skipped). For the leaf fields of an NF-e this
 * is the field value.
 */
export function textOf(doc: XmlDocument, el: XmlElement): string {
  const b = doc.bytes as Buffer;
  const children = el.children;
  if (children.length === 0) {
    if (!el.hasEscapesInContent && !el.hasMarkupInContent) {
      return plainText(doc, el.openEnd, el.closeStart);
    }
    return decodeCharacterData(b, doc.encoding, el.openEnd, el.closeStart);
  }
  let out = '';
  let at = el.openEnd;
  for (const c of children) {
    out += decodeCharacterData(b, doc.encoding, at, c.start);
    at = c.end;
  }
  return out + decodeCharacterData(b, doc.encoding, at, el.closeStart);
}

/** True when the text directly inside the element is only whitespace (or nothing). */
export function isBlankContent(doc: XmlDocument, el: XmlElement): boolean {
  const b = doc.bytes;
  let at = el.openEnd;
  const check = (s: number, e: number): boolean => {
    for (let k = s; k < e; k++) if (!isWhitespace(b[k])) return false;
    return true;
  };
  for (const c of el.children) {
    if (!check(at, c.start)) return false;
    at = c.end;
  }
  return check(at, el.closeStart);
}
